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

    The chain picks a small integer per row (cheaper to carry through 25 branches than text);
    one lookup turns it into the name.
    """
    _, segments = load_segments()
    if not segments:
        return pl.lit(None, dtype=pl.String)
    length = national_number.str.len_chars()
    chain = None
    for k, seg in enumerate(segments):
        cond = (
            (country_code == seg.country_code)
            & national_number.str.starts_with(seg.prefix)
            & length.is_between(seg.min_len, seg.max_len)
        )
        chain = (pl.when(cond) if chain is None else chain.when(cond)).then(pl.lit(k, dtype=pl.UInt16))
    return chain.otherwise(None).replace_strict(
        list(range(len(segments))), [seg.segment for seg in segments], default=None, return_dtype=pl.String)
