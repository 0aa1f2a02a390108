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

import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from scanner.errors import InputError
from scanner.ingest import delimited, headers, structured
from scanner.ingest.dates import decide_readings
from scanner.ingest.encoding import SAMPLE, Decoder
from scanner.ingest.headers import (
    MAX_TITLE_ROWS, FirstRecordsBad, Layout, apply_layout, decide_layout, first_line_unreadable,
    mark_oversized, no_readable_records, records_to_decide,
)
from scanner.ingest.model import BadRecord, Ingested, Table
from scanner.ingest.profiles import WINDOW_BYTES, record_bytes
from scanner.io_errors import os_cause

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
    raw = _Source(source)
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


class _Source:
    """The raw bytes of a file or of standard input, read in order and hashed as read."""

    def __init__(self, source: str | os.PathLike):
        self._sha = hashlib.sha256()
        if isinstance(source, str) and source == "-":
            self.file, self.path, self._owned = sys.stdin.buffer, "-", False
            return
        self.path = os.fspath(source)
        try:
            self.file, self._owned = open(self.path, "rb"), True  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> InputError:
        if isinstance(exc, FileNotFoundError):
            return InputError("file not found", path=self.path)
        if isinstance(exc, IsADirectoryError):
            return InputError("is a directory, expected a file", path=self.path)
        if isinstance(exc, PermissionError):
            return InputError("cannot read file (permission denied)", path=self.path)
        return InputError("cannot read file ({cause})", path=self.path, cause=os_cause(exc))

    def read(self, size: int) -> bytes:
        try:
            data = self.file.read(size)
        except OSError as exc:
            raise self._error(exc) from None
        self._sha.update(data)
        return data

    def read_rest(self) -> bytes:
        return b"".join(iter(lambda: self.read(1 << 24), b""))

    def finish(self) -> str:
        """The SHA-256 of every byte of the input (reading what was not read yet)."""
        while self.read(1 << 24):
            pass
        return self._sha.hexdigest()

    def look_ahead(self, size: int) -> Iterator[bytes] | None:
        """The bytes after those read so far, left unread; None if the input cannot seek."""
        try:
            if not self.file.seekable():
                return None
            position = self.file.tell()
        except OSError:
            return None
        return self._ahead(position, size)

    def _ahead(self, position: int, size: int) -> Iterator[bytes]:
        try:
            while chunk := self.file.read(size):
                yield chunk
        finally:
            self.file.seek(position)

    def close(self) -> None:
        if self._owned:
            self.file.close()


def _open_bytes(raw: _Source, sheet: str | None, options: _Options) -> InputStream:
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


def _open_text(raw: _Source, opening: list[bytes], options: _Options) -> InputStream:
    """``opening`` holds the input's first block."""
    path = raw.path
    hint = _EXTENSIONS.get(Path(path).suffix.lower())
    read_size = max(options.batch_bytes, _MIN_READ)
    decoder = Decoder(opening[0], path, lambda: raw.look_ahead(read_size))
    pieces = _line_ends(_decoded(raw, decoder, opening, read_size))
    opening, head = _head(pieces)
    if not head.strip():
        raise InputError("empty file", path=path)
    text = _replay(opening, pieces)
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
    delimiter = delimited.sniff_delimiter(head, "\t" if hint == "tsv" else "," if hint == "csv" else None)
    width = delimited.first_record_width(head, delimiter)
    if width is None:
        raise InputError("empty file", path=path)
    _check_width(width, path)
    fmt = hint if hint in _DELIMITED else "tsv" if delimiter == "\t" else (
        "txt" if delimiter == delimited.NO_DELIMITER else "csv")
    tables = _delimited_tables(_units(text, options.batch_bytes, UNIT_LINES), delimiter, width, options.limit)
    return _records(tables, fmt, encoding, path, options, finish, raw.close)


def _decoded(raw: _Source, decoder: Decoder, opening: list[bytes], size: int) -> Iterator[bytes]:
    """The input as UTF-8, a raw chunk at a time (``opening`` holds the first one)."""
    chunk = opening.pop()
    while chunk:
        text = decoder.feed(chunk)
        del chunk
        if text:
            yield text
        del text
        chunk = raw.read(size)
    yield decoder.finish()


def _line_ends(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Classic Mac text (CR line ends, no LF) as LF text.

    Decided on the first piece holding an LF (not Mac) or a CR before its last byte
    (Mac); pieces before it wait. A piece whose only CR is its last byte may be a CRLF cut
    in two."""
    held: list[bytes] = []
    mac = None
    for piece in pieces:
        if mac is None:
            held.append(piece)
            if b"\n" in piece:
                mac = False
            elif piece.find(b"\r", 0, len(piece) - 1) >= 0:
                mac = True
            else:
                continue
            yield from (p.replace(b"\r", b"\n") if mac else p for p in held)
            held = []
        else:
            yield piece.replace(b"\r", b"\n") if mac else piece
        del piece
    mac = any(b"\r" in p for p in held)
    yield from (p.replace(b"\r", b"\n") if mac else p for p in held)


def _head(pieces: Iterator[bytes]) -> tuple[list[bytes], str]:
    """The first pieces, up to ``SNIFF_BYTES``, and the text the sniffers read: that much,
    or the whole first line when it is longer (a wide header), up to ``_HEAD_BYTES``."""
    opening: list[bytes] = []
    prefix = b""
    for piece in pieces:
        opening.append(piece)
        prefix += piece[: _HEAD_BYTES - len(prefix)]
        if len(prefix) >= delimited.SNIFF_BYTES and (_first_line_end(prefix) >= 0 or len(prefix) >= _HEAD_BYTES):
            break
    end = _first_line_end(prefix)
    prefix = prefix[: max(delimited.SNIFF_BYTES, end + 1 if end >= 0 else len(prefix))]
    return opening, prefix.decode("utf-8", errors="ignore")


# The sniffers read the whole first line of a wide file, up to this many bytes.
_HEAD_BYTES = 16 << 20


def _first_line_end(text: bytes) -> int:
    """Offset of the line end after the first non-blank line (-1 when not in ``text``)."""
    start = len(text) - len(text.lstrip())
    return text.find(b"\n", start)


def _replay(opening: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    """``opening``'s pieces (let go as they are taken), then ``rest``."""
    opening.reverse()
    while opening:
        yield opening.pop()
    yield from rest


def _units(pieces: Iterable[bytes], size: int, lines: int) -> Iterator[tuple[bytes, bool]]:
    """UTF-8 text as (unit, last) pairs: units of about ``size`` bytes and at most
    ``lines`` lines, ending at a line end, then the text after the last line end (maybe
    empty) as the last unit."""
    carry = b""
    for piece in pieces:
        if carry:
            piece, carry = b"".join((carry, piece)), b""
        start, end = 0, len(piece)
        while start < end:
            cut = piece.find(b"\n", start + size - 1) + 1 or piece.rfind(b"\n", start) + 1
            if cut <= start:
                carry = piece[start:]
                break
            if piece.count(b"\n", start, cut) > lines:
                cut = _after_lines(piece, start, lines)
            yield (piece if start == 0 and cut == end else piece[start:cut]), False
            start = cut
        del piece  # before the next piece is made: hold one at a time
    yield carry, True


def _delimited_tables(units: Iterator[tuple[bytes, bool]], delimiter: str, width: int,
                      limit: int) -> Iterator[tuple[Table, bool]]:
    """Each unit's records; lines of a record still open at a unit's end go to the next.

    The lines of an oversized quoted field are passed over up to where it closes; until
    then they are held unread (with the table holding the record) in case it never
    closes, when its first line alone is the bad record and they are read as records."""
    tail, grown = b"", 0
    queue: list[tuple[bytes, bool]] = []
    held: list[bytes] = []
    pending: Table | None = None
    base = 0  # the input's lines before the text being read (records are placed by it)
    while queue or (unit_last := next(units, None)) is not None:
        unit, last = queue.pop() if queue else unit_last
        if pending is not None:
            close = delimited.quote_close(unit)
            if close is None and not last:
                held.append(unit)
                continue
            if close is None:  # never closes: read its lines after all
                pending.bad[pending.frame.height - 1] = delimited.UNTERMINATED
                queue.append((b"".join((*held, unit)), True))
                unit, last = b"", False
            else:
                base += sum(h.count(b"\n") for h in held) + unit.count(b"\n", 0, close)
                unit = unit[close:]
            held = []
            yield pending, False
            pending = None
            if not unit and not last:
                continue
        if tail and not last and grown + len(unit) < len(tail) - grown:
            # a long open record: read it again only once the text after it has grown
            # as long as it (each record is decided the same whatever the pieces)
            tail, grown = b"".join((tail, unit)), grown + len(unit)
            continue
        grown = 0
        if tail:
            unit, tail = b"".join((tail, unit)), b""
        table = delimited.read_lines(unit, delimiter, width, limit, final=last) if unit \
            else delimited.no_records(width)
        table.lines = (pl.int_range(table.frame.height, dtype=pl.Int64, eager=True) if table.lines is None
                       else table.lines.cast(pl.Int64)) + base
        # the lines the table's records took (the open ones are read again, or held)
        base += unit.count(b"\n") - table.open_lines
        if table.quote_open:
            held = [unit[_line_start(unit, table.open_lines):]] if table.open_lines else []
            pending = table
            del unit
            continue
        if table.open_lines:
            tail = unit[_line_start(unit, table.open_lines):]
        del unit
        yield table, last
        del table


def _after_lines(text: bytes, start: int, lines: int) -> int:
    """Offset after the ``lines``-th line end from ``start``."""
    at = start
    for _ in range(lines):
        at = text.find(b"\n", at) + 1
    return at


def _line_start(text: bytes, lines: int) -> int:
    """Offset of the ``lines``-th line from the end of ``text`` (which ends at a LF)."""
    end = len(text) - 1
    for _ in range(lines):
        end = text.rfind(b"\n", 0, end)
    return end + 1


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
