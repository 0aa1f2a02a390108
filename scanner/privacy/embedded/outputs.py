"""Embedded numbers in what a scan reads and writes: text columns, phone cells, single
texts and messages, report strings and column names."""

from __future__ import annotations

import re
from typing import Any, Iterable

import polars as pl

from scanner.privacy.embedded.find import NUMBERS_SCHEMA, find_embedded, mask_embedded
from scanner.privacy.embedded.grammar import PLUS, chain_regex, min_digits


def mask_text(text: str | None, region: str | None) -> str | None:
    """:func:`mask_embedded` of one text (a header, a path, a message)."""
    if text is None:
        return None
    return mask_embedded(pl.Series([text], dtype=pl.String), region)[0]


#: Regions whose national forms a message is masked for, when no policy is at hand
#: (the default region first): a path or argument echoed in an error may name a number.
MESSAGE_REGIONS = ("CN", "US", "GB", None)


#: Key ids and digests (16+ hex digits, longer than any phone number) stay whole: they are
#: compared digit by digit.
_FINGERPRINT = re.compile(r"\b[0-9a-f]{16,}\b")


def mask_message(text: str) -> str:
    """``text`` (an error or notice line) with the numbers it may echo masked, read as
    numbers of each of :data:`MESSAGE_REGIONS` in turn."""
    kept = _FINGERPRINT.findall(text)
    text = _FINGERPRINT.sub("\x00", text)
    for region in MESSAGE_REGIONS:
        text = mask_text(text, region)
    for fingerprint in kept:
        text = text.replace("\x00", fingerprint, 1)
    return text


def mask_texts(texts: Iterable[str], region: str | None) -> dict[str, str]:
    """Each of ``texts`` → its masked form, in one pass."""
    values = pl.Series(list(dict.fromkeys(texts)), dtype=pl.String)
    return dict(zip(values.to_list(), mask_embedded(values, region).to_list()))


def mask_and_find(values: pl.Series, region: str | None) -> tuple[pl.Series, pl.DataFrame, int]:
    """``values`` masked (:func:`mask_embedded`), the numbers found in them, and how many
    cells changed."""
    values = values.cast(pl.String)
    found = find_embedded(values, region)
    if not found.masked.height:
        return values, found.numbers, 0
    changed = values.is_in(found.masked.get_column("value").implode())
    return (values.replace(found.masked.get_column("value"), found.masked.get_column("masked")),
            found.numbers, int(changed.sum()))


#: More text columns than this are prefiltered together (:func:`numbers_in_columns`).
WIDE = 64


def numbers_in_columns(frame: pl.DataFrame, columns: Iterable[str], region: str | None) -> pl.DataFrame:
    """Every embedded number of the text ``columns`` of ``frame`` (:data:`NUMBERS_SCHEMA`)."""
    schema = frame.schema  # (built anew on each access: once, not once per column)
    texts = [c for c in columns if schema[c] == pl.String]
    if len(texts) > WIDE and frame.height:
        # a wide file's columns mostly hold no chain: one prefilter over them all
        chain = chain_regex(min_digits(region))
        hit = pl.concat([frame.get_column(c) for c in texts]).str.contains(chain).fill_null(False)
        per_column = (hit.to_frame("h").with_columns((pl.int_range(pl.len()) // frame.height).alias("c"))
                      .group_by("c", maintain_order=True).agg(pl.col("h").any()).get_column("h"))
        texts = [c for c, h in zip(texts, per_column) if h]
    parts = [find_embedded(frame.get_column(c), region).numbers for c in texts]
    return pl.concat(parts).unique() if parts else pl.DataFrame(schema=NUMBERS_SCHEMA)


#: A phone cell of one digit group (its only candidate is the whole cell, which the
#: normalizer has read already).
ONE_GROUP = rf"^\s*{PLUS}?\d+\s*$"


def numbers_in_phone_cells(parsed: pl.DataFrame, region: str | None) -> pl.DataFrame:
    """The numbers of phone cells besides the one the normalizer read (``parsed``: distinct
    ``raw`` values with ``valid``, ``extra_numbers``, ``annotated``): cells holding several
    numbers or an annotation, and invalid cells of more than one digit group
    (``13800138000 13900139000``). A valid cell of one number holds no other."""
    rest = parsed.filter((pl.col("extra_numbers") > 0) | pl.col("annotated")
                         | (~pl.col("valid").fill_null(False) & ~pl.col("raw").str.contains(ONE_GROUP).fill_null(True)))
    return find_embedded(rest.get_column("raw"), region).numbers


#: Report strings never masked: hex identifiers (scan id, key id, digests).
_HEX_ID = r"^[0-9a-f]{16,64}$"


def mask_report(report: Any, region: str | None) -> tuple[Any, pl.DataFrame]:
    """``report`` (nested dicts, lists, strings) with every string, keys included, masked
    (:func:`mask_embedded`; hex identifiers left as they are), and the numbers found."""
    texts: list[str] = []

    def gather(node: Any) -> None:
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                gather(key)
                gather(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                gather(value)

    gather(report)
    values = pl.Series(list(dict.fromkeys(texts)), dtype=pl.String)
    values = values.filter(~values.str.contains(_HEX_ID))
    found = find_embedded(values, region)
    if not found.masked.height:
        return report, found.numbers
    mapping = dict(zip(found.masked.get_column("value").to_list(), found.masked.get_column("masked").to_list()))

    def rebuild(node: Any) -> Any:
        if isinstance(node, str):
            return mapping.get(node, node)
        if isinstance(node, dict):
            return {mapping.get(k, k) if isinstance(k, str) else k: rebuild(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return type(node)(rebuild(v) for v in node)
        return node

    return rebuild(report), found.numbers


def output_names(names: Iterable[str], region: str | None, taken: Iterable[str] = ()) -> dict[str, str]:
    """Each column name → the name it is written under: masked, and made unique with a
    ``_2``, ``_3``… suffix when two masked names (or a name in ``taken``) coincide."""
    names = list(names)
    masked = mask_texts(names, region) if names else {}
    used, out = set(taken), {}
    for name in names:
        candidate, n = masked[name], 1
        while candidate in used:
            n += 1
            candidate = f"{masked[name]}_{n}"
        used.add(candidate)
        out[name] = candidate
    return out
