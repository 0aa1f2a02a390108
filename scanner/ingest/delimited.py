"""CSV / TSV / TXT records at polars speed (the record model: :mod:`scanner.ingest.records`).

:func:`vectorized_read` (the normal path) lets polars split the UTF-8 bytes into
physical lines and parse them with ``pl.read_csv`` (every column String). Each parsed
line is proven exact by byte arithmetic: a well-formed line of ``n`` fields has
``len(line) == Σ len(value) + quotes(line) − Σ quotes(value) + (n − 1)`` — a line with a
missing or extra field, or quoting polars read leniently, breaks the equation. Only the
lines that break it, and lines with an odd quote count (multi-line fields, unterminated
quotes), go through the Python parser (:func:`~scanner.ingest.records.robust_read`'s
:func:`~scanner.ingest.records.record_at`), so a 1M-row file with a few bad rows still
reads at polars speed.

Both readers can read an input a piece at a time (pieces cut at line ends, the last one
read with ``final=True``): a record whose quoted field is still open at the end of a
piece and could still close within the size limit is left unread, and
``Table.open_lines`` says how many lines at the end of the piece it spans; they belong
in front of the next piece. An oversized record still open at the end of a piece is
listed as bad and ``Table.quote_open`` is set: the next piece starts with its remaining
lines (:func:`~scanner.ingest.records.quote_close`). Every other record is decided by the
lines it spans and those up to where its quoting closed or failed, so piece by piece gives
the records reading the whole input at once gives.
"""

from __future__ import annotations

import bisect
import sys

import polars as pl

from scanner.ingest.model import Table
from scanner.ingest.records import (
    NO_DELIMITER, QUOTE, UNTERMINATED, Oversized, Unresolved, checked_fields, column_names, no_records,
    oversized_reason, record_at, robust_read,
)


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
                           schema=dict.fromkeys(column_names(width), pl.String),
                           truncate_ragged_lines=True, raise_if_empty=False,
                           missing_columns="insert", extra_columns="ignore")
    except pl.exceptions.PolarsError:
        return None


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
                fields, used, reason = record_at(access, i, delimiter, limit, final=final)
            except Unresolved:
                stop = i
                lines = lines.head(stop)
                break
            except Oversized as over:
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
            fields, _, reason = record_at(access, i, delimiter, limit, extend=False)
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
            fields, _, reason = record_at(access, k, delimiter, limit, extend=False)
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
    columns = column_names(width)
    schema = {"i": pl.UInt32, **{c: pl.String for c in columns}}
    indexes = sorted(special)
    rows = [checked_fields(*special[i], width) for i in indexes]
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

