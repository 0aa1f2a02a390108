"""Group-bys whose keys are mostly rare, in memory that does not grow with the rows.

polars' streaming group-by pre-aggregates the keys it sees often and keeps the rows of the
others until its input ends (pola-rs/polars#22285), so a group-by whose keys are mostly
rare (a consent time, a row's masked number with its quasi-identifiers) holds nearly every
row (gigabytes at 90M rows for the k-anonymity groups). Split into passes, each over the rows
whose key's hash falls in one slice, a pass holds only its share, and every group is whole
in one pass, so the passes' results are the group-by's.
"""

from __future__ import annotations

import polars as pl

#: Rows per pass (about 0.2-0.6 GB held by a pass, depending on the key and aggregates).
GROUP_PASS_ROWS = 25_000_000


def pass_filters(rows: int, key: pl.Expr) -> list[pl.Expr | None]:
    """Filters splitting a group-by on ``key`` over ``rows`` rows into passes of about
    :data:`GROUP_PASS_ROWS` rows (``[None]``: one pass, no filter)."""
    passes = max(1, -(-rows // GROUP_PASS_ROWS))
    if passes == 1:
        return [None]
    return [key.hash(0x5EED) % passes == p for p in range(passes)]
