""":func:`find_embedded`: the embedded numbers of distinct text values, read in chunks and
masked leftmost-longest, round after round until the masked text holds none."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scanner.privacy.embedded.candidates import chain_candidates, tokens, validate
from scanner.privacy.embedded.grammar import PLUS, may_hold_number


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


def _mask_once(values: pl.Series, region: str | None, *, star_all: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One pass over distinct ``values``: (``value`` → ``masked`` for those holding a number,
    the numbers found)."""
    toks = tokens(values)
    cands = chain_candidates(toks, region)
    valid = validate(cands.get_column("text").unique(), region)
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


def mask_embedded_expr(expr: pl.Expr, region: str | None) -> pl.Expr:
    """``expr`` (text) with every phone number inside it masked in place
    (:func:`mask_embedded`): elementwise, the work per distinct value of each batch polars
    hands it."""
    return expr.map_batches(lambda s: mask_embedded(s, region), return_dtype=pl.String, is_elementwise=True)
