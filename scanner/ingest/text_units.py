"""Delimited text as a stream: decoded to UTF-8 a chunk at a time, classic Mac line ends
made LF, the head the sniffers read, units cut at line ends, and each unit's records, with
a record still open at a unit's end carried to the next (the record model:
:mod:`scanner.ingest.records`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import polars as pl

from scanner.ingest.delimited import read_lines
from scanner.ingest.encoding import Decoder
from scanner.ingest.model import Table
from scanner.ingest.records import UNTERMINATED, no_records, quote_close
from scanner.ingest.sniff import SNIFF_BYTES
from scanner.ingest.source import Source


def decoded(raw: Source, decoder: Decoder, opening: list[bytes], size: int) -> Iterator[bytes]:
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


def line_ends(pieces: Iterator[bytes]) -> Iterator[bytes]:
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


def head(pieces: Iterator[bytes]) -> tuple[list[bytes], str]:
    """The first pieces, up to ``SNIFF_BYTES``, and the text the sniffers read: that much,
    or the whole first line when it is longer (a wide header), up to ``_HEAD_BYTES``."""
    opening: list[bytes] = []
    prefix = b""
    for piece in pieces:
        opening.append(piece)
        prefix += piece[: _HEAD_BYTES - len(prefix)]
        if len(prefix) >= SNIFF_BYTES and (_first_line_end(prefix) >= 0 or len(prefix) >= _HEAD_BYTES):
            break
    end = _first_line_end(prefix)
    prefix = prefix[: max(SNIFF_BYTES, end + 1 if end >= 0 else len(prefix))]
    return opening, prefix.decode("utf-8", errors="ignore")


# The sniffers read the whole first line of a wide file, up to this many bytes.
_HEAD_BYTES = 16 << 20


def _first_line_end(text: bytes) -> int:
    """Offset of the line end after the first non-blank line (-1 when not in ``text``)."""
    start = len(text) - len(text.lstrip())
    return text.find(b"\n", start)


def replay(opening: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    """``opening``'s pieces (let go as they are taken), then ``rest``."""
    opening.reverse()
    while opening:
        yield opening.pop()
    yield from rest


def units(pieces: Iterable[bytes], size: int, lines: int) -> Iterator[tuple[bytes, bool]]:
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


def delimited_tables(units: Iterator[tuple[bytes, bool]], delimiter: str, width: int,
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
            close = quote_close(unit)
            if close is None and not last:
                held.append(unit)
                continue
            if close is None:  # never closes: read its lines after all
                pending.bad[pending.frame.height - 1] = UNTERMINATED
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
        table = read_lines(unit, delimiter, width, limit, final=last) if unit \
            else no_records(width)
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
