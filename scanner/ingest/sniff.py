"""What a delimited text's first lines say: its delimiter, and the width of its records."""

from __future__ import annotations

import csv
import re
from collections import Counter

from scanner.ingest.records import CR_STANDIN, NO_DELIMITER, QUOTE

CANDIDATES = (",", "\t", ";", "|")
SNIFF_BYTES = 1 << 16
_SNIFF_LINES = 200
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


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
        return [f.replace(CR_STANDIN, "\r") for f in next(csv.reader([line.replace("\r", CR_STANDIN)], delimiter=delimiter,
                                                               quotechar=QUOTE))]
    except csv.Error:
        return line.split(delimiter)
