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

    def codes_at(self, level: str) -> list[str]:
        return [c for c in self.row_codes if self.severity[c] == level]


def verdict_exprs(active: ActiveRules) -> list[pl.Expr]:
    """``findings`` (list of codes, catalogue order) and ``verdict`` from the rule columns.

    A malformed record (IN001) carries only IN001: its other columns are unreadable.
    """
    codes = active.row_codes
    bad = pl.col("IN001") if "IN001" in codes else pl.lit(False)
    hit = {c: (pl.col(c) & (~bad if c != "IN001" else pl.lit(True))) for c in codes}

    def any_of(level: str) -> pl.Expr:
        level_codes = active.codes_at(level)
        return pl.any_horizontal([hit[c] for c in level_codes]) if level_codes else pl.lit(False)

    findings = (
        pl.concat_list([pl.when(hit[c]).then(pl.lit(c)) for c in codes]).list.drop_nulls()
        if codes else pl.lit([], dtype=pl.List(pl.String))
    )
    verdict = (
        pl.when(any_of("error")).then(pl.lit("reject"))
        .when(any_of("warning")).then(pl.lit("review"))
        .otherwise(pl.lit("accept"))
    )
    return [findings.alias("findings"), verdict.alias("verdict")]


def list_verdict(*, rows_total: int, rejected: int, not_accepted: int, policy: Policy,
                 purchased_likely: bool, hard_signal: bool, other_signal: bool,
                 column_findings: bool) -> str:
    """DESIGN.md §3: fail on a likely purchase, a hard signal or too many rejects."""
    reject_share = rejected / rows_total if rows_total else 0.0
    if purchased_likely or hard_signal or reject_share > policy.list.max_reject_share:
        return "fail"
    if not_accepted or other_signal or column_findings:
        return "review"
    return "pass"
