"""segment_expr agrees with the segment table read as a chain of rules (longest prefix first)."""

from __future__ import annotations

import random

import polars as pl

from scanner.phone.segments import load_segments, segment_expr


def chain(cc: int | None, nsn: str | None) -> str | None:
    """The table's meaning, one number at a time: the first rule (longest prefix first) whose
    calling code, prefix and length range all fit."""
    if cc is None or nsn is None:
        return None
    for seg in load_segments()[1]:
        if cc == seg.country_code and nsn.startswith(seg.prefix) and seg.min_len <= len(nsn) <= seg.max_len:
            return seg.segment
    return None


def test_segment_expr_matches_the_rule_chain():
    rng = random.Random(3)
    prefixes = sorted({seg.prefix for seg in load_segments()[1]}) + ["", "0", "1", "9"]
    rows = [(None, "13800138000"), (86, None), (86, ""), (86, "0"), (None, None)]
    for _ in range(30_000):
        head = rng.choice(prefixes)
        n = rng.randint(len(head), 22)
        nsn = head + "".join(rng.choice("0123456789") for _ in range(n - len(head)))
        rows.append((rng.choice([86, 86, 86, 1, 44, 852]), nsn))
    frame = pl.DataFrame(rows, schema={"cc": pl.Int32, "nsn": pl.String}, orient="row")
    got = frame.select(segment_expr(pl.col("cc"), pl.col("nsn"))).to_series().to_list()
    want = [chain(cc, nsn) for cc, nsn in rows]
    assert got == want
    assert len({w for w in want if w}) >= 5  # the sample reaches most segments
