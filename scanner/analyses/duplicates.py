"""DU001/DU002: duplicate and conflicting rows of one valid number.

A group-by over valid E.164 numbers joined back onto the rows (an engine adapter can
express it as Spark ``groupBy`` + ``join``). It also fixes each number's *effective*
consent: the most restrictive answer among its rows.
"""

from __future__ import annotations

import polars as pl

# Higher is more restrictive; "missing"/"unknown" share a rank (both mean: not granted).
RESTRICTIVENESS = {"granted": 0, "missing": 2, "unknown": 2, "refused": 3, "withdrawn": 4}
_RANK_TO_CLASS = {0: "granted", 2: "missing", 3: "refused", 4: "withdrawn"}


#: Consent classes as small integers (any one-to-one code serves: only whether a number's rows
#: hold one class or several is read, as least code != greatest code).
_CLASS_CODE = {c: i for i, c in enumerate(RESTRICTIVENESS)}


def _source_hash(seed: int) -> pl.Expr:
    source = pl.col("source_norm")
    return pl.when(source.is_not_null()).then(source.hash(seed))


def duplicate_inputs(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The row columns :func:`duplicate_partial_aggs` read, added to ``lf``. Integers stand
    for the texts (cheaper to group on): a class by its code, a source by two
    independent 64-bit hashes of it."""
    rank = pl.col("consent_row_class").replace_strict(RESTRICTIVENESS, return_dtype=pl.Int8)
    code = pl.col("consent_row_class").replace_strict(_CLASS_CODE, return_dtype=pl.Int8)
    return lf.with_columns(rank.alias("_rank"), code.alias("_class"), _source_hash(0).alias("_s0"),
                           _source_hash(1).alias("_s1"))


def duplicate_partial_aggs(order: str = "row") -> list[pl.Expr]:
    """A number's duplicate aggregates over its rows (of :func:`duplicate_inputs`).
    ``order``: the column that orders its occurrences (``row``; with several phone columns,
    the (row, column) pair's ordinal), whose least value is the first occurrence."""
    return [
        pl.col(order).min().alias("_first_row"),
        pl.len().alias("dup_count"),
        pl.col("_rank").max().alias("_max_rank"),
        pl.col("_class").min().alias("_c_min"), pl.col("_class").max().alias("_c_max"),
        pl.col("_s0").min().alias("_s0_min"), pl.col("_s0").max().alias("_s0_max"),
        pl.col("_s1").min().alias("_s1_min"), pl.col("_s1").max().alias("_s1_max"),
        pl.col("_s0").null_count().alias("_s_nulls"),
    ]


def duplicate_merge_aggs() -> list[pl.Expr]:
    """:func:`duplicate_partial_aggs` of several parts combined (each aggregate merges
    exactly: min, max, sum)."""
    return [
        pl.col("_first_row").min(), pl.col("dup_count").sum(), pl.col("_max_rank").max(),
        pl.col("_c_min").min(), pl.col("_c_max").max(),
        pl.col("_s0_min").min(), pl.col("_s0_max").max(), pl.col("_s1_min").min(), pl.col("_s1_max").max(),
        pl.col("_s_nulls").sum(),
    ]


#: The columns of :func:`duplicate_partial_aggs`, in order.
DUPLICATE_PARTIAL_COLUMNS = ("_first_row", "dup_count", "_max_rank", "_c_min", "_c_max", "_s0_min", "_s0_max",
                             "_s1_min", "_s1_max", "_s_nulls")


def partial_duplicate_stats(lf: pl.LazyFrame | pl.DataFrame, key: str = "e164") -> pl.LazyFrame:
    """Per valid number of ``lf`` (one part of a list): what :func:`merge_duplicate_stats`
    combines across parts. Every aggregate merges exactly (min, max, sum): whether a number's
    rows disagree is kept as the least and greatest consent class and source, not as sets.
    Two different sources of one number look alike only if both source hashes collide
    (~2^-128, as unlikely as two numbers sharing a ``number_key``)."""
    return duplicate_inputs(lf.lazy().filter(pl.col("valid"))).group_by(key).agg(duplicate_partial_aggs())


def merge_duplicate_stats(parts: pl.DataFrame, key: str = "e164") -> pl.DataFrame:
    """Combine :func:`partial_duplicate_stats` of several parts (or of merged parts)."""
    return parts.group_by(key).agg(duplicate_merge_aggs())


def finish_duplicate_stats(merged: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The numbers on more than one valid row (the only ones :func:`with_duplicate_columns`
    needs: a number on one row is neither a duplicate nor in conflict), with ``_conflict``:
    its rows disagree on consent class or source (an empty source counts as a value)."""
    sources_differ = (((pl.col("_s0_min") != pl.col("_s0_max")) | (pl.col("_s1_min") != pl.col("_s1_max")))
                      .fill_null(False)
                      | ((pl.col("_s_nulls") > 0) & (pl.col("_s_nulls") < pl.col("dup_count"))))
    return (merged.lazy().filter(pl.col("dup_count") > 1)
            .with_columns(((pl.col("_c_min") != pl.col("_c_max")) | sources_differ).alias("_conflict"))
            .drop("_c_min", "_c_max", "_s0_min", "_s0_max", "_s1_min", "_s1_max", "_s_nulls"))


def duplicate_stats(lf: pl.LazyFrame, key: str = "e164") -> pl.LazyFrame:
    """:func:`finish_duplicate_stats` of the whole of ``lf``."""
    return finish_duplicate_stats(partial_duplicate_stats(lf, key))


def duplicate_columns(lf: pl.LazyFrame, key: str = "e164") -> pl.LazyFrame:
    """Add ``is_duplicate``, ``dup_conflict``, ``dup_count`` and the effective ``consent_class``.

    Expects ``row``, ``e164``, ``valid``, ``consent_row_class`` and ``source_norm``. ``key``:
    the column that identifies a number (``e164``, or any column in one-to-one
    correspondence with it, such as an integer id: cheaper to group and join on).
    """
    return with_duplicate_columns(lf, duplicate_stats(lf, key), key)


def with_duplicate_columns(lf: pl.LazyFrame, stats: pl.LazyFrame | pl.DataFrame, key: str = "e164",
                           order: pl.Expr | None = None) -> pl.LazyFrame:
    """:func:`duplicate_columns` for the rows of ``lf`` given the whole list's
    :func:`duplicate_stats` (so a list can be decided part by part). ``order``: the
    occurrence ordinal the stats' first occurrence was taken over (default ``row``)."""
    rank = pl.col("consent_row_class").replace_strict(RESTRICTIVENESS, return_dtype=pl.Int8)
    joined = lf.join(stats.lazy(), on=key, how="left", maintain_order="left")
    grouped = (pl.col("valid") & (pl.col("dup_count") > 1)).fill_null(False)
    own_rank = rank
    effective = (
        pl.when(grouped & (pl.col("_max_rank") > own_rank))
        .then(pl.col("_max_rank").replace_strict(_RANK_TO_CLASS, return_dtype=pl.String))
        .otherwise(pl.col("consent_row_class"))
    )
    return joined.with_columns(
        (pl.col("valid") & ((pl.col("row") if order is None else order) != pl.col("_first_row")))
        .fill_null(False).alias("is_duplicate"),
        (grouped & pl.col("_conflict")).fill_null(False).alias("dup_conflict"),
        effective.alias("consent_class"),
        pl.col("dup_count").fill_null(1),
    ).drop("_first_row", "_conflict", "_max_rank")
