"""Exposure metrics: what a scan's outputs still reveal (report.json ``exposure``).

Measured, not assumed:

* ``plaintext_numbers_written`` — every written file is read back (Parquet: every column as
  text; anything else: its bytes) and every digit run (also ``138 0013 8000`` /
  ``138-0013-8000``) is compared with, and searched for, every input number in E.164 digits (with or without
  ``00``), national digits and ``0`` + national digits. Must be 0.
* ``direct_identifier_columns`` — columns of the rows output that hold plaintext numbers or
  names (by name or by content).
* ``reidentification`` — per row, the size of the candidate set of real numbers consistent
  with what the outputs show: ``10^k`` for a mask hiding ``k`` digits (``138****8000``:
  10,000), narrowed exactly (phonenumbers' carrier and geocoder data, enumerating the hidden
  block) when an output column reveals the carrier or the city; 1 when a plaintext number is
  written. An upper bound: not every completion is an assigned number.
* ``k_anonymity`` — the smallest group of rows sharing the same quasi-identifier values kept
  in the outputs (without and with the mask).
* ``baseline_plaintext`` — the usual workflow (the list copied in plaintext) for comparison:
  every number written, candidate set 1, k = 1.

Bounded memory: the rows output may be a :class:`polars.LazyFrame` (a scan of the written
``rows.parquet``); it is then read one column at a time (:data:`.outputs.CHUNK_ROWS` rows at a time,
searched by :data:`.search.SEARCHERS` threads), and the group-bys (k-anonymity, candidate sets) run
as streaming queries that keep only their aggregates. The numbers may be given as distinct
values (not one row per input row); only the baseline's count of rows with a number needs
the rows, and it is then passed as ``rows_with_number``.

The parts: :mod:`.needles` (what is looked for), :mod:`.runs` (where a number could be),
:mod:`.search` (counting), :mod:`.outputs` (reading what was written), :mod:`.identifiers`,
:mod:`.reidentification` and :mod:`.kanonymity` (what the rows output still reveals).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import polars as pl

from scanner.privacy.exposure.identifiers import direct_identifier_columns, list_names, scan_rows
from scanner.privacy.exposure.kanonymity import QUASI_IDENTIFIERS, smallest_groups
from scanner.privacy.exposure.needles import Needles
from scanner.privacy.exposure.outputs import PARQUET_PARTS, Rows, file_text, parquet_metadata, reads_back_as
from scanner.privacy.exposure.reidentification import candidate_sizes, reidentification_stats
from scanner.privacy.exposure.runs import Names
from scanner.privacy.exposure.search import count_plaintext, count_plaintext_by_source, plaintext_in_text

__all__ = ["Needles", "count_plaintext", "count_plaintext_by_source", "exposure_metrics", "plaintext_in_text"]


def exposure_metrics(*, rows: Rows, files: Iterable[str | os.PathLike], numbers: pl.DataFrame,
                     quasi_identifiers: Sequence[str] | None = None, needles: Needles | None = None,
                     rows_with_number: int | None = None) -> dict:
    """Exposure of a scan's outputs, for report.json ``exposure`` (no number in the result).

    ``rows``: the rows output (``row``, ``phone_token``, ``phone_masked``, ``region``, ``type``,
    ...), a DataFrame or a LazyFrame (typically ``pl.scan_parquet(out / "rows.parquet")``:
    then read one column at a time, and a file of ``files`` it scans counts as read back);
    ``files``: the files written (Parquet read as data, others as bytes; leave the encrypted
    vault out); ``numbers``: the private mapping (``e164`` [, ``national_number``, ``name``]),
    one row per input row or only distinct values (columns need not align);
    ``rows_with_number``: the input rows with a number (baseline), default: ``numbers``' rows
    with an ``e164``.
    """
    needles = needles or Needles.of(numbers)
    names = list_names(numbers)
    schema = rows.collect_schema()
    has_mask = "phone_masked" in schema
    qis = [c for c in (quasi_identifiers or QUASI_IDENTIFIERS) if c in schema]
    # A Parquet file that reads back cell for cell as ``rows`` holds the same text, so its
    # count is the rows' count (one regex pass instead of two); any other file is searched.
    files = [Path(p) for p in files]
    same = {p.name for p in files if p.suffix == ".parquet" and reads_back_as(p, rows)}
    scan = scan_rows(rows, needles, Names(names) if names.len() else None, stars="phone_masked")
    per_column = scan.numbers
    sources: dict[str, pl.Series | Iterable[pl.Series]] = {p.name: file_text(p) for p in files if p.name not in same}
    parquet = [p for p in files if p.suffix == ".parquet"]
    for p in parquet:
        sources.update(zip((f"{p.name} {part}" for part in PARQUET_PARTS), parquet_metadata(p)))
    searched = count_plaintext_by_source(sources, needles)
    per_file = {p.name: (sum(per_column.values()) if p.name in same else searched[p.name])
                + sum(searched.get(f"{p.name} {part}", 0) for part in PARQUET_PARTS) for p in files}
    found_in = {**{f"{c}": n for c, n in per_column.items() if n},
                **{k: n for k, n in searched.items() if n and k not in per_file}}
    identifiers, phone_identified = direct_identifier_columns(rows, needles, names, per_column, scan.names)
    sizes, basis = (candidate_sizes(rows, phone_identified, scan.stars) if has_mask
                    else (pl.DataFrame(schema={"candidates": pl.Float64, "len": pl.UInt32}), []))
    k_anonymity, with_mask = smallest_groups(rows, qis, "phone_masked" if has_mask else None)
    if rows_with_number is None:
        rows_with_number = int(numbers.get_column("e164").is_not_null().sum())
    return {
        "plaintext_numbers_written": sum(per_file.values()),
        "files_checked": per_file,
        "checks": _checks(numbers, needles, files, found_in),
        "direct_identifier_columns": identifiers,
        "direct_identifiers": len(identifiers),
        "reidentification": reidentification_stats(sizes, basis),
        "k_anonymity": {**k_anonymity, "with_mask": with_mask},
        "baseline_plaintext": {
            "plaintext_numbers_written": rows_with_number,
            "direct_identifiers": 1 + ("name" in numbers.columns),
            "candidates": 1,
            "k": 1,
        },
    }


NEEDLE_FORMS = ("E.164 digits (with or without +, 00 or the trunk 0)", "national number",
                "digits as written in the input", "separated: groups joined by spaces, - . ( ) / and full-width forms")


def _checks(numbers: pl.DataFrame, needles: Needles, files: Sequence[Path], found_in: Mapping[str, int]) -> dict:
    """What the plaintext check searched for and where (report.json ``exposure.checks``);
    ``found_in``: the rows output's columns and the Parquet parts that held a number, with
    how many (names only, never a number)."""
    e164 = numbers.get_column("e164") if "e164" in numbers.columns else pl.Series([], dtype=pl.String)
    embedded = (numbers.filter(pl.col("digits").is_not_null()).get_column("e164")
                if "digits" in numbers.columns else pl.Series([], dtype=pl.String))
    return {
        "numbers": {"all": e164.drop_nulls().n_unique(), "embedded_in_text": embedded.n_unique()},
        "needles": needles.written.n_unique() + needles.others.len(),  # distinct digit texts, unsorted
        "forms": list(NEEDLE_FORMS),
        "searched": {p.name: (["cells", *PARQUET_PARTS] if p.suffix == ".parquet" else ["text"]) for p in files},
        "found_in": dict(found_in),
    }
