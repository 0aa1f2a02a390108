"""Raw phone text -> E.164, validity, type, region, extension, segment.

Work happens on distinct ``(raw, region_hint)`` pairs, never per row: ``parse_distinct``
precleans and parses each pair once, and the caller joins the answers back onto rows.
The parse itself goes through :func:`scanner.phone.engine.parse_clean`, which is the
single place a faster engine plugs in.
"""

from __future__ import annotations

import polars as pl

from scanner.phone.engine import parse_clean_unordered
from scanner.phone.lengths import length_status_expr
from scanner.phone.preclean import preclean_frame
from scanner.phone.reference import PARSED_SCHEMA
from scanner.phone.segments import segment_expr

PRECLEAN_SCHEMA = {
    "clean": pl.String,
    "repaired": pl.Boolean,
    "mangled": pl.Boolean,
    "extra_numbers": pl.UInt32,
    "annotated": pl.Boolean,
}

NORMALIZED_SCHEMA = {**PRECLEAN_SCHEMA, **PARSED_SCHEMA, "length_status": pl.String, "segment": pl.String}


def parse_distinct(distinct: pl.DataFrame) -> pl.DataFrame:
    """Normalize distinct pairs.

    ``distinct`` has columns ``raw`` and ``region_hint`` (both String). Returns them plus
    every column of ``NORMALIZED_SCHEMA``, one row per input row, same order.
    """
    pre, parsed = _answers(distinct)
    answers = pl.concat([pre.drop("raw")[parsed.get_column("i")], parsed.drop("i")], how="horizontal").rechunk()
    return pl.concat([distinct.select("raw", "region_hint"), answers.sort("i").drop("i")], how="horizontal")


def _answers(distinct: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(pre, parsed)``, rows in no particular order: callers gather them once into the order
    they need. ``pre``: ``i`` (UInt32, the row of ``distinct``), ``raw`` and the preclean
    columns; ``parsed``: ``i`` (the row of ``pre``) and the other columns of ``NORMALIZED_SCHEMA``.

    Most values take preclean's short lanes (:func:`preclean.preclean_frame`). Distinct raw
    values rarely share a clean value, so the engine parses the precleaned values as they are
    (it is exact for repeats too).
    """
    base = distinct.select("raw", "region_hint").with_columns(
        pl.int_range(distinct.height, dtype=pl.UInt32).alias("i"))
    pre = preclean_frame(base).select("i", "raw", "region_hint", *PRECLEAN_SCHEMA).rechunk()
    parsed = parse_clean_unordered(pre.get_column("clean"), pre.get_column("region_hint"))
    parsed = parsed.with_columns(
        pl.col("valid").fill_null(False),
        length_status_expr(pl.col("country_code"), pl.col("national_number")).alias("length_status"),
        segment_expr(pl.col("country_code"), pl.col("national_number")).alias("segment"),
    )
    return pre.drop("region_hint"), parsed


def normalize(raw: pl.Series | list, region: str | None = "CN") -> pl.DataFrame:
    """Normalize phone values exactly as phonenumbers would (docs/ARCHITECTURE.md).

    Returns one row per input value with ``raw, e164, valid, type, region, extension`` and
    the preclean and segment facts the rules use.
    """
    series = raw if isinstance(raw, pl.Series) else pl.Series("raw", raw, dtype=pl.String)
    series = series.cast(pl.String).rename("raw")
    first = ["raw", "e164", "valid", "type", "region", "extension"]
    order = first + [c for c in NORMALIZED_SCHEMA if c not in first]
    out = _by_hash(series, region)
    if out is None:
        frame = pl.DataFrame({"raw": series, "region_hint": pl.Series([region] * len(series), dtype=pl.String)})
        distinct = frame.unique(maintain_order=True)
        out = frame.join(parse_distinct(distinct), on=["raw", "region_hint"], how="left", nulls_equal=True,
                         maintain_order="left")
    return out.select(order)


def _by_hash(series: pl.Series, region: str | None) -> pl.DataFrame | None:
    """The answer for every value of ``series``, its distinct values found on a 64-bit hash (the
    region is the same for all). None on a hash collision (two distinct values with one hash
    show as a row whose answer's raw differs), for the exact string-keyed path.

    The dense rank of the hash numbers the distinct values (a sort of integers, cheaper than
    hashing them again for a join); the answers come out of the engine unordered, and one
    gather per column through composed indices builds the result: no join, no sort of rows.
    """
    series = series.rechunk()  # gathers from one chunk are several times faster
    n = len(series)
    rank = series.hash().rank("dense").cast(pl.UInt32) - 1  # distinct value of each row
    d = int(rank.max()) + 1 if n else 0
    rows = pl.int_range(n, dtype=pl.UInt32, eager=True)
    # a row holding each distinct value, in row order (later passes read the text in order)
    some_row = pl.zeros(d, dtype=pl.UInt32, eager=True).scatter(rank, rows).sort()
    distinct = pl.DataFrame({"raw": series.gather(some_row)}).with_columns(
        pl.lit(region, dtype=pl.String).alias("region_hint"))
    pre, parsed = (part.rechunk() for part in _answers(distinct))
    to_pre = parsed.get_column("i")
    answer_of = pl.zeros(d, dtype=pl.UInt32, eager=True).scatter(
        rank.gather(some_row.gather(pre.get_column("i").gather(to_pre))),
        pl.int_range(parsed.height, dtype=pl.UInt32, eager=True))
    k = answer_of.gather(rank)
    out = pl.concat([pre.drop("i")[to_pre.gather(k)], parsed.drop("i")[k]], how="horizontal")
    if not out.get_column("raw").eq_missing(series).all():
        return None
    return out
