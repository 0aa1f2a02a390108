"""CSV / TSV / TXT: delimiter sniffing, a vectorized fast path, a robust fallback parser.

Fast path: polars splits the (UTF-8) bytes into physical lines; vectorized checks prove
that every non-blank line is exactly one well-quoted record with the header's field
count and no field beyond the size limit. Then ``pl.read_csv`` (every column String)
reads the bytes and blank lines are filtered out.

Fallback (only when a check fails): a Python parser over the lines. Unquoted lines are
split directly; a line with quotes goes through :mod:`csv` in strict mode, and an open
quote may continue over the next lines only while the quote count stays odd and the
record stays under the size limit. A record that cannot be closed cleanly makes *its
first line* a bad record and parsing resumes on the next line, so one stray quote never
swallows the rest of the file.
"""

from __future__ import annotations

import csv
import re
from collections import Counter

import polars as pl

from scanner.ingest.model import Table

CANDIDATES = (",", "\t", ";", "|")
# Single-column files use NUL as the "delimiter": decoded input never contains it.
NO_DELIMITER = "\x00"
QUOTE = '"'
_SNIFF_LINES = 200
_SNIFF_BYTES = 1 << 16
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def sniff_delimiter(head: str, hint: str | None = None) -> str:
    """The delimiter that splits the first lines most consistently (NO_DELIMITER if none).

    For each candidate, count its occurrences outside quoted fields on every sampled
    line; the candidate whose most common non-zero count covers the largest share of
    lines wins. Ties go to ``hint`` (from the file extension), then to the order
    comma, tab, semicolon, pipe.
    """
    lines = [line for line in head.split("\n")[:_SNIFF_LINES] if line.strip()]
    if len(head) >= _SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample may be partial
    unquoted = [_QUOTED.sub("", line) for line in lines]
    best, best_key = NO_DELIMITER, (0.0, 0)
    for order, delimiter in enumerate(CANDIDATES):
        counts = Counter(line.count(delimiter) for line in unquoted)
        mode, _ = max(counts.items(), key=lambda kv: (kv[1], kv[0])) if counts else (0, 0)
        if mode == 0:
            continue
        key = (counts[mode] / len(unquoted), 1 if delimiter == hint else 0)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def first_record_width(head: str, delimiter: str) -> int | None:
    """Field count of the first non-blank line (the header or first record), leniently."""
    for line in head.split("\n"):
        if line.strip():
            return len(next(csv.reader([line], delimiter=delimiter, quotechar=QUOTE)))
    return None


def _hex(delimiter: str) -> str:
    return rf"\x{{{ord(delimiter):02X}}}"


def _column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def fast_read(utf8: bytes, delimiter: str, width: int, max_field_bytes: int) -> Table | None:
    """Vectorized read of a clean file; None when any check fails (use :func:`robust_read`)."""
    lines = pl.read_csv(utf8, has_header=False, infer_schema=False, separator=NO_DELIMITER,
                        quote_char=None, new_columns=["line"], raise_if_empty=False)
    if lines.width != 1:
        return None
    line = pl.col("line")
    has_quotes = utf8.find(QUOTE.encode()) >= 0
    d = _hex(delimiter)
    if has_quotes:
        field = rf'(?:"(?:[^"]|"")*"|[^"{d}]*)'
        well_quoted = ~line.str.contains(QUOTE, literal=True) | line.str.contains(
            rf"^{field}(?:{d}{field})*$")
        unquoted = line.str.replace_all(rf'(^|{d})"(?:[^"]|"")*"', "${1}")
    else:
        well_quoted = pl.lit(True)
        unquoted = line
    checks = lines.select(
        blank=line.is_null() | (line.str.strip_chars().str.len_bytes() == 0),
        good=well_quoted & (unquoted.str.count_matches(delimiter, literal=True) == width - 1),
        size=line.str.len_bytes(),
    )
    nonblank = ~checks["blank"]
    if not (checks["good"] | checks["blank"]).all() or (checks["size"].max() or 0) > max_field_bytes:
        return None
    try:
        frame = pl.read_csv(utf8, has_header=False, infer_schema=False, separator=delimiter,
                            quote_char=QUOTE if has_quotes else None,
                            new_columns=_column_names(width), raise_if_empty=False)
    except pl.exceptions.PolarsError:
        return None
    if frame.height != lines.height or frame.width != width:
        return None
    return Table(frame.filter(nonblank))


class _OpenQuote(Exception):
    pass


def _parse_one(text: str, delimiter: str) -> list[str] | None:
    """The fields of ``text`` when it is exactly one well-formed record, else None.

    Raises _OpenQuote when the text ends inside a quoted field."""
    try:
        records = list(csv.reader(_lines_with_ends(text), delimiter=delimiter, quotechar=QUOTE,
                                  strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise _OpenQuote from None
        return None
    return records[0] if len(records) == 1 else None


def _lines_with_ends(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + [parts[-1]]


def robust_read(text: str, delimiter: str, width: int, max_field_bytes: int) -> Table:
    """Line-based parser that resynchronizes after broken quoting; never loses a record."""
    lines = text.split("\n")
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    rows: list[list[str] | None] = []
    bad: dict[int, str] = {}
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        fields, consumed, reason = _record_at(lines, i, delimiter, max_field_bytes)
        if fields is not None and len(fields) != width:
            fields, reason = None, f"{len(fields)} fields, expected {width}"
        if fields is None:
            bad[len(rows)] = reason
        rows.append(fields)
        i += consumed
    columns = _column_names(width)
    data = {name: [r[k] if r is not None else None for r in rows] for k, name in enumerate(columns)}
    frame = pl.DataFrame(data, schema={name: pl.String for name in columns})
    return Table(frame, bad=bad)


def _record_at(lines: list[str], i: int, delimiter: str, limit: int) -> tuple[list[str] | None, int, str]:
    """Parse the record starting at line ``i``: (fields or None, lines consumed, reason)."""
    line = lines[i]
    if QUOTE not in line:
        return line.split(delimiter), 1, ""
    try:
        fields = _parse_one(line, delimiter)
        return fields, 1, "broken quoting"
    except _OpenQuote:
        pass
    quotes, size, j = line.count(QUOTE), len(line.encode("utf-8")), i + 1
    while j < len(lines) and size <= limit:
        quotes += lines[j].count(QUOTE)
        size += len(lines[j].encode("utf-8")) + 1
        j += 1
        if quotes % 2:
            continue
        try:
            fields = _parse_one("\n".join(lines[i:j]), delimiter)
        except _OpenQuote:
            continue
        if fields is None:
            break
        return fields, j - i, ""
    return None, 1, "broken quoting (unterminated quote)"
