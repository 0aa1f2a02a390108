"""The ingest stage's public records and the internal table the readers hand over."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from scanner.ingest.dates import DateReading

CANONICAL = (
    "phone", "name", "email", "source", "consent", "consent_channel", "consent_purpose",
    "consent_time", "consent_evidence", "region", "collected_at",
)

#: ``phone_2``, ``phone_3``…: the frame names of the phone columns after the primary ``phone``.
_MORE_PHONES = re.compile(r"phone_([2-9]|[1-9][0-9]+)")


def phone_column_name(position: int) -> str:
    """The frame name of the ``position``-th phone column (0: ``phone``, 1: ``phone_2``…)."""
    return "phone" if position == 0 else f"phone_{position + 1}"


def is_phone_column(name: str) -> bool:
    """Whether ``name`` is a phone column's frame name (``phone``, ``phone_2``…)."""
    return name == "phone" or _MORE_PHONES.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A data record that could not be read; its cells are null in ``Ingested.frame``.

    ``reason`` is a short English phrase that never contains cell contents.
    """

    row: int
    reason: str
    #: the record's line (sheet row) as the user sees it in their file (``Ingested.frame``'s ``line``)
    line: int | None = None


@dataclass(frozen=True)
class Ingested:
    """One input, read as text: every record, its 1-based ``row``, and how it was read.

    ``frame`` has ``row`` (Int64, 1..n) and ``line`` (Int64: the record's first line in a
    text file, its row number in a spreadsheet, the record number otherwise; what a person
    looking at the file calls its place, title and header lines, blank lines and the lines
    of multi-line fields counted) followed by every input column as ``pl.String``:
    mapped columns carry their canonical name, the others their original header
    (``extra_columns`` lists the names they carry in ``frame``; a header that collides
    with another name gets a ``_2``, ``_3``… suffix, an empty header becomes
    ``column_N``). Empty cells are null.

    ``phone_columns`` names the phone columns in ``frame``, the primary first: ``phone``,
    ``phone_2``, ``phone_3``… (:func:`phone_column_name`); ``columns`` maps each mapped
    frame name, these included, to its original header.
    """

    frame: pl.DataFrame
    bad_records: tuple[BadRecord, ...]
    format: str
    encoding: str | None
    columns: dict[str, str]
    extra_columns: tuple[str, ...]
    path: str | None
    sha256: str | None
    has_header: bool
    title_rows: int = 0   # title lines above the header (not data records, not numbered)
    phone_columns: tuple[str, ...] = ("phone",)
    #: canonical columns whose header states the opposite of their role (an opt-out or
    #: refusal column mapped as consent: ``Email Opt Out = true`` means refused)
    inverted: frozenset[str] = frozenset()
    #: how each time column is read (:class:`~scanner.ingest.dates.DateReading`), decided
    #: once on the first records so that every batch reads the same way
    date_formats: Mapping[str, DateReading] = field(default_factory=dict)
    #: every column's role, confidence and evidence, and the unused columns that look like
    #: a role (``scanner.ingest.column_map.ColumnReport``; None for an ``Ingested`` built by hand)
    column_report: Any = None


@dataclass
class Table:
    """What a reader produces before headers are mapped.

    ``frame`` holds the records as positional String columns. When ``header`` is None the
    first record may be a header (text formats, spreadsheets); otherwise ``header`` names
    the columns (Parquet, JSON, frames). ``bad`` maps a 0-based index into ``frame`` to
    the reason that record could not be read. ``open_lines`` counts the lines at the end
    of a piece of text that a record still open there spans (see :mod:`scanner.ingest.records`);
    ``quote_open`` says the piece ended inside the quoted field of its last record, an
    oversized one: the next pieces' lines up to where that field closes belong to it,
    and ``open_lines`` counts the lines after its first (read again as records if the
    field never closes). ``lines`` places each record in the text or sheet (relative to
    the piece until the stream adds the lines before it).
    """

    frame: pl.DataFrame
    header: list[str] | None = None
    bad: dict[int, str] = field(default_factory=dict)
    open_lines: int = 0
    quote_open: bool = False
    #: each record's 0-based position in its source (line of the text, row of the sheet);
    #: None: record k is at position k
    lines: pl.Series | None = None
