"""Phone numbers embedded in free text: found, and masked in place (docs/PRIVACY.md).

Every text value a scan writes (sources, kept columns, header names,
vocabulary samples, paths echoed in the report) has the phone numbers inside it masked in
place: ``推荐人 13900139000`` → ``推荐人 139****9000``. What counts as one:

* a *chain* is digit groups joined by short separator runs (1–3 of whitespace,
  ``- . ( ) / [ ] ~``, dashes and their full-width forms), the first group may carry a
  ``+``; letters, Han characters, ``:``, ``,`` and longer separator runs end a chain, and
  so does a ``+`` (it can only start a number);
* a *candidate* is any run of consecutive groups of a chain (so ``+86 139 0013 9000``,
  ``139 0013 9000``, ``(139)00139000`` and ``139-0013-9000`` are candidates, and so are
  both numbers of ``010-12345678 13900139000``) with :data:`MIN_DIGITS`..:data:`MAX_DIGITS`
  digits; its text is its digits (with the ``+``), as the normalizer reads it;
* it is an *embedded number* when the project's exact normalizer
  (:func:`scanner.phone.normalize.parse_distinct`: preclean, then phonenumbers' own answer)
  finds it a valid number under the policy's region, written in one of the number's own
  forms (:func:`_validate`). Full-width digits are digits.

Digits glued to other digits are one group: ``2024113900139000123`` is an order id, not a
number (phonenumbers reads the whole run, which is too long), though ``ORD13900139000`` is
a number. Date and date-time shapes (``2024-01-05 12:30``, ``2025/3/4``, ``05.01.2024``,
``2025年3月4日``) and IPv4 addresses are never part of a chain: ``2024-01-05 12`` would otherwise read as a
Guangzhou fixed line. Non-overlapping embedded numbers are masked leftmost-longest, and the
masked text is read again until it holds none (a mask's last four digits beside other
digits could form a new one).

Work is per distinct value: a regex prefilter keeps only values holding a chain of
:data:`MIN_DIGITS` digits (outside dates); their chains are cut into groups, candidates
built and validated with polars, every distinct candidate normalized once.
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata

from scanner.privacy.masking import mask_phone_expr

#: Characters that may separate the digit groups of one number (inside a character class).
SEPARATOR_CHARS = (r"\s\-.()/\[\]~\u2010-\u2015\u2212\u30fc"
                   "\uff08\uff09\uff0d\uff0e\uff0f\uff3b\uff3d\uff5e")
SEPARATOR = f"[{SEPARATOR_CHARS}]"
#: Separator runs longer than this end a chain.
MAX_SEPARATOR_RUN = 3
PLUS = "[+\uff0b]"
_YEAR = r"(?:1[89]|20)\d\d"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_DATE_SEP = r"[-/.\uff0d\uff0f\uff0e]"
_TIME = r"(?:[ T]?[0-2]?\d(?::[0-5]\d){1,2}(?:\.\d+)?)?"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
#: A dotted-quad IPv4 address (``203.0.113.145`` is also a valid US number by its digits).
IPV4 = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"
#: Date, date-time and IPv4 shapes: one token each, never part of a number.
DATE_TIME = (
    rf"(?:{_YEAR}{_DATE_SEP}{_MONTH}{_DATE_SEP}{_DAY}{_TIME}"
    rf"|{_YEAR}年{_MONTH}月{_DAY}日?{_TIME}"
    rf"|{_DAY}{_DATE_SEP}{_MONTH}{_DATE_SEP}{_YEAR}{_TIME}"
    rf"|{_MONTH}{_DATE_SEP}{_DAY}{_DATE_SEP}{_YEAR}{_TIME}"
    rf"|{IPV4})"
)
#: One token of a text: a date, a digit group (with its ``+``), a separator run, anything
#: else. Every character belongs to exactly one token, so the tokens rebuild the text.
TOKEN = rf"{DATE_TIME}|{PLUS}?\d+|{SEPARATOR}+|[^\d+\uff0b{SEPARATOR_CHARS}]+|{PLUS}"
MAX_DIGITS = 24
#: A date where the tokens can start one: not inside a digit group, nor after a ``+``
#: (``+82-10-2000-0000`` holds ``2-10-2000``, which is no date there); replaced by
#: :data:`NO_DATE` it leaves the text a reader of tokens sees.
DATE_AT = rf"(^|[^\d+\uff0b]){DATE_TIME}"
NO_DATE = "${1}\x00"
#: A value that is one date or date-time and nothing else.
ONLY_DATE = rf"^\s*{DATE_TIME}\s*$"


@lru_cache(maxsize=None)
def min_digits(region: str | None) -> int:
    """The fewest digits a valid number can be written with under ``region``: with a ``+``,
    a calling code and the shortest national number of any region; without, the region's
    own shortest national number (other regions' numbers then need an IDD prefix too)."""
    def shortest(meta) -> int:
        lengths = [n for n in meta.general_desc.possible_length if n > 0]
        return min(lengths) if lengths else 99

    plus = min(len(str(PhoneMetadata.metadata_for_region(r).country_code))
               + shortest(PhoneMetadata.metadata_for_region(r)) for r in phonenumbers.SUPPORTED_REGIONS)
    meta = PhoneMetadata.metadata_for_region(region) if region else None
    return min(plus, shortest(meta)) if meta is not None else plus


MIN_DIGITS = min_digits("CN")


def chain_regex(min_n: int) -> str:
    """A chain of ``min_n`` digits (separators allowed between them)."""
    return rf"\d(?:{SEPARATOR}{{0,{MAX_SEPARATOR_RUN}}}\d){{{min_n - 1}}}"


def may_hold_number(values: pl.Series, region: str | None) -> pl.Series:
    """Whether each text value may hold an embedded number (a cheap, exact prefilter:
    False means it holds none): a chain of enough digits, outside dates. Cheap enough to run
    on every row: the regexes that need more than one pass run only on the values with a
    chain that are not simply a date."""
    chain = chain_regex(min_digits(region))
    hit = values.str.contains(chain).fill_null(False)
    if not hit.any():
        return hit
    at = hit.arg_true()
    texts = values.gather(at)
    undated = (~texts.str.contains(ONLY_DATE)).arg_true()
    keep = pl.repeat(False, texts.len(), eager=True).scatter(
        undated, texts.gather(undated).str.replace_all(DATE_AT, NO_DATE).str.contains(chain))
    return hit.scatter(at, keep)


@dataclass(frozen=True)
class Embedded:
    """What :func:`find_embedded` found in distinct text values.

    ``masked``: ``value`` → ``masked`` for the values that hold a number (others unchanged);
    ``numbers``: every distinct embedded number (``e164``, ``national_number``, and
    ``digits``, its digits as written)."""

    masked: pl.DataFrame
    numbers: pl.DataFrame


NUMBERS_SCHEMA = {"e164": pl.String, "national_number": pl.String, "digits": pl.String}
_NO_MASKED = {"value": pl.String, "masked": pl.String}
#: Rounds of re-reading masked text (a mask beside digits may form a new number); beyond
#: them every digit of what is still found is starred.
MAX_PASSES = 4


#: A value longer than this that may hold a number has every digit starred instead of being
#: read (a 1 MiB cell of one-digit groups would make millions of candidates).
LONG_TEXT_BYTES = 16 << 10
#: Values are read in chunks of about this many bytes (memory: candidates grow with the text).
CHUNK_BYTES = 1 << 20


def find_embedded(values: pl.Series, region: str | None) -> Embedded:
    """Embedded numbers of text ``values`` (any repeats; each distinct value is read once)."""
    values = values.cast(pl.String)
    current = values.filter(may_hold_number(values, region)).unique()
    long = current.str.len_bytes() > LONG_TEXT_BYTES
    starred = pl.DataFrame({"value": current.filter(long)}).with_columns(
        pl.col("value").str.replace_all(r"\d", "*").alias("masked"))
    current = current.filter(~long)
    ends = current.str.len_bytes().cum_sum() // CHUNK_BYTES
    parts = [_find(current.filter(ends == k), region) for k in (ends.unique().sort() if current.len() else [])]
    replaced = pl.concat([starred, *(p.masked for p in parts)])
    numbers = pl.concat([p.numbers for p in parts]).unique() if parts else pl.DataFrame(schema=NUMBERS_SCHEMA)
    return Embedded(replaced, numbers)


def _find(current: pl.Series, region: str | None) -> Embedded:
    """:func:`find_embedded` of distinct values that each may hold a number."""
    found: list[pl.DataFrame] = []
    replaced = pl.DataFrame(schema={"value": pl.String, "masked": pl.String})
    for round_ in range(MAX_PASSES + 1):
        if not current.len():
            break
        masked, numbers = _mask_once(current, region, star_all=round_ == MAX_PASSES)
        found.append(numbers)
        if not masked.height:
            break
        replaced = _compose(replaced, masked)
        current = masked.get_column("masked")
        current = current.filter(may_hold_number(current, region))
    numbers = (pl.concat(found).unique() if found else pl.DataFrame(schema=NUMBERS_SCHEMA))
    return Embedded(replaced, numbers)


def _compose(replaced: pl.DataFrame, masked: pl.DataFrame) -> pl.DataFrame:
    """``replaced`` (original → text) followed by ``masked`` (text → newer text)."""
    if not replaced.height:
        return masked
    later = replaced.join(masked.rename({"value": "masked", "masked": "_newer"}), on="masked", how="left")
    later = later.select("value", pl.coalesce("_newer", "masked").alias("masked"))
    fresh = masked.filter(~pl.col("value").is_in(replaced.get_column("masked").implode()))
    return pl.concat([later, fresh])


def _tokens(values: pl.Series) -> pl.DataFrame:
    """Values cut into tokens: ``vid`` (the value's index), ``t`` (token index), ``text``,
    ``kind`` (``d``: digit group, ``s``: a short separator run, ``o``: anything else)."""
    frame = pl.DataFrame({"value": values}).with_row_index("vid")
    toks = frame.select("vid", pl.col("value").str.extract_all(TOKEN).alias("text")).explode("text")
    toks = toks.filter(pl.col("text").is_not_null()).with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).over("vid").alias("t"))
    text = pl.col("text")
    digit = text.str.contains(rf"^{PLUS}?\d+$")
    separator = text.str.contains(rf"^{SEPARATOR}{{1,{MAX_SEPARATOR_RUN}}}$")
    return toks.with_columns(pl.when(digit).then(pl.lit("d")).when(separator).then(pl.lit("s"))
                             .otherwise(pl.lit("o")).alias("kind"))


def _candidates(toks: pl.DataFrame, region: str | None) -> pl.DataFrame:
    """Every candidate of the tokens' chains: ``vid``, ``start``/``end`` (token indices),
    ``text`` (digits, with the ``+``)."""
    same = pl.col("vid").shift(2) == pl.col("vid")
    joined = (same & (pl.col("kind").shift(1) == "s") & (pl.col("kind").shift(2) == "d")
              & ~pl.col("text").str.contains(f"^{PLUS}")).fill_null(False)
    groups = toks.with_columns(joined.alias("joined")).filter(pl.col("kind") == "d").with_columns(
        pl.col("text").str.contains(f"^{PLUS}").alias("plus"),
        pl.col("text").str.replace(f"^{PLUS}", "").alias("digits"),
    ).with_columns(pl.col("digits").str.len_chars().alias("n"), (~pl.col("joined")).cum_sum().alias("chain"))
    low = min_digits(region)
    # one row per group: the candidate starting there grows one group per round
    chain, digits, n = pl.col("chain"), pl.col("digits"), pl.col("n")
    acc = groups.select("vid", "chain", pl.col("t").alias("start"), pl.col("t").alias("end"), "plus",
                        digits.alias("acc"), n.alias("total"), pl.lit(True).alias("alive"))
    parts = []
    width = 0
    while True:
        parts.append(acc.filter(pl.col("alive") & (pl.col("total") >= low)))
        width += 1
        ahead = groups.select(chain.shift(-width).alias("_chain"), pl.col("t").shift(-width).alias("_t"),
                              digits.shift(-width).alias("_d"), n.shift(-width).alias("_n"))
        acc = pl.concat([acc, ahead], how="horizontal").with_columns(
            (pl.col("alive") & (pl.col("_chain") == pl.col("chain"))
             & (pl.col("total") + pl.col("_n") <= MAX_DIGITS)).fill_null(False).alias("alive"))
        if not acc.get_column("alive").any():
            break
        acc = acc.select("vid", "chain", "start", pl.col("_t").alias("end"), "plus",
                         pl.concat_str("acc", "_d").alias("acc"), (pl.col("total") + pl.col("_n")).alias("total"),
                         "alive")
    cands = pl.concat(parts) if parts else pl.DataFrame(schema={"vid": pl.UInt32})
    if not cands.height:
        return pl.DataFrame(schema={"vid": pl.UInt32, "start": pl.UInt32, "end": pl.UInt32, "text": pl.String})
    return cands.select("vid", "start", "end",
                        pl.when("plus").then(pl.concat_str(pl.lit("+"), "acc")).otherwise("acc").alias("text"))


def _validate(texts: pl.Series, region: str | None) -> pl.DataFrame:
    """The embedded numbers among distinct candidate texts: ``text``, ``e164``,
    ``national_number``, ``mask``.

    A candidate is one when it is valid and written in one of the number's own forms: its
    digits end with the calling code and the national number (``+86 139…``, ``0086…``,
    ``86…``), or are the national number with the region's trunk prefix (``020 2214 1454``),
    or the bare national number where that is how the number is written at home
    (``139 0013 9000``; a CN fixed line is written with its ``0``). phonenumbers also reads
    ``2022141454`` as a Guangzhou fixed line, and with it every order id, amount or serial of
    that shape; nobody writes a fixed line that way.
    """
    if not texts.len():
        return pl.DataFrame(schema={"text": pl.String, "e164": pl.String, "national_number": pl.String,
                                    "mask": pl.String})
    parsed = _parse(texts, region).filter(pl.col("valid"))
    digits = pl.col("raw").str.normalize("NFKC").str.replace(r"^\+", "")
    nn, cc = pl.col("national_number"), pl.col("country_code").cast(pl.String)
    trunk = _trunk_prefixes(region)
    with_trunk = pl.col("region").replace_strict(trunk.get_column("region"), trunk.get_column("prefix"),
                                                  default=None)
    uses_trunk = pl.concat_str("region", pl.lit(":"), "type").is_in(_trunk_types(region).implode())
    written = (
        pl.col("raw").str.contains(f"^{PLUS}")
        | digits.str.ends_with(pl.concat_str(cc, nn))
        | (digits == pl.concat_str(with_trunk, nn))
        | ((digits == nn) & ~uses_trunk)
    ).fill_null(False)
    return parsed.filter(written).select(
        pl.col("raw").alias("text"), "e164", "national_number",
        mask_phone_expr(pl.col("e164"), pl.col("country_code"), nn).alias("mask"))


#: Fewer distinct candidates than this are parsed one by one by the reference (the engine's
#: compiled expressions cost a fixed ~50 ms a call, a header or a report's few texts ~30 µs each).
SMALL = 256


def _parse(texts: pl.Series, region: str | None) -> pl.DataFrame:
    """``raw`` plus the normalizer's answer for distinct ``texts``: the engine
    (:func:`scanner.phone.normalize.parse_distinct`), or for a few, its reference (preclean,
    then phonenumbers itself: the answer the engine is held to)."""
    from scanner.phone.normalize import parse_distinct  # the phone package imports masks
    from scanner.phone.preclean import preclean_one
    from scanner.phone.reference import PARSED_SCHEMA, parse_one

    if texts.len() >= SMALL:
        return parse_distinct(texts.rename("raw").to_frame().with_columns(
            pl.lit(region, dtype=pl.String).alias("region_hint")))
    rows = [parse_one(preclean_one(t).clean, region) for t in texts.to_list()]
    return pl.DataFrame(rows, schema=PARSED_SCHEMA, orient="row").with_columns(texts.rename("raw"))


@lru_cache(maxsize=None)
def _same_code_regions(region: str | None) -> tuple[str, ...]:
    meta = PhoneMetadata.metadata_for_region(region) if region else None
    return tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(meta.country_code, ())) if meta else ()


@lru_cache(maxsize=None)
def _trunk_prefixes(region: str | None) -> pl.DataFrame:
    """The trunk (national) prefix of each region that shares ``region``'s calling code: the
    only regions a candidate without calling code can be read as."""
    rows = [(r, PhoneMetadata.metadata_for_region(r).national_prefix) for r in _same_code_regions(region)]
    rows = [(r, p) for r, p in rows if p]
    return pl.DataFrame(rows, schema={"region": pl.String, "prefix": pl.String}, orient="row")


@lru_cache(maxsize=None)
def _trunk_types(region: str | None) -> pl.Series:
    """``REGION:TYPE`` of the number types whose national format carries the trunk prefix
    (from phonenumbers' own formatting of its example numbers), for the regions sharing
    ``region``'s calling code."""
    from scanner.phone.reference import TYPE_NAMES

    out = []
    for r in _same_code_regions(region):
        for kind, name in TYPE_NAMES.items():
            example = phonenumbers.example_number_for_type(r, kind)
            if example is None:
                continue
            national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
            if "".join(ch for ch in national if ch.isdigit()) != phonenumbers.national_significant_number(example):
                out.append(f"{r}:{name}")
    return pl.Series(out, dtype=pl.String)


def _mask_once(values: pl.Series, region: str | None, *, star_all: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One pass over distinct ``values``: (``value`` → ``masked`` for those holding a number,
    the numbers found)."""
    toks = _tokens(values)
    cands = _candidates(toks, region)
    valid = _validate(cands.get_column("text").unique(), region)
    hits = cands.join(valid, on="text", how="inner")
    numbers = hits.select("e164", "national_number",
                          pl.col("text").str.replace(f"^{PLUS}", "").str.normalize("NFKC").alias("digits")).unique()
    if not hits.height:
        return pl.DataFrame(schema=_NO_MASKED), numbers
    chosen = _leftmost_longest(hits.select("vid", "start", "end", "mask"))
    if star_all:  # the last resort: no mask, every digit of the span starred
        spans = toks.join(chosen.select("vid", "start", "end"), on="vid").filter(
            pl.col("t").is_between("start", "end")).select("vid", "t", pl.col("text").str.replace_all(r"\d", "*").alias("_new"))
    else:
        spans = chosen.with_columns(pl.int_ranges("start", pl.col("end") + 1, dtype=pl.UInt32).alias("t")).explode("t")
        spans = spans.select("vid", "t", pl.when(pl.col("t") == pl.col("start")).then("mask")
                             .otherwise(pl.lit("")).alias("_new"))
        spans = pl.concat([spans, _open_parens(chosen, toks)])
    touched = toks.filter(pl.col("vid").is_in(chosen.get_column("vid").unique().implode()))
    rebuilt = (touched.join(spans, on=["vid", "t"], how="left")
               .sort("vid", "t")
               .group_by("vid", maintain_order=True)
               .agg(pl.coalesce("_new", "text").str.join("").alias("masked")))
    originals = pl.DataFrame({"value": values}).with_row_index("vid")
    return rebuilt.join(originals, on="vid").select("value", "masked"), numbers


def _open_parens(chosen: pl.DataFrame, toks: pl.DataFrame) -> pl.DataFrame:
    """Replacements (``vid``, ``t``, ``_new``) dropping the opening parenthesis that ends the
    token just before a span holding its closing one (``(020) 2214 1454`` is masked whole,
    not as ``(`` and a mask)."""
    before = toks.select("vid", (pl.col("t") + 1).alias("start"), pl.col("t"), "text").filter(
        pl.col("text").str.contains("[(\uff08]$"))
    closes = (toks.filter(pl.col("text").str.contains("[)\uff09]")).select("vid", pl.col("t").alias("_c"))
              .join(chosen.select("vid", "start", "end"), on="vid")
              .filter(pl.col("_c").is_between("start", "end")).select("vid", "start").unique())
    return (before.join(closes, on=["vid", "start"], how="semi")
            .select("vid", "t", pl.col("text").str.slice(0, pl.col("text").str.len_chars() - 1).alias("_new")))


def _leftmost_longest(hits: pl.DataFrame) -> pl.DataFrame:
    """Non-overlapping spans per value, each the leftmost, then longest, of what is left."""
    chosen = []
    rest = hits.sort("vid", "start", pl.col("end"), descending=[False, False, True])
    while rest.height:
        first = rest.group_by("vid", maintain_order=True).first()
        chosen.append(first)
        rest = rest.join(first.select("vid", pl.col("end").alias("_last")), on="vid").filter(
            pl.col("start") > pl.col("_last")).drop("_last")
    return pl.concat(chosen)


def mask_embedded(values: pl.Series, region: str | None) -> pl.Series:
    """``values`` with every embedded number masked in place (nulls and the rest unchanged)."""
    values = values.cast(pl.String)
    if not values.len():
        return values
    found = find_embedded(values, region).masked
    if not found.height:
        return values
    return values.replace(found.get_column("value"), found.get_column("masked"))


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
