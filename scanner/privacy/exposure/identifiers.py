"""Direct identifiers: the columns of the rows output that hold plaintext numbers or names,
by name or by content, from one read of each column (:func:`scan_rows`)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Callable, Mapping, Sequence

import polars as pl

from scanner.privacy.exposure.needles import Needles
from scanner.privacy.exposure.outputs import STREAMING, Rows, column_parts, column_values
from scanner.privacy.exposure.runs import NO_RUNS, Names, part_facts
from scanner.privacy.exposure.search import SEARCHERS, PlaintextSearch, count_plaintext_by_source, in_order


PHONE_COLUMN_NAMES = {"e164", "phone", "raw", "national_number", "number", "mobile", "tel",
                      "手机号", "手机", "电话"}
IDENTIFIER_NAMES = PHONE_COLUMN_NAMES | {"name", "email", "姓名", "邮箱"}


def list_names(numbers: pl.DataFrame) -> pl.Series:
    if "name" not in numbers.columns:
        return pl.Series([], dtype=pl.String)
    names = numbers.get_column("name").drop_nulls().str.normalize("NFKC").str.strip_chars().unique()
    return names.filter(names.str.len_chars() >= 2)


def per_column(rows: Rows, needles: Needles) -> dict[str, int]:
    """Plaintext copies of the needles in each column of the rows output (cells as text)."""
    return scan_rows(rows, needles).numbers


@dataclass(frozen=True)
class RowsScan:
    """What one read of each column of the rows output shows (:func:`scan_rows`)."""

    numbers: dict[str, int]  # per column: plaintext copies of the needles
    names: dict[str, tuple[int, int]]  # per column checked by content: cells, cells that are a name
    stars: pl.DataFrame | None  # the masks' ``*`` counts (``stars``) with their rows (``len``)


def scan_rows(rows: Rows, needles: Needles, names: Names | None = None,
               stars: str | None = None) -> RowsScan:
    """:func:`per_column`; with ``names``, :func:`name_hits` of every column
    :func:`direct_identifier_columns` checks by content (unneeded for a column found to hold
    a number); with ``stars``, that text column's non-null cells by their count of ``*``
    (:func:`candidate_sizes`): all from the same read of each column."""
    schema = rows.collect_schema()
    search, named, tally = PlaintextSearch(needles, schema), {}, None
    if needles.empty and names is None:
        return RowsScan(search.counts, named, tally)
    checked = set(checked_by_content(schema)) if names is not None else set()
    if stars is not None and schema.get(stars) == pl.String:
        tally = [pl.DataFrame(schema={"stars": pl.UInt32, "len": pl.UInt32})]

    def facts(column: str, job: tuple[Callable[[], pl.Series], bool, bool]) -> tuple:
        read, searched, counted = job
        part = read()
        wanted = names if counted and column in checked else None
        if searched and not needles.empty:
            runs, n, found = part_facts(part, wanted)
        else:
            runs, n, found = NO_RUNS, None, wanted.count(part) if wanted else 0
        cells = part.len() - part.null_count() if wanted else 0
        counts = (part.str.count_matches("*", literal=True).drop_nulls().alias("stars").value_counts(name="len")
                  if column == stars and tally is not None and counted else None)
        return runs, n, found, cells, counts

    with ThreadPoolExecutor(max_workers=SEARCHERS) as pool:
        for column in schema:
            cells = hits = 0
            parts = column_parts(rows, column, column in checked)
            for runs, n, found, part_cells, counts in in_order(pool, partial(facts, column), parts):
                search.add(column, runs, n)
                cells, hits = cells + part_cells, hits + found
                if counts is not None:
                    tally.append(counts)
            if column in checked:
                named[column] = (cells, hits)
    if tally is not None:
        tally = pl.concat(tally).group_by("stars").agg(pl.col("len").sum())
    return RowsScan(search.result(), named, tally)


def direct_identifier_columns(rows: Rows, needles: Needles, names: pl.Series,
                               per_column: Mapping[str, int] | None = None,
                               named: Mapping[str, tuple[int, int]] | None = None) -> tuple[list[str], bool]:
    """Columns holding plaintext identifiers (by name or content); and whether one is a number.

    ``per_column``, ``named``: :func:`scan_rows` of ``rows`` when already computed.
    """
    schema = rows.collect_schema()
    texts = checked_by_content(schema)
    numbers_in = (per_column if per_column is not None
                  else count_plaintext_by_source({c: column_values(rows, c) for c in texts}, needles))
    if named is None:
        named = name_hits(rows, [c for c in texts if not numbers_in[c]], names)
    found, phone = [], False
    for column in schema:
        if column in IDENTIFIER_NAMES:
            found.append(column)
            phone = phone or column in PHONE_COLUMN_NAMES
        elif column in texts:
            cells, names_hit = named.get(column, (0, 0))
            if numbers_in[column] or (cells and names_hit >= max(1, cells // 10)):
                found.append(column)
                phone = phone or bool(numbers_in[column])
    return found, phone


def checked_by_content(schema: Mapping[str, pl.DataType]) -> list[str]:
    """The columns :func:`direct_identifier_columns` checks by content (not by name)."""
    return [c for c, dtype in schema.items() if not dtype.is_nested() and c not in IDENTIFIER_NAMES]


def name_hits(rows: Rows, columns: Sequence[str], names: pl.Series) -> dict[str, tuple[int, int]]:
    """Per column: its non-null cells, and how many of them (as text, stripped) are a name.
    One streaming query over all the columns."""
    if not names.len() or not columns:
        return {}
    stats = rows.lazy().select(
        *[pl.col(c).count().alias(f"cells{i}") for i, c in enumerate(columns)],
        *[pl.col(c).cast(pl.String).str.strip_chars().is_in(names.implode()).sum().alias(f"hits{i}")
          for i, c in enumerate(columns)],
    ).collect(engine=STREAMING).row(0)
    return {c: (stats[i], stats[len(columns) + i]) for i, c in enumerate(columns)}
