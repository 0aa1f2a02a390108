"""``open_input``: read a contact list batch by batch, in memory bounded by the batch size.

Reading an input as a stream gives exactly the rows, bad records and metadata reading it
whole gives (:func:`scanner.ingest.read_input` is this stream, concatenated):

* CSV / TSV / TXT (files and standard input) are read ``batch_bytes`` at a time,
  transcoded to UTF-8 chunk by chunk (:class:`~scanner.ingest.encoding.Decoder`), cut
  into pieces at line ends and parsed piece by piece; a record whose quoted field is
  still open at the end of a piece moves to the next piece
  (:func:`~scanner.ingest.delimited.read_lines`). The delimiter, record width, encoding
  probes and binary checks read the first block, and the title rows, header and column
  mapping are decided on the first records (enough of them for a full sample), as for the
  whole input.
* Parquet is read a record batch at a time.
* XLSX / XLS, JSON / NDJSON and in-memory frames are read whole, as one batch.

Known limits of reading as a stream: one physical line is held whole; the lines after
an oversized quoted field's first are held, not yet read as records, until it closes, so
one that never closes holds the rest of the input; classic Mac line
ends (CR only) are decided on the first line ends seen; an input with several problems
reports the first one reached; an ASCII-only first batch reports ``utf-8`` in
``InputStream.meta`` until non-ASCII bytes show a GB18030 input (then ``meta`` is
updated); when the first ~``batch_bytes`` of records are nearly all bad, the header and
phone column are decided on the readable ones among them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from scanner.errors import InputError
from scanner.ingest import headers, structured, text_units
from scanner.ingest.dates import decide_readings
from scanner.ingest.encoding import SAMPLE, Decoder
from scanner.ingest.headers import (
    MAX_TITLE_ROWS, FirstRecordsBad, Layout, apply_layout, decide_layout, first_line_unreadable,
    mark_oversized, no_readable_records, records_to_decide,
)
from scanner.ingest.model import BadRecord, Ingested, Table
from scanner.ingest.profiles import WINDOW_BYTES, record_bytes
from scanner.ingest.records import NO_DELIMITER
from scanner.ingest.sniff import first_record_width, sniff_delimiter
from scanner.ingest.source import Source

_EXTENSIONS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls",
    ".parquet": "parquet", ".pq": "parquet",
    ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson",
}
_DELIMITED = ("csv", "tsv", "txt")
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PARQUET = b"PAR1"
# The first records grow until they decide the layout, or past this many bytes in memory.
_FIRST_RECORDS_BYTES = WINDOW_BYTES
#: Lines per unit of text read at once, at the most: what a unit costs beyond its bytes
#: (records, and for malformed lines their reasons) grows with its lines, and a file of
#: very short lines would otherwise hold tens of millions of them at once.
UNIT_LINES = 1 << 20
_MIN_READ = 1 << 12  # raw bytes read at a time at the least, whatever the batch size
#: The widest input read: Excel's limit (column XFD). Every column costs per-column work
#: (header mapping, value profiles, checks, outputs), so wider files are refused up front.
MAX_COLUMNS = 16_384


@dataclass(frozen=True)
class IngestBatch:
    """Consecutive rows of an input: ``frame`` as in ``Ingested.frame`` (``row`` counts
    across batches), ``bad_records`` with those rows' numbers."""

    frame: pl.DataFrame
    bad_records: tuple[BadRecord, ...]


class InputStream:
    """An input opened by :func:`open_input`; iterate it once for its batches.

    ``meta`` describes the input as soon as it is open: an ``Ingested`` whose ``frame``
    is empty (the final schema), ``bad_records`` empty and ``sha256`` None. Once the
    batches are exhausted, ``sha256`` (None for in-memory frames), ``rows_total`` and
    ``bad_records_total`` are set. Iterating raises :class:`InputError` where reading the
    whole input would have (an undecodable byte, or at the end when every record is bad).
    """

    def __init__(self, meta: Ingested, layout: Layout, first: Table, rest: Iterator[Table],
                 finish: Callable[[], tuple[str | None, str | None]], close: Callable[[], None]):
        self.meta = meta
        self.sha256: str | None = None
        self.rows_total = 0
        self.bad_records_total = 0
        self._layout = layout
        self._first: Table | None = first
        self._rest = rest
        self._finish = finish
        self._close = close
        self._started = False
        #: the bytes of the input read so far, where they measure progress (text files)
        self.bytes_read: Callable[[], int] | None = None

    def __iter__(self) -> Iterator[IngestBatch]:
        if self._started:
            raise RuntimeError("an InputStream can be iterated only once")
        self._started = True
        return self._batches()

    def close(self) -> None:
        """Release the input early (iterating to the end does it too)."""
        self._close()

    def _tables(self) -> Iterator[Table]:
        first, self._first = self._first, None
        yield first
        del first
        yield from self._rest

    def _batches(self) -> Iterator[IngestBatch]:
        first_bad: BadRecord | None = None
        try:
            for table in self._tables():
                frame, bad = apply_layout(self._layout, table, self.rows_total + 1)
                del table
                self.rows_total += frame.height
                self.bad_records_total += len(bad)
                first_bad = first_bad or (bad[0] if bad else None)
                if frame.height:
                    yield IngestBatch(frame, bad)
                del frame, bad
            if self.rows_total and self.bad_records_total >= self.rows_total:
                raise no_readable_records(self.rows_total, first_bad.row, first_bad.reason,
                                          self.meta.path, line=first_bad.line)
            self.sha256, encoding = self._finish()
            if encoding != self.meta.encoding:
                self.meta = replace(self.meta, encoding=encoding)
        finally:
            self._close()


def open_input(source: str | os.PathLike | pl.DataFrame | pl.LazyFrame, *,
               column_overrides: Mapping[str, str] | None = None,
               max_field_bytes: int = 1 << 20,
               sheet: str | None = None,
               batch_bytes: int = 64 << 20,
               inverted: Iterable[str] | None = None,
               date_formats: Mapping[str, str] | None = None,
               region: str | None = None,
               phone_min_valid: float = 0.8) -> InputStream:
    """Open a contact list to read as batches of about ``batch_bytes`` of input.

    Arguments as for :func:`scanner.ingest.read_input`. Reads the input's first batch to
    decide its format, encoding and columns (raising :class:`InputError` as reading it
    whole would); the rest is read while iterating.
    """
    options = _Options(column_overrides, max_field_bytes, max(1, batch_bytes),
                       None if inverted is None else frozenset(inverted), dict(date_formats or {}), region,
                       phone_min_valid)
    if isinstance(source, (pl.DataFrame, pl.LazyFrame)):
        table = structured.read_frame(source)
        return _records(iter([(table, True)]), "dataframe", lambda: None, None, options,
                        lambda: (None, None), lambda: None)
    raw = Source(source)
    try:
        return _open_bytes(raw, sheet, options)
    except BaseException:
        raw.close()
        raise


@dataclass(frozen=True)
class _Options:
    overrides: Mapping[str, str] | None
    limit: int
    batch_bytes: int
    inverted: frozenset[str] | None = None
    date_formats: Mapping[str, str] | None = None
    region: str | None = None        # the campaign's; phone values are read in it (else CN)
    phone_min_valid: float = 0.8     # see scanner.ingest.roles


def _open_bytes(raw: Source, sheet: str | None, options: _Options) -> InputStream:
    path = raw.path
    first = raw.read(max(options.batch_bytes, SAMPLE))
    finish = lambda: (raw.finish(), None)  # noqa: E731
    if first.startswith(_ZIP) or first.startswith(_OLE2):
        table = structured.read_excel(first + raw.read_rest(), path, sheet, options.limit)
        fmt = "xls" if first.startswith(_OLE2) else "xlsx"
        return _records(iter([(table, True)]), fmt, lambda: None, path, options, finish, raw.close)
    if first.startswith(_PARQUET):
        tables = None if path == "-" else structured.parquet_tables(path, path, options.batch_bytes,
                                                                           options.limit)
        if tables is None:
            tables = iter([(structured.read_parquet(first + raw.read_rest(), path), True)])
        return _records(tables, "parquet", lambda: None, path, options, finish, raw.close)
    if not first or first.isspace():
        raise InputError("empty file", path=path)
    opening = [first]
    del first  # (the reading lets go of it once decoded)
    return _open_text(raw, opening, options)


def _open_text(raw: Source, opening: list[bytes], options: _Options) -> InputStream:
    """``opening`` holds the input's first block."""
    path = raw.path
    hint = _EXTENSIONS.get(Path(path).suffix.lower())
    read_size = max(options.batch_bytes, _MIN_READ)
    decoder = Decoder(opening[0], path, lambda: raw.look_ahead(read_size))
    pieces = text_units.line_ends(text_units.decoded(raw, decoder, opening, read_size))
    opening, head = text_units.head(pieces)
    if not head.strip():
        raise InputError("empty file", path=path)
    text = text_units.replay(opening, pieces)
    encoding = lambda: decoder.encoding  # noqa: E731
    finish = lambda: (raw.finish(), decoder.encoding)  # noqa: E731
    if head.lstrip("\ufeff \t\r\n")[:1] in ("[", "{"):
        data = b"".join(text)
        try:
            table, fmt = structured.read_json(data.decode("utf-8"), path)
            return _records(iter([(table, True)]), "ndjson" if hint == "ndjson" else fmt,
                            encoding, path, options, finish, raw.close)
        except InputError:
            if hint not in _DELIMITED:
                raise
        text = iter([data])
    delimiter = sniff_delimiter(head, "\t" if hint == "tsv" else "," if hint == "csv" else None)
    width = first_record_width(head, delimiter)
    if width is None:
        raise InputError("empty file", path=path)
    _check_width(width, path)
    fmt = hint if hint in _DELIMITED else "tsv" if delimiter == "\t" else (
        "txt" if delimiter == NO_DELIMITER else "csv")
    units = text_units.units(text, options.batch_bytes, UNIT_LINES)
    tables = text_units.delimited_tables(units, delimiter, width, options.limit)
    stream = _records(tables, fmt, encoding, path, options, finish, raw.close)
    stream.bytes_read = lambda: raw.bytes_read
    return stream


def _records(tables: Iterator[tuple[Table, bool]], fmt: str, encoding: Callable[[], str | None],
             path: str | None, options: _Options, finish: Callable[[], tuple[str | None, str | None]],
             close: Callable[[], None]) -> InputStream:
    """Decide the layout on the first records, and stream them all."""
    checked = _oversized(tables, options.limit)
    first, complete = _first_records(checked, _FIRST_RECORDS_BYTES)
    _check_width(first.frame.width, path)
    rest = _without_flags(checked)
    try:
        layout, data = decide_layout(first, overrides=options.overrides, path=path, complete=complete,
                                     region=options.region or "CN", phone_min_valid=options.phone_min_valid)
    except FirstRecordsBad as exc:
        records, good = exc.records, 0
        for table in rest:
            records += table.frame.height
            good += table.frame.height - len(table.bad)
        if good:
            raise first_line_unreadable(exc.reason, path) from None
        raise no_readable_records(records, 1, exc.reason, path) from None
    empty, _ = apply_layout(layout, Table(data.frame.clear()), 1)
    # the records the column roles were decided on (as many whatever the batch size)
    sample = headers.SAMPLE_ROWS
    first_rows, _ = apply_layout(layout, Table(data.frame.head(sample),
                                               bad={i: r for i, r in data.bad.items() if i < sample}), 1)
    # the policy's list, when it gives one, replaces what the headers say
    inverted = layout.inverted if options.inverted is None else options.inverted
    meta = Ingested(frame=empty, bad_records=(), format=fmt, encoding=encoding(),
                    columns=layout.columns, extra_columns=layout.extra_columns, path=path,
                    sha256=None, has_header=layout.has_header, title_rows=layout.title_rows,
                    phone_columns=layout.phone_columns, column_report=layout.report,
                    inverted=frozenset(inverted) & frozenset(layout.columns),
                    date_formats=decide_readings(first_rows, explicit=options.date_formats, region=options.region))
    return InputStream(meta, layout, data, rest, finish, close)


def _check_width(width: int, path: str | None) -> None:
    if width > MAX_COLUMNS:
        raise InputError("{width:,} columns, more than the {most:,} read (as many as a spreadsheet can hold)",
                         path=path, width=width, most=MAX_COLUMNS)


def _oversized(tables: Iterator[tuple[Table, bool]], limit: int) -> Iterator[tuple[Table, bool]]:
    for table, last in tables:
        yield mark_oversized(table, limit), last
        del table


def _without_flags(tables: Iterator[tuple[Table, bool]]) -> Iterator[Table]:
    for table, _ in tables:
        yield table
        del table


def _first_records(tables: Iterator[tuple[Table, bool]], cap: int) -> tuple[Table, bool]:
    """The first tables, joined, until they decide the layout (or grow past ``cap``
    bytes); and whether they are the whole input."""
    parts: list[Table] = []
    good = rows = size = 0
    last = False
    for table, last in tables:
        parts.append(table)
        rows += table.frame.height
        good += table.frame.height - len(table.bad)
        # measured as the profile sample's window is (so the window is the same whatever
        # the batch size)
        size += int(record_bytes(table.frame).sum())
        if last or good >= records_to_decide() or (size >= cap and rows > MAX_TITLE_ROWS + 1):
            break
    if len(parts) == 1:
        return parts[0], last
    bad: dict[int, str] = {}
    offset = 0
    for part in parts:
        bad.update((offset + i, reason) for i, reason in part.bad.items())
        offset += part.frame.height
    # (text and sheets place every record; the structured formats none)
    lines = None if any(p.lines is None for p in parts) else pl.concat([p.lines for p in parts])
    return Table(pl.concat([p.frame for p in parts]), header=parts[0].header, bad=bad, lines=lines), last
