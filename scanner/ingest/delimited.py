"""CSV / TSV / TXT: delimiter sniffing, a vectorized reader, a robust line parser.

Record model: a record is one physical line, unless its line holds an odd number of
quote characters, in which case (and only then) an open quoted field may continue over
the next lines. Under the size limit the record is parsed (and one that cannot be closed
cleanly is a bad record of its first line). A quoted field that grows past the size
limit makes one bad record up to the line where its quote closes (the first line after
it with an odd number of quotes), or up to the end of the input: it is never held whole,
and its lines never become records of their own. Blank lines outside records are skipped
and not counted.

:func:`vectorized_read` (the normal path) lets polars split the UTF-8 bytes into
physical lines and parse them with ``pl.read_csv`` (every column String). Each parsed
line is proven exact by byte arithmetic: a well-formed line of ``n`` fields has
``len(line) == Σ len(value) + quotes(line) − Σ quotes(value) + (n − 1)`` — a line with a
missing or extra field, or quoting polars read leniently, breaks the equation. Only the
lines that break it, and lines with an odd quote count (multi-line fields, unterminated
quotes), go through the Python parser, so a 1M-row file with a few bad rows still reads
at polars speed.

Both readers can read an input a piece at a time (pieces cut at line ends, the last one
read with ``final=True``): a record whose quoted field is still open at the end of a
piece and could still close within the size limit is left unread, and
``Table.open_lines`` says how many lines at the end of the piece it spans; they belong
in front of the next piece. An oversized record still open at the end of a piece is
listed as bad and ``Table.quote_open`` is set: the next piece starts with its remaining
lines (:func:`quote_close`). Every other record is decided by the lines it spans and
those up to where its quoting closed or failed, so piece by piece gives the records
reading the whole input at once gives.

:func:`robust_read` is the Python parser for a whole piece, used when polars itself
refuses the remaining lines. Unquoted lines are split directly; a line with quotes goes through
:mod:`csv` in strict mode. A record that cannot be closed cleanly makes *its first
line* a bad record and parsing resumes on the next line, so one stray quote never
swallows the rest of the file.
"""

from __future__ import annotations

import bisect
import csv
import re
import sys
from collections import Counter
from collections.abc import Sequence

import polars as pl

from scanner.ingest.model import Table

CANDIDATES = (",", "\t", ";", "|")
# Single-column files use NUL as the "delimiter": decoded input never contains it.
NO_DELIMITER = "\x00"
QUOTE = '"'
SNIFF_BYTES = 1 << 16
_SNIFF_LINES = 200
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_BROKEN = "broken quoting"
_CR = "\uffff"


def sniff_delimiter(head: str, hint: str | None = None) -> str:
    """The delimiter that splits the first lines most consistently (NO_DELIMITER if none).

    For each candidate, count its occurrences outside quoted fields on every sampled
    line; the candidate whose most common non-zero count covers the largest share of
    lines wins. Ties go to ``hint`` (from the file extension), then to the candidate
    making more columns, then to the order comma, tab, semicolon, pipe.
    """
    lines = [line for line in _record_lines(head)[:_SNIFF_LINES] if line.strip()]
    if len(head) >= SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample may be partial
    unquoted = [_QUOTED.sub("", line) for line in lines]
    best, best_key = NO_DELIMITER, (0.0, 0, 0)
    for delimiter in CANDIDATES:
        counts = Counter(line.count(delimiter) for line in unquoted)
        mode, _ = max(counts.items(), key=lambda kv: (kv[1], kv[0])) if counts else (0, 0)
        if mode == 0:
            continue
        key = (counts[mode] / len(unquoted), 1 if delimiter == hint else 0, mode)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def first_record_width(head: str, delimiter: str) -> int | None:
    """Field count of the first non-blank line (the header or first record), leniently.

    A one-cell title line above the header (``2026年11月客户名单``, common in Chinese
    exports) does not set the width: when the first line has at most one non-empty
    field and the lines after it agree on more fields, their count wins.
    """
    lines = [line for line in _record_lines(head)[:_TITLE_SNIFF_LINES] if line.strip()]
    if not lines:
        return None
    fields = [_lenient_fields(line, delimiter) for line in lines]
    first = fields[0]
    if len(fields) > 2 and sum(1 for f in first if f.strip()) <= 1:
        mode, _ = Counter(len(f) for f in fields[1:]).most_common(1)[0]
        if mode > len(first):
            return mode
    return len(first)


_TITLE_SNIFF_LINES = 20


def _record_lines(head: str) -> list[str]:
    """The lines of ``head`` that start a record: the lines inside a multi-line quoted
    field (opened by a line with an odd number of quotes) are data, not records."""
    lines, inside = [], False
    for line in head.split("\n"):
        if not inside:
            lines.append(line)
        if line.count(QUOTE) % 2:
            inside = not inside
    return lines


def _lenient_fields(line: str, delimiter: str) -> list[str]:
    """A line's fields for sniffing: quotes honoured where they parse, a carriage return
    inside a field is data (the csv module would refuse the line)."""
    try:
        return [f.replace(_CR, "\r") for f in next(csv.reader([line.replace("\r", _CR)], delimiter=delimiter,
                                                               quotechar=QUOTE))]
    except csv.Error:
        return line.split(delimiter)


def _column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def no_records(width: int) -> Table:
    return Table(pl.DataFrame(schema={c: pl.String for c in _column_names(width)}))


class _Lines:
    """Index access to a polars Series of physical lines (null = empty line)."""

    def __init__(self, series: pl.Series):
        self.series = series

    def __len__(self) -> int:
        return len(self.series)

    def __getitem__(self, index: int) -> str:
        return self.series[index] or ""


def _parse_csv(buffer: bytes, delimiter: str, width: int, quoted: bool) -> pl.DataFrame | None:
    try:
        return pl.read_csv(buffer, has_header=False, separator=delimiter,
                           quote_char=QUOTE if quoted else None,
                           schema=dict.fromkeys(_column_names(width), pl.String),
                           truncate_ragged_lines=True, raise_if_empty=False,
                           missing_columns="insert", extra_columns="ignore")
    except pl.exceptions.PolarsError:
        return None


def _hex(delimiter: str) -> str:
    return rf"\x{{{ord(delimiter):02X}}}"


def _exact(frame: pl.DataFrame, lines: pl.DataFrame, width: int, quoted: bool) -> pl.Series:
    """Per line: does its parsed record account for every byte of the line?"""
    values = pl.sum_horizontal(pl.all().str.len_bytes())
    if quoted:
        values = values - pl.sum_horizontal(pl.all().str.count_matches(QUOTE, literal=True))
    accounted = frame.select(values.alias("v"))["v"] + lines["quotes"] + (width - 1)
    return (accounted == lines["size"]).fill_null(False)


def _malformed(lines: pl.DataFrame, delimiter: str) -> list[int]:
    """Lines whose quotes are not exactly whole quoted fields (RFC 4180)."""
    d = rf"\x{{{ord(delimiter):02X}}}"
    field = rf'(?:"(?:[^"]|"")*"|[^"{d}]*)'
    with_quotes = lines.filter(~pl.col("blank") & (pl.col("quotes") > 0))
    return with_quotes.filter(~pl.col("line").str.contains(rf"^{field}(?:{d}{field})*$"))["i"].to_list()


def read_lines(utf8: bytes, delimiter: str, width: int, limit: int, final: bool = True) -> Table:
    """The records of ``utf8``: :func:`vectorized_read`, else :func:`robust_read`."""
    table = vectorized_read(utf8, delimiter, width, limit, final)
    if table is None:
        table = robust_read(utf8.decode("utf-8"), delimiter, width, limit, final)
    return table


def vectorized_read(utf8: bytes, delimiter: str, width: int, limit: int,
                    final: bool = True) -> Table | None:
    """Read with polars, sending only irregular lines through the Python parser.

    Returns None when polars refuses the lines (use :func:`robust_read`)."""
    quoted = utf8.find(QUOTE.encode()) >= 0
    raw = pl.read_csv(utf8, has_header=False, infer_schema=False, separator=NO_DELIMITER,
                      quote_char=None, new_columns=["line"], raise_if_empty=False)
    if raw.width != 1:
        return None
    line = pl.col("line")
    lines = raw.select(
        line,
        blank=line.is_null() | (line.str.strip_chars().str.len_bytes() == 0),
        quotes=line.str.count_matches(QUOTE, literal=True).fill_null(0) if quoted else pl.lit(0, pl.UInt32),
        size=line.str.len_bytes(),
    ).with_row_index("i")
    special: dict[int, tuple[list[str] | None, str]] = {}
    spans: list[tuple[int, int]] = []  # lines of multi-line records after their first
    access = _Lines(lines["line"])
    total, stop, quote_open = lines.height, None, None
    if quoted:
        odd = lines.filter(pl.col("quotes") % 2 == 1)["i"].to_list()
        for i in odd:
            if i in special or (spans and i < spans[-1][1]):
                continue
            try:
                fields, used, reason = _record_at(access, i, delimiter, limit, final=final)
            except _Unresolved:
                stop = i
                lines = lines.head(stop)
                break
            except _Oversized as over:
                fields, reason = None, oversized_reason(limit)
                if over.closed:
                    used = over.end - i
                else:  # the field closes on the next line with an odd quote count
                    k = bisect.bisect_left(odd, over.end)
                    if k < len(odd):
                        used = odd[k] + 1 - i
                    elif final:  # never closes: its first line is the bad record
                        used, reason = 1, UNTERMINATED
                    else:  # may close in a later piece
                        used, quote_open = total - i, i
            special[i] = (fields, reason)
            if used > 1:
                spans.append((i + 1, i + used))
    continuation = _span_indexes(spans)
    irregular = _malformed(lines, delimiter) if quoted else []
    if b"\r" in utf8:
        # A carriage return inside a line is data; polars may take it for a line end.
        # (The lines read already lost the \r of each CRLF.)
        irregular += lines.filter(~pl.col("blank") & pl.col("line").str.contains("\r", literal=True))["i"].to_list()
    for i in irregular:
        if i not in special and not _in_spans(spans, i):
            fields, _, reason = _record_at(access, i, delimiter, limit, extend=False)
            special[i] = (fields, reason)
    blank = bool(lines["blank"].any())
    if special or spans or blank or stop is not None:
        dropped = pl.concat([pl.Series(list(special), dtype=pl.UInt32), continuation])
        ordinary = lines.filter(~pl.col("blank") & ~pl.col("i").is_in(dropped.implode()))
    else:  # every line is an ordinary record: no filtered copy of the whole file's lines
        ordinary = lines
    if not special and not spans and stop is None:
        frame = _parse_csv(utf8, delimiter, width, quoted)
        if frame is None or frame.height != lines.height:
            return None
        if blank:
            frame = frame.filter(~lines["blank"])
    else:
        buffer = ordinary["line"].str.join("\n").item() or ""
        frame = _parse_csv(buffer.encode("utf-8"), delimiter, width, quoted) if buffer else None
        if frame is None:
            frame = no_records(width).frame
        if frame.height != ordinary.height:
            return None
    exact = _exact(frame, ordinary, width, quoted)
    miscounted = None
    if not exact.all():
        # A line with no quote splits directly: when its field count is wrong, that is
        # its reason, decided here for all such lines at once (a file of short broken
        # lines can hold millions); any other inexact line goes through the parser.
        fields = pl.col("line").str.count_matches(delimiter, literal=True) + 1
        inexact = ordinary.with_row_index("k").filter(~exact).with_columns(fields=fields)
        plain = (pl.col("quotes") == 0) & (pl.col("fields") != width)
        miscounted = inexact.filter(plain).select(
            "i", reason=pl.col("fields").cast(pl.String) + f" fields, expected {width}")
        access = _Lines(ordinary["line"])
        for k in inexact.filter(~plain)["k"].to_list():
            fields, _, reason = _record_at(access, k, delimiter, limit, extend=False)
            special[ordinary["i"][k]] = (fields, reason)
        keep = exact
        frame, ordinary = frame.filter(keep), ordinary.filter(keep)
    table = _assemble(frame, ordinary["i"], special, width, miscounted) \
        if special or miscounted is not None else Table(frame, lines=ordinary["i"])
    if quote_open is not None:
        table.open_lines, table.quote_open = total - quote_open - 1, True
    elif stop is not None:
        table.open_lines = total - stop
    return table


def _span_indexes(spans: list[tuple[int, int]]) -> pl.Series:
    """The line indexes in ``spans`` (start inclusive, end exclusive)."""
    if not spans:
        return pl.Series([], dtype=pl.UInt32)
    ranges = pl.DataFrame(spans, schema={"s": pl.UInt32, "e": pl.UInt32}, orient="row")
    return ranges.select(pl.int_ranges("s", "e", dtype=pl.UInt32).explode())["s"]


def _in_spans(spans: list[tuple[int, int]], i: int) -> bool:
    k = bisect.bisect_right(spans, (i, sys.maxsize)) - 1
    return k >= 0 and spans[k][0] <= i < spans[k][1]


def _assemble(frame: pl.DataFrame, order: pl.Series, special: dict, width: int,
              miscounted: pl.DataFrame | None = None) -> Table:
    """Merge vectorized records, Python-parsed ones and lines already known to be bad
    (``miscounted``: line index ``i`` and ``reason``) back into physical line order."""
    columns = _column_names(width)
    schema = {"i": pl.UInt32, **{c: pl.String for c in columns}}
    indexes = sorted(special)
    rows = [_checked(*special[i], width) for i in indexes]
    extra = pl.DataFrame(
        {"i": indexes, **{c: [r[0][k] if r[0] else None for r in rows] for k, c in enumerate(columns)}},
        schema=schema)
    if miscounted is None:
        miscounted = pl.DataFrame(schema={"i": pl.UInt32, "reason": pl.String})
    broken = miscounted.select(pl.col("i").cast(pl.UInt32), *(pl.lit(None, pl.String).alias(c) for c in columns))
    merged = pl.concat([frame.with_columns(order.alias("i")).select("i", *columns), extra, broken])
    merged = merged.sort("i")
    positions = merged["i"].search_sorted(pl.Series(indexes, dtype=pl.UInt32)).to_list()
    bad = {pos: rows[k][1] for k, pos in enumerate(positions) if rows[k][0] is None}
    if miscounted.height:
        at = merged["i"].search_sorted(miscounted["i"].cast(pl.UInt32)).to_list()
        reasons = [sys.intern(r) for r in miscounted["reason"].to_list()]
        bad.update(zip(at, reasons))
    return Table(merged.drop("i"), bad=bad, lines=merged["i"])


def _checked(fields: list[str] | None, reason: str, width: int) -> tuple[list[str] | None, str]:
    if fields is not None and len(fields) != width:
        return None, f"{len(fields)} fields, expected {width}"
    return fields, reason


class _OpenQuote(Exception):
    pass


class _Unresolved(Exception):
    """The record's quoted field is open at the end of the piece and may close later."""


class _Oversized(Exception):
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
        fields = _parse_one(text.replace("\r", _CR), delimiter)
        return None if fields is None else [f.replace(_CR, "\r") for f in fields]
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


def _record_at(lines: Sequence[str], i: int, delimiter: str, limit: int,
               extend: bool = True, final: bool = True) -> tuple[list[str] | None, int, str]:
    """Parse the record starting at line ``i``: (fields or None, lines used, reason).

    Raises _Unresolved when ``lines`` end before the record could close or fail and more
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
            raise _Oversized(j, quotes % 2 == 0)
        if not final:
            raise _Unresolved
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
            fields, used, reason = _record_at(lines, i, delimiter, limit, final=final)
        except _Unresolved:
            open_lines = len(lines) - i
            break
        except _Oversized as over:
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
        fields, reason = _checked(fields, reason, width)
        if fields is None:
            bad[len(rows)] = reason
        rows.append(fields)
        starts.append(i)
        i += used
    columns = _column_names(width)
    data = {name: [r[k] if r is not None else None for r in rows] for k, name in enumerate(columns)}
    return Table(pl.DataFrame(data, schema={name: pl.String for name in columns}), bad=bad,
                 open_lines=open_lines, quote_open=quote_open, lines=pl.Series(starts, dtype=pl.UInt32))
