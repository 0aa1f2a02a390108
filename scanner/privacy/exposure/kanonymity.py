"""k-anonymity of the kept quasi-identifiers: the smallest group of rows sharing them, from
streaming group-bys on folded 64-bit hashes."""

from __future__ import annotations

from typing import Sequence

import polars as pl

from scanner.grouping import pass_filters
from scanner.privacy.exposure.outputs import STREAMING, Rows, row_count


QUASI_IDENTIFIERS = ("name_masked", "region", "type", "valid", "source", "consent", "carrier",
                     "city", "province")


def smallest_group(rows: Rows, columns: Sequence[str]) -> dict:
    """The smallest group of rows sharing ``columns``, and the rows in groups under 5.

    One streaming group-by on a 64-bit hash of the values (faster, and lighter, than
    grouping the values themselves); a second, independent hash per
    group shows that no two groups share the first (else: the group-by on the values).
    """
    return smallest_groups(rows, columns)[0]


def smallest_groups(rows: Rows, columns: Sequence[str], more: str | None = None) -> tuple[dict, dict | None]:
    """:func:`smallest_group` of ``columns``, and with ``more``, of ``columns`` and ``more`` (the second's
    hashes folded on from the first's: :func:`_hash` gives the same hashes as its own)."""
    sets = [list(columns), *([[*columns, more]] if more is not None else [])]
    hashed = [cols for cols in sets if cols]  # no column: every row in one group
    results = [None] * (len(sets) - len(hashed))
    if hashed:
        hashes = rows.lazy().select(_h0=_hash(hashed[0], 0), _h1=_hash(hashed[0], 1),
                                    **({"_m": pl.col(more)} if len(hashed) == 2 else {}))
        keys = [("_h0", "_h1")]
        if len(hashed) == 2:
            hashes = hashes.with_columns(_f0=_fold(pl.col("_h0"), pl.col("_m"), 0), _f1=_fold(pl.col("_h1"), pl.col("_m"), 1))
            keys.append(("_f0", "_f1"))

        def sizes(key: str, check: str, where: pl.Expr | None) -> tuple:
            groups = (hashes if where is None else hashes.filter(where)).group_by(_key=key).agg(
                pl.len().alias("size"), pl.col(check).min().alias("_lo"), pl.col(check).max().alias("_hi"))
            return _sizes(groups, shared=(pl.col("_lo") != pl.col("_hi")).any()).collect(engine=STREAMING).row(0)

        # The two group-bys one after the other (run together, both tables are held at once:
        # far more memory for little time saved), each in passes
        # (scanner.grouping: with the mask nearly every key is rare).
        height = row_count(rows)
        for key, check in keys:
            parts = [sizes(key, check, where) for where in pass_filters(height, pl.col(key))]
            ks = [k for k, _, _ in parts if k is not None]
            results.append((min(ks) if ks else None, sum(small or 0 for _, small, _ in parts),
                            any(shared for _, _, shared in parts)))
    out = []
    for cols, found in zip(sets, results):
        k, small, shared = found if found is not None else (None, None, False)
        if shared:  # two groups' values hash alike (~never)
            k, small, _ = _group_sizes(rows.lazy().group_by(cols).len("size"))
        if k is None:  # no quasi-identifier kept, or no row
            k, small = row_count(rows), 0
        out.append({"quasi_identifiers": cols, "k": int(k), "rows_k_lt_5": int(small)})
    return out[0], (out[1] if more is not None else None)


#: odd, so that folding a column's hash in (h * FOLD + hash) keeps every difference
FOLD = 0x9E3779B97F4A7C15


def _hash(columns: Sequence[str], seed: int) -> pl.Expr:
    """A 64-bit hash of a row's values in ``columns``: each column's own hash folded in,
    ``h * FOLD + hash`` (wrapping), cheaper than the hash of their struct. Rows whose
    values differ in one column's hash always differ (FOLD is odd, so invertible modulo
    2^64), in several by chance; :func:`smallest_group` checks the groups with a second seed."""
    folded = pl.col(columns[0]).hash(seed)
    for column in columns[1:]:
        folded = _fold(folded, pl.col(column), seed)
    return folded


def _fold(folded: pl.Expr, value: pl.Expr, seed: int) -> pl.Expr:
    return folded * pl.lit(FOLD, dtype=pl.UInt64) + value.hash(seed)


def _group_sizes(groups: pl.LazyFrame, shared: pl.Expr | None = None) -> tuple[int | None, int, bool]:
    """The smallest ``size`` of ``groups``, the sum of the sizes under 5, and ``shared``."""
    return _sizes(groups, shared).collect(engine=STREAMING).row(0)


def _sizes(groups: pl.LazyFrame, shared: pl.Expr | None = None) -> pl.LazyFrame:
    return groups.select(
        k=pl.col("size").min(),
        small=pl.col("size").filter(pl.col("size") < 5).cast(pl.Int64).sum(),
        shared=pl.lit(False) if shared is None else shared,
    )
