"""Vocabulary values the policy did not map and time values that could not be read: counted
batch by batch, listed in the report by their rows."""

from __future__ import annotations

from typing import Any

import polars as pl

from scanner.prepare import text_key

UNMAPPED_LIMIT = 20

#: Vocabulary columns whose unmapped values the report lists (counted batch by batch).
VOCABULARY_COLUMNS = (("consent", "consent_row_class"), ("consent_channel", "channel_class"),
                      ("consent_purpose", "purpose_class"))
#: Time columns whose unreadable values the report lists by their shape (digits as 9).
UNREAD_COLUMNS = (("consent_time", "consent_time_unread"), ("collected_at", "collected_at_unread"))


def unmapped_counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Per vocabulary column, the rows of each value the vocabulary did not map; per time
    column, the rows of each shape of value that could not be read."""
    return pl.concat([
        *(rows.filter(pl.col(cls) == "unknown")
          .group_by(text_key(pl.col(column)).alias("value")).len()
          .select(pl.lit(column).alias("column"), "value", "len")
          for column, cls in VOCABULARY_COLUMNS),
        *(rows.filter(pl.col(shape).is_not_null())
          .group_by(pl.col(shape).alias("value")).len()
          .select(pl.lit(column).alias("column"), "value", "len")
          for column, shape in UNREAD_COLUMNS),
    ])


def unmapped_values(counts: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Values the vocabularies did not map and shapes of times that could not be read,
    with their rows, most rows first (digits-heavy vocabulary values withheld; a time's
    shape holds no digit of its value).

    ``counts``: :func:`unmapped_counts` of every batch."""
    out: dict[str, list[dict[str, Any]]] = {}
    counts = counts.group_by("column", "value").agg(pl.col("len").sum())
    vocabulary = {c for c, _ in VOCABULARY_COLUMNS}
    for column, _ in (*VOCABULARY_COLUMNS, *UNREAD_COLUMNS):
        values = counts.filter(pl.col("column") == column).select("value", "len").sort(
            ["len", "value"], descending=[True, False])
        if values.height:
            out[column] = [
                {"value": v if column not in vocabulary or sum(ch.isdigit() for ch in v) < 5
                 else "<withheld: looks like a number>", "rows": n}
                for v, n in values.head(UNMAPPED_LIMIT).iter_rows()
            ]
    return out


def unreadable_rows(counts: pl.DataFrame) -> dict[str, int]:
    """Per time column, the rows whose value could not be read."""
    totals = counts.filter(pl.col("column").is_in([c for c, _ in UNREAD_COLUMNS])).group_by("column").agg(
        pl.col("len").sum())
    return dict(totals.iter_rows())

