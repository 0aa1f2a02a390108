"""Stored decisions applied by a scan (docs/PRIVACY.md, "Review decisions").

An approval counts for a row while the row's findings are among those it covered (an
approval of CN003 does not cover a new CN002; a finding that went away needs no new look)
and while it is younger than ``[review] approval_max_age_days``; a rejection counts
whatever the row's findings became (new findings only confirm it). What it does to the
verdict:

* ``approve``: ``accept``, when every error finding of the row is one the policy lists in
  ``[review] approvable`` (warnings always can be); otherwise it does not count;
* ``reject`` and ``suppress``: ``reject``.

Findings stay as they are; rows.parquet gets ``decision`` and ``decided_at`` (null when no
decision counts) and the report counts the rows decided by a person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from scanner.decide import ActiveRules
from scanner.policy import NEVER_APPROVABLE, Policy

#: Columns a list part gains (beside ``verdict``, which a decision may change).
DECISION_COLUMNS = {"decision": pl.String, "decided_at": pl.Datetime("us", "UTC"), "decision_stale": pl.Boolean}


def codes_mask(codes: str, active: ActiveRules) -> int:
    """The finding-mask bits of comma-separated ``codes`` (codes no longer active: none)."""
    positions = {c: i for i, c in enumerate(active.row_codes)}
    return sum(1 << positions[c] for c in codes.split(",") if c in positions)


@dataclass(frozen=True)
class Honour:
    """The stored decisions of a scan, ready to join onto list parts by ``number_key``."""

    table: pl.DataFrame  # number_key, _decision, _covered (UInt64), _decided_at
    approvable_errors: int
    errors: int
    oldest_approval: dt.datetime | None

    @classmethod
    def build(cls, stored: pl.DataFrame, active: ActiveRules, policy: Policy, as_of: dt.datetime) -> "Honour | None":
        if not stored.height:
            return None
        masks = {c: codes_mask(c, active) for c in stored.get_column("codes").unique().to_list()}
        table = stored.select(
            "number_key", pl.col("decision").alias("_decision"),
            pl.col("codes").replace_strict(masks, return_dtype=pl.UInt64).alias("_covered"),
            pl.col("decided_at").alias("_decided_at"))
        codes = active.row_codes
        errors = sum(1 << i for i, c in enumerate(codes) if active.severity[c] == "error")
        approvable = sum(1 << i for i, c in enumerate(codes)
                         if c in policy.review.approvable and c not in NEVER_APPROVABLE)
        days = policy.review.approval_max_age_days
        oldest = None if days is None else as_of.astimezone(dt.timezone.utc) - dt.timedelta(days=days)
        return cls(table, approvable, errors, oldest)

    def apply(self, part: pl.LazyFrame) -> pl.LazyFrame:
        """``part`` (``number_key``, ``finding_mask``, ``verdict``) with the decisions that
        count applied (:data:`DECISION_COLUMNS` added)."""
        mask, decision = pl.col("finding_mask"), pl.col("_decision")
        covered = (mask & ~pl.col("_covered")) == 0
        approve = decision == "approve"
        fresh = pl.lit(True) if self.oldest_approval is None else (
            ~approve | (pl.col("_decided_at") >= pl.lit(self.oldest_approval)))
        allowed = ~approve | ((mask & pl.lit(self.errors & ~self.approvable_errors, dtype=pl.UInt64)) == 0)
        counts = (decision.is_not_null() & (~approve | (covered & fresh & allowed))).fill_null(False)
        return (part.join(self.table.lazy(), on="number_key", how="left", maintain_order="left")
                .with_columns(counts.alias("_counts"))
                .with_columns(
                    pl.when(pl.col("_counts") & approve).then(pl.lit("accept"))
                    .when(pl.col("_counts")).then(pl.lit("reject"))
                    .otherwise(pl.col("verdict")).alias("verdict"),
                    pl.when(pl.col("_counts")).then(decision).alias("decision"),
                    pl.when(pl.col("_counts")).then(pl.col("_decided_at")).alias("decided_at"),
                    (decision.is_not_null() & ~pl.col("_counts")).alias("decision_stale"))
                .drop("_decision", "_covered", "_decided_at", "_counts"))


def no_decisions(part: pl.LazyFrame) -> pl.LazyFrame:
    """``part`` with :data:`DECISION_COLUMNS` empty (no stored decision)."""
    return part.with_columns(pl.lit(None, dtype=t).alias(c) if t != pl.Boolean else pl.lit(False).alias(c)
                             for c, t in DECISION_COLUMNS.items())
