"""Overlap evidence against the registry: report ``list.overlaps`` and DU003 rows.

Both work on the list's keyed phone tokens only. ``containment`` is the share of this
list's distinct valid numbers inside a registered list; ``jaccard`` is
``|A ∩ B| / |A ∪ B|``; ``exact`` means the same input file (sha256) or the same number set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # pragma: no cover
    from scanner.registry.store import Registry

REPORT_FIELDS = ("list", "containment", "jaccard", "shared", "source", "leaked", "exact")


def list_tokens(rows: pl.LazyFrame) -> pl.Series:
    """Distinct tokens of the list's valid numbers (what ``registry add`` stores, too)."""
    return (rows.filter(pl.col("valid").fill_null(False) & pl.col("phone_token").is_not_null())
            .select(pl.col("phone_token").unique()).collect().to_series())


def find_overlaps(registry: "Registry", tokens: pl.Series, *, input_sha256: str | None = None,
                  top: int = 10) -> list[dict]:
    """Registered lists sharing numbers with ``tokens`` (full precision, best first)."""
    return registry.overlaps(tokens, input_sha256=input_sha256, top=top)


def report_overlaps(matches: list[dict]) -> list[dict]:
    """The ``list.overlaps`` entries of report.json (shares rounded to 4 places)."""
    out = []
    for m in matches:
        entry = {k: m[k] for k in REPORT_FIELDS}
        entry["containment"] = round(entry["containment"], 4)
        entry["jaccard"] = round(entry["jaccard"], 4)
        out.append(entry)
    return out


def registered_tokens(registry: "Registry | None", tokens: pl.Series) -> pl.Series:
    """The subset of ``tokens`` present in some registered list (drives DU003).

    Use as ``pl.col("phone_token").is_in(registered_tokens(reg, tokens).implode())``.
    """
    if registry is None or tokens.len() == 0:
        return pl.Series("phone_token", [], dtype=pl.String)
    distinct = tokens.drop_nulls().unique()
    return distinct.filter(registry.contains(distinct)).alias("phone_token")
