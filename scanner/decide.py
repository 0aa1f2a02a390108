"""Severities -> row verdicts (accept / review / reject) and the list verdict (pass / review / fail)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scanner.policy import Policy
from scanner.rules import RULES


@dataclass(frozen=True)
class ActiveRules:
    """The rule codes a policy enables, with their effective severities."""

    severity: dict[str, str]

    @classmethod
    def from_policy(cls, policy: Policy) -> "ActiveRules":
        ignored = set(policy.rules.ignore)
        return cls({
            code: policy.severity_of(code, r.severity)
            for code, r in RULES.items() if code not in ignored
        })

    @property
    def row_codes(self) -> list[str]:
        return [c for c in self.severity if RULES[c].kind == "row"]


def finding_mask_expr(active: ActiveRules, codes: list[str] | None = None) -> pl.Expr:
    """``finding_mask``: one bit per active row rule (bit i = ``active.row_codes[i]``).

    Integer bits instead of a list column: building a list per row costs ~100x more than a
    bit sum, and a list has few distinct values, so :func:`findings_lookup` maps masks to
    lists once per distinct mask. ``codes``: only these rules' bits (same positions), for a
    partial mask that is completed later (the row kernel's ``local_mask``); the IN001
    override (:func:`only_in001`) then applies to the completed mask.
    """
    all_codes = active.row_codes
    if len(all_codes) > 63:
        raise ValueError("more than 63 row rules do not fit one UInt64 finding mask")
    chosen = all_codes if codes is None else codes
    if not chosen:
        return pl.lit(0, dtype=pl.UInt64).alias("finding_mask")
    bits = pl.sum_horizontal([pl.col(c).cast(pl.UInt64) * pl.lit(1 << all_codes.index(c), dtype=pl.UInt64)
                              for c in chosen])
    if codes is None:
        bits = only_in001(active, bits)
    return bits.alias("finding_mask")


def only_in001(active: ActiveRules, mask: pl.Expr) -> pl.Expr:
    """A malformed record (IN001) carries only IN001: its other columns are unreadable."""
    codes = active.row_codes
    if "IN001" not in codes:
        return mask
    bit = pl.lit(1 << codes.index("IN001"), dtype=pl.UInt64)
    return pl.when((mask & bit) != 0).then(bit).otherwise(mask)


def _level_mask(active: ActiveRules, level: str) -> int:
    return sum(1 << i for i, c in enumerate(active.row_codes) if active.severity[c] == level)


def verdict_expr(active: ActiveRules) -> pl.Expr:
    """``verdict`` from ``finding_mask``: any error bit -> reject, any warning bit -> review."""
    mask = pl.col("finding_mask")
    errors = pl.lit(_level_mask(active, "error"), dtype=pl.UInt64)
    warnings = pl.lit(_level_mask(active, "warning"), dtype=pl.UInt64)
    return (
        pl.when((mask & errors) != 0).then(pl.lit("reject"))
        .when((mask & warnings) != 0).then(pl.lit("review"))
        .otherwise(pl.lit("accept"))
        .alias("verdict")
    )


def findings_lookup(masks: pl.Series, active: ActiveRules) -> pl.DataFrame:
    """``finding_mask -> findings`` (codes in catalogue order) for the distinct masks given."""
    codes = active.row_codes
    distinct = masks.unique().drop_nulls().to_list()
    lists = [[c for i, c in enumerate(codes) if m >> i & 1] for m in distinct]
    return pl.DataFrame({"finding_mask": distinct, "findings": lists},
                        schema={"finding_mask": pl.UInt64, "findings": pl.List(pl.String)})


def finding_counts(masks: pl.Series | pl.LazyFrame, active: ActiveRules) -> dict[str, int]:
    """Rows per finding code (codes with no row left out), from the masks' distinct values:
    the same counts as exploding the findings lists, without building them. ``masks``: the
    ``finding_mask`` Series, or a LazyFrame with a ``finding_mask`` column (counted there)."""
    codes = active.row_codes
    if isinstance(masks, pl.LazyFrame):
        per_mask = masks.group_by("finding_mask").agg(pl.len().alias("n")).drop_nulls().collect(engine="streaming")
    else:
        per_mask = masks.drop_nulls().rename("finding_mask").value_counts(name="n")
    out: dict[str, int] = {}
    for i, code in enumerate(codes):
        n = int(per_mask.filter((pl.col("finding_mask") & (1 << i)) != 0).get_column("n").sum())
        if n:
            out[code] = n
    return out


def list_verdict(*, rows_total: int, rejected: int, not_accepted: int, policy: Policy,
                 purchased_likely: bool, hard_signal: bool, other_signal: bool,
                 column_findings: bool) -> str:
    """docs/ARCHITECTURE.md: fail on a likely purchase, a hard signal or too many rejects."""
    reject_share = rejected / rows_total if rows_total else 0.0
    if purchased_likely or hard_signal or reject_share > policy.list.max_reject_share:
        return "fail"
    if not_accepted or other_signal or column_findings:
        return "review"
    return "pass"
