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


def duplicate_stats(lf: pl.LazyFrame, key: str = "e164") -> pl.LazyFrame:
    """Per number with more than one valid row: its first row, row count, and how its rows
    agree (the only numbers :func:`with_duplicate_columns` needs: a number on one row is
    neither a duplicate nor in conflict)."""
    rank = pl.col("consent_row_class").replace_strict(RESTRICTIVENESS, return_dtype=pl.Int8)
    return (
        lf.filter(pl.col("valid"))
        # the rank as a column first: inside the aggregation polars evaluated it on the whole
        # column at once (memory grew with the rows)
        .with_columns(rank.alias("_rank"))
        .group_by(key)
        .agg(
            pl.col("row").min().alias("_first_row"),
            pl.len().alias("dup_count"),
            pl.col("consent_row_class").n_unique().alias("_n_consent"),
            pl.col("source_norm").n_unique().alias("_n_source"),
            pl.col("_rank").max().alias("_max_rank"),
        )
        .filter(pl.col("dup_count") > 1)
    )


def duplicate_columns(lf: pl.LazyFrame, key: str = "e164") -> pl.LazyFrame:
    """Add ``is_duplicate``, ``dup_conflict``, ``dup_count`` and the effective ``consent_class``.

    Expects ``row``, ``e164``, ``valid``, ``consent_row_class`` and ``source_norm`` (text or
    Categorical). ``key``: the column that identifies a number (``e164``, or any column in
    one-to-one correspondence with it, such as an integer id: cheaper to group and join on).
    """
    return with_duplicate_columns(lf, duplicate_stats(lf, key), key)


def with_duplicate_columns(lf: pl.LazyFrame, stats: pl.LazyFrame | pl.DataFrame, key: str = "e164") -> pl.LazyFrame:
    """:func:`duplicate_columns` for the rows of ``lf`` given the whole list's
    :func:`duplicate_stats` (so a list can be decided part by part)."""
    rank = pl.col("consent_row_class").replace_strict(RESTRICTIVENESS, return_dtype=pl.Int8)
    joined = lf.join(stats.lazy(), on=key, how="left", maintain_order="left")
    grouped = (pl.col("valid") & (pl.col("dup_count") > 1)).fill_null(False)
    own_rank = rank
    by_rank = pl.col("_max_rank").replace_strict(_RANK_TO_CLASS, return_dtype=pl.String)
    if lf.collect_schema()["consent_row_class"] == pl.Categorical:  # kept as is: no text per row
        by_rank = by_rank.cast(pl.Categorical)
    effective = (
        pl.when(grouped & (pl.col("_max_rank") > own_rank))
        .then(by_rank)
        .otherwise(pl.col("consent_row_class"))
    )
    return joined.with_columns(
        (pl.col("valid") & (pl.col("row") != pl.col("_first_row"))).fill_null(False).alias("is_duplicate"),
        (grouped & ((pl.col("_n_consent") > 1) | (pl.col("_n_source") > 1))).fill_null(False).alias("dup_conflict"),
        effective.alias("consent_class"),
        pl.col("dup_count").fill_null(1),
    ).drop("_first_row", "_n_consent", "_n_source", "_max_rank")
