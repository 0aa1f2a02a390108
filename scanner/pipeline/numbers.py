"""Per-number partial tables: each batch's distinct numbers with their facts and duplicate
aggregates, merged into the scan's table of distinct numbers (spilled by hash partition,
:class:`scanner.rowstore.PartitionedTable`)."""

from __future__ import annotations

import polars as pl

from scanner.analyses.duplicates import (
    DUPLICATE_PARTIAL_COLUMNS, duplicate_inputs, duplicate_merge_aggs, duplicate_partial_aggs,
    finish_duplicate_stats,
)
from scanner.rowstore import SpilledTable

#: Per distinct number (any row of it will do: these are functions of the number).
NUMBER_COLUMNS = ("number_key", "phone_token", "e164", "national_number", "country_code", "valid", "type",
                  "segment")


def number_partials(out: pl.DataFrame, order: pl.Expr | None = None) -> pl.DataFrame:
    """A batch's per-number table: :data:`NUMBER_COLUMNS`; over the number's rows, whether
    any has a source the policy does not approve (what the list signals read per number:
    counted from this table, they need no group-by over the rows, whose memory grows with
    the rows); and the number's duplicate aggregates (:func:`duplicate_partial_aggs`, over
    all its rows: ``valid`` is a function of the number, so a valid number's rows are all
    valid). One group-by, one spilled table and one merge serve both. Each row is a partial
    of its own, merged by
    :func:`merge_number_partials`. ``order``: the ``pair`` ordinal of several phone columns
    (:func:`~scanner.contact.pair_ordinal`); a number's first occurrence is its least."""
    # the inputs materialized first: the group-by is slower as part of one lazy plan
    rows = duplicate_inputs(
        out.lazy().filter(pl.col("number_key").is_not_null())
        .select(*NUMBER_COLUMNS, "row" if order is None else order, "source_class", "consent_row_class",
                "source_norm")).collect()
    return rows.group_by("number_key").agg(pl.col(list(NUMBER_COLUMNS[1:])).first(),
                                           pl.col("source_class").is_null().any().alias("any_unapproved_source"),
                                           *duplicate_partial_aggs("row" if order is None else "pair"))


def merge_number_partials(partials: pl.DataFrame) -> pl.DataFrame:
    return partials.group_by("number_key").agg(pl.col(list(NUMBER_COLUMNS[1:])).first(),
                                               pl.col("any_unapproved_source").any(),
                                               *duplicate_merge_aggs())


def numbers_of(merged: pl.DataFrame) -> pl.DataFrame:
    """The distinct-numbers table from merged per-number partials."""
    return merged.select(*NUMBER_COLUMNS, "any_unapproved_source")


def duplicates_of(merged: pl.DataFrame) -> pl.DataFrame:
    """:func:`finish_duplicate_stats` of the valid numbers of merged per-number partials."""
    valid = merged.filter(pl.col("valid")).select("number_key", *DUPLICATE_PARTIAL_COLUMNS)
    return finish_duplicate_stats(valid).collect()


def valid_tokens(numbers: SpilledTable) -> pl.Series:
    """The phone tokens of the list's valid numbers (``numbers``: the scan's distinct numbers;
    validity is a function of the number, so no row needs reading)."""
    return numbers.map(lambda part: part.filter(pl.col("valid")).select("phone_token"),
                       ["valid", "phone_token"]).get_column("phone_token")


def per_row_numbers(rows: pl.DataFrame | pl.LazyFrame, numbers: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (with ``number_key``) plus its number's columns, in row order."""
    return (rows.lazy().join(numbers.lazy(), on="number_key", how="left", maintain_order="left")
            .drop("number_key").collect(engine="streaming"))

