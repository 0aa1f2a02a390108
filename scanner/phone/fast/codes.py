"""What the vectorized parser works with: row statuses (decided, unparseable, or sent to the
fallback for a reason), the input shapes it decides exactly, its output layout, and the
group sizes that choose an engine."""

from __future__ import annotations

import polars as pl

from scanner.phone.reference import PARSED_SCHEMA

UNPARSED = 0
FAST = 1
FALLBACK_SHAPE = 2
FALLBACK_PLUS_CC = 3
FALLBACK_REGION = 4
FALLBACK_METADATA = 5
FALLBACK_SMALL = 6
FALLBACK_REASONS = {
    FALLBACK_SHAPE: "shape",
    FALLBACK_PLUS_CC: "plus-cc",
    FALLBACK_REGION: "region",
    FALLBACK_METADATA: "metadata",
    FALLBACK_SMALL: "small-group",
}
# A group of values sharing a default region or a calling code costs a fixed few milliseconds
# to plan and compile; below this many values phonenumbers itself is cheaper. Pure performance:
# both paths give the same answers (the differential tests run with min_group=0).
MIN_GROUP = 200
# Plans over at least this many rows run on polars' streaming engine, smaller ones in memory.
STREAMING_MIN_ROWS = 20_000

_LEAD = r"[^\d+\uFF0B;]*"
_CORE = r"\+?[0-9 \-.()/]*[0-9]"
_TRAIL = r"[ \-.()/]*"
SHAPE_PLAIN = "^" + _LEAD + _CORE + _TRAIL + "$"
SHAPE_EXT = "^" + _LEAD + "(" + _CORE + r") ext\. ([0-9]{1,20})" + _TRAIL + "$"

OUT_SCHEMA = {"i": pl.UInt32, **PARSED_SCHEMA}
