"""The record model of delimited text, and the Python parser that reads it a record at a time.

A record is one physical line, unless its line holds an odd number of quote characters,
in which case (and only then) an open quoted field may continue over the next lines.
Under the size limit the record is parsed (and one that cannot be closed cleanly is a bad
record of its first line). A quoted field that grows past the size limit makes one bad
record up to the line where its quote closes (the first line after it with an odd number
of quotes), or up to the end of the input: it is never held whole, and its lines never
become records of their own. Blank lines outside records are skipped and not counted.

:func:`robust_read` parses a whole piece of text this way, used when polars itself refuses
the lines (:mod:`scanner.ingest.delimited` reads the rest). Unquoted lines are split
directly; a line with quotes goes through :mod:`csv` in strict mode. A record that cannot
be closed cleanly makes *its first line* a bad record and parsing resumes on the next
line, so one stray quote never swallows the rest of the file.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence

import polars as pl

from scanner.ingest.model import Table

# Single-column files use NUL as the "delimiter": decoded input never contains it.
NO_DELIMITER = "\x00"
QUOTE = '"'
_BROKEN = "broken quoting"
#: A carriage return inside a field travels through the csv module as this noncharacter.
CR_STANDIN = "\uffff"


def column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def no_records(width: int) -> Table:
    return Table(pl.DataFrame(schema={c: pl.String for c in column_names(width)}))


def checked_fields(fields: list[str] | None, reason: str, width: int) -> tuple[list[str] | None, str]:
    if fields is not None and len(fields) != width:
        return None, f"{len(fields)} fields, expected {width}"
    return fields, reason


class _OpenQuote(Exception):
    pass


class Unresolved(Exception):
    """The record's quoted field is open at the end of the piece and may close later."""


class Oversized(Exception):
    """The record's quoted field grew past the size limit, still open after line
    ``end - 1`` (``closed``: its quotes so far balance, yet it did not parse)."""

    def __init__(self, end: int, closed: bool):
        super().__init__(end)
        self.end, self.closed = end, closed


def oversized_reason(limit: int) -> str:
    return f"quoted field over the {limit}-byte limit"


UNTERMINATED = f"{_BROKEN} (unterminated quote)"


def quote_close(utf8: bytes) -> int | None:
    """Offset after the line end of the line where a quoted field open at the start of
    ``utf8`` closes (the first line whose quotes make an odd count), None if it does not."""
    open_, at = True, utf8.find(b'"')
    while at >= 0:
        open_ = not open_
        end = utf8.find(b"\n", at)
        following = utf8.find(b'"', at + 1)
        if not open_ and (following < 0 or 0 <= end < following):
            return len(utf8) if end < 0 else end + 1
        at = following
    return None


def _parse_one(text: str, delimiter: str) -> list[str] | None:
    """The fields of ``text`` when it is exactly one well-formed record, else None.

    Raises _OpenQuote when the text ends inside a quoted field. A carriage return inside
    a line is data (the csv module would take it for a line end), so it travels as the
    noncharacter U+FFFF through the csv module."""
    if "\r" in text:
        fields = _parse_one(text.replace("\r", CR_STANDIN), delimiter)
        return None if fields is None else [f.replace(CR_STANDIN, "\r") for f in fields]
    parts = text.split("\n")
    # The caller bounds the text by the size limit; the csv module's own field limit
    # (128 KiB) would call a valid long field broken.
    previous = csv.field_size_limit(sys.maxsize)
    try:
        records = list(csv.reader([p + "\n" for p in parts[:-1]] + [parts[-1]],
                                  delimiter=delimiter, quotechar=QUOTE, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise _OpenQuote from None
        return None
    finally:
        csv.field_size_limit(previous)
    return records[0] if len(records) == 1 else None


def record_at(lines: Sequence[str], i: int, delimiter: str, limit: int,
               extend: bool = True, final: bool = True) -> tuple[list[str] | None, int, str]:
    """Parse the record starting at line ``i``: (fields or None, lines used, reason).

    Raises Unresolved when ``lines`` end before the record could close or fail and more
    lines may follow (``final`` false)."""
    line = lines[i]
    if QUOTE not in line:
        return line.split(delimiter), 1, ""
    try:
        return _parse_one(line, delimiter), 1, _BROKEN
    except _OpenQuote:
        pass
    quotes = line.count(QUOTE)
    if not extend or quotes % 2 == 0:
        return None, 1, _BROKEN
    size, j = len(line.encode("utf-8")), i + 1
    while j < len(lines) and size <= limit:
        quotes += lines[j].count(QUOTE)
        size += len(lines[j].encode("utf-8")) + 1
        j += 1
        if quotes % 2:
            continue
        try:
            fields = _parse_one("\n".join(lines[k] for k in range(i, j)), delimiter)
        except _OpenQuote:
            continue
        if fields is None:
            break
        return fields, j - i, ""
    else:
        if size > limit:
            raise Oversized(j, quotes % 2 == 0)
        if not final:
            raise Unresolved
    return None, 1, UNTERMINATED


def robust_read(text: str, delimiter: str, width: int, limit: int, final: bool = True) -> Table:
    """Python parser that resynchronizes after broken quoting."""
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]
    if not final and text.endswith("\n"):
        lines.pop()  # what follows the last line end is the next piece's
    rows: list[list[str] | None] = []
    starts: list[int] = []  # each record's first line
    bad: dict[int, str] = {}
    i, open_lines, quote_open = 0, 0, False
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        try:
            fields, used, reason = record_at(lines, i, delimiter, limit, final=final)
        except Unresolved:
            open_lines = len(lines) - i
            break
        except Oversized as over:
            fields, reason, j = None, oversized_reason(limit), over.end
            if not over.closed:
                while j < len(lines) and lines[j].count(QUOTE) % 2 == 0:
                    j += 1
                if j < len(lines):
                    j += 1
                elif final:  # never closes: its first line is the bad record
                    j, reason = i + 1, UNTERMINATED
                else:
                    quote_open, open_lines = True, len(lines) - i - 1
            used = j - i
        fields, reason = checked_fields(fields, reason, width)
        if fields is None:
            bad[len(rows)] = reason
        rows.append(fields)
        starts.append(i)
        i += used
    columns = column_names(width)
    data = {name: [r[k] if r is not None else None for r in rows] for k, name in enumerate(columns)}
    return Table(pl.DataFrame(data, schema={name: pl.String for name in columns}), bad=bad,
                 open_lines=open_lines, quote_open=quote_open, lines=pl.Series(starts, dtype=pl.UInt32))
