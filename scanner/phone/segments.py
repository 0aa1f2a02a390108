"""Segment facts phonenumbers lacks, from the versioned table ``data/segments.csv``.

The table, not code, holds the prefixes: updating a segment is a data change with a new
``version`` line. Matching is a vectorized prefix test on the national significant number.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import polars as pl

SEGMENT_RULE = {
    "mvno": "PH008",
    "iot": "PH009",
    "relay": "PH011",
    "sms-port": "PH005",
    "service": "PH005",
    "short-code": "PH005",
    "toll-free": "PH005",
}


@dataclass(frozen=True)
class Segment:
    country_code: int
    prefix: str
    min_len: int
    max_len: int
    segment: str
    note: str


@lru_cache(maxsize=1)
def load_segments() -> tuple[str, tuple[Segment, ...]]:
    """(version, segments) from the packaged table; longest prefixes first."""
    text = resources.files("scanner.phone").joinpath("data/segments.csv").read_text("utf-8")
    version = "unknown"
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            if line.startswith("# version:"):
                version = line.split(":", 1)[1].strip()
            continue
        lines.append(line)
    segments = []
    for rec in csv.DictReader(lines):
        if rec["segment"] not in SEGMENT_RULE:
            raise ValueError(f"segments.csv: unknown segment {rec['segment']!r}")
        segments.append(
            Segment(int(rec["country_code"]), rec["prefix"], int(rec["min_len"]),
                    int(rec["max_len"]), rec["segment"], rec["note"])
        )
    segments.sort(key=lambda s: -len(s.prefix))
    return version, tuple(segments)


def segment_expr(country_code: pl.Expr, national_number: pl.Expr) -> pl.Expr:
    """The segment name of each number (longest matching prefix wins), null when none.

    One lookup per number on (calling code, leading digits, length): :func:`_segment_table`
    lists every key the table's rules decide, in their order of precedence. National numbers
    are ASCII digit strings (``national_significant_number``).
    """
    width, table = _segment_table()
    if not table:
        return pl.lit(None, dtype=pl.String)
    length = national_number.str.len_chars().cast(pl.Int64)
    head = national_number.str.slice(0, width).str.to_integer(strict=False)
    key = (country_code.cast(pl.Int64) * 10**width + head) * 100 + length
    return pl.when(length < 100).then(key).replace_strict(
        list(table), list(table.values()), default=None, return_dtype=pl.String)


@lru_cache(maxsize=1)
def _segment_table() -> tuple[int, dict[int, str]]:
    """(width, key -> segment): a number of length ``n`` whose first ``min(n, width)`` digits
    read ``head`` has key ``(country_code * 10**width + int(head)) * 100 + n``. ``width`` is
    the longest prefix, so ``(head, n)`` determines the digits compared; rules are entered
    longest prefix first and the first rule to claim a key keeps it, as in a chain of tests."""
    _, segments = load_segments()
    width = max((len(seg.prefix) for seg in segments), default=0)
    table: dict[int, str] = {}
    for seg in segments:
        if not seg.prefix.isdigit() or seg.max_len >= 100:
            raise ValueError(f"segments.csv: prefix {seg.prefix!r} or length {seg.max_len} out of range")
        for n in range(max(seg.min_len, len(seg.prefix)), seg.max_len + 1):
            fill = min(n, width) - len(seg.prefix)
            base = int(seg.prefix) * 10**fill
            for tail in range(10**fill):
                table.setdefault((seg.country_code * 10**width + base + tail) * 100 + n, seg.segment)
    return width, table
