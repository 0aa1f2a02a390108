"""Duplicate facts merged part by part equal the facts of the whole list (n_unique semantics:
an empty source counts as a value of its own)."""

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.analyses.duplicates import (
    duplicate_columns, finish_duplicate_stats, merge_duplicate_stats, partial_duplicate_stats,
    with_duplicate_columns,
)

CLASSES = ["granted", "missing", "unknown", "refused", "withdrawn"]


def _frame(rows):
    return pl.DataFrame(
        {"row": list(range(1, len(rows) + 1)), "key": [r[0] for r in rows], "valid": [r[1] for r in rows],
         "consent_row_class": [r[2] for r in rows], "source_norm": [r[3] for r in rows]},
        schema={"row": pl.Int64, "key": pl.Int64, "valid": pl.Boolean, "consent_row_class": pl.String,
                "source_norm": pl.String})


@pytest.mark.parametrize("sources, conflict", [
    ([None, "a"], True), ([None, None], False), (["a", "a"], False), (["a", "b"], True), (["a", None, "a"], True),
])
def test_conflict_counts_an_empty_source_as_a_value(sources, conflict):
    frame = _frame([(1, True, "granted", s) for s in sources])
    out = duplicate_columns(frame.lazy(), key="key").collect()
    assert out.get_column("dup_conflict").to_list() == [conflict] * len(sources)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans(), st.sampled_from(CLASSES),
                          st.sampled_from([None, "a", "b"])), min_size=1, max_size=40),
       st.integers(1, 7))
def test_merged_parts_equal_the_whole(rows, part_rows):
    frame = _frame(rows)
    whole = duplicate_columns(frame.lazy(), key="key").collect()
    partials = [partial_duplicate_stats(frame.slice(i, part_rows), key="key").collect()
                for i in range(0, frame.height, part_rows)]
    stats = finish_duplicate_stats(merge_duplicate_stats(pl.concat(partials), key="key")).collect()
    cut = pl.concat([with_duplicate_columns(frame.slice(i, part_rows).lazy(), stats, key="key").collect()
                     for i in range(0, frame.height, part_rows)])
    assert cut.equals(whole)
    # against the definition: n_unique of the classes / sources (null counted) of a valid number's rows
    valid = frame.filter(pl.col("valid"))
    expected = valid.group_by("key").agg(
        ((pl.col("consent_row_class").n_unique() > 1) | (pl.col("source_norm").n_unique() > 1)).alias("c"),
        pl.len().alias("n"))
    conflicted = set(expected.filter(pl.col("c") & (pl.col("n") > 1)).get_column("key").to_list())
    got = set(whole.filter(pl.col("dup_conflict")).get_column("key").to_list())
    assert got == conflicted
