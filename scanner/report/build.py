"""report.json: the scan's counts, findings, list evidence and input description, assembled
once the list stage is done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
import json
from importlib.metadata import version as _pkg_version
from pathlib import Path
from typing import Any, Iterable

import phonenumbers
import polars as pl

from scanner.decide import ActiveRules, finding_counts, list_verdict
from scanner.ingest import Ingested
from scanner.ingest.dates import readings_report
from scanner.report.aggregates import block_aggregates, consent_aggregates, example_rows, list_aggregates
from scanner.report.unmapped import unmapped_values, unreadable_rows
from scanner.policy import Policy
from scanner.privacy.keys import KeyMaterial
from scanner.review.decisions import DECISIONS
from scanner.codes import CODES

REPORT_SCHEMA = "contact-scanner/report/v1"
#: Malformed records the report lists (every one carries IN001).
BAD_RECORDS_LISTED = 100
#: the evidence of a consent time that stands for the consent
RECORDS_CONSENT = "no consent column: a time records the opt-in"


def tool_version() -> str:
    try:
        return _pkg_version("contact-scanner")
    except Exception:  # running from a source tree without metadata
        return "0.0.0+unknown"


@dataclass(frozen=True)
class ListEvidence:
    purchased: dict[str, Any]
    overlaps: list[dict[str, Any]]
    hard_signal: bool
    other_signal: bool
    facts: Any = None  # the signals' ListFacts (the report's chart aggregates read them)


def build_report(*, ing: Ingested, policy: Policy, as_of: dt.datetime, work: pl.LazyFrame,
                 col_findings, active: ActiveRules, keys: KeyMaterial,
                 evidence: ListEvidence, scan_id: str, unmapped: pl.DataFrame,
                 dup_numbers: int, pairs: pl.LazyFrame | None = None,
                 row_parts: Iterable[Path] = (),
                 suppress_counts: dict[str, int] | None = None, ledger_after: int = 0,
                 consent_from_time: str | None = None, consent_channel: str | None = None) -> dict[str, Any]:
    """report.json (docs/ARCHITECTURE.md). ``dup_numbers``: numbers with duplicate rows (from the
    duplicate stats: counting them over the rows is a group-by on every number). ``work``:
    one record per row (verdicts); ``pairs``: one per (row, number) (findings, duplicates),
    the same frame when there is one phone column; ``unmapped``:
    :func:`~scanner.report.unmapped.unmapped_counts` of every batch; ``row_parts``: the
    spilled row outputs (masked example rows are read from them); ``consent_from_time``: the
    consent time's header when its times stand for the consent; ``consent_channel``: the
    channel the consent header names."""
    multi = pairs is not None and pairs is not work
    pairs = work if pairs is None else pairs
    counts_by = work.select(
        pl.len().alias("total"),
        (pl.col("verdict") == "accept").sum().alias("accept"),
        (pl.col("verdict") == "review").sum().alias("review"),
        (pl.col("verdict") == "reject").sum().alias("reject"),
        *((pl.col("decision") == d).sum().alias(f"decided_{d}") for d in DECISIONS),
        pl.col("decision_stale").sum().alias("decision_stale"),
        *((pl.col("consent_from") == side).sum().alias(f"consent_{side}") for side in ("file", "ledger")),
        *([] if multi else [pl.col("is_duplicate").sum().alias("dup_rows")]),
    ).collect(engine="streaming").row(0, named=True)
    if multi:
        counts_by["dup_rows"] = pairs.select(pl.col("is_duplicate").sum()).collect(engine="streaming").item()
    total = int(counts_by["total"])
    counts = {v: int(counts_by[v]) for v in ("accept", "review", "reject")}
    unreadable = unreadable_rows(unmapped)
    by_code = finding_counts(pairs.select("finding_mask"), active)
    for f in col_findings:
        by_code[f.code] = by_code.get(f.code, 0) + 1
    findings = {c: int(by_code[c]) for c in CODES if c in by_code}
    dup_rows = int(counts_by["dup_rows"])

    purchased, overlaps = evidence.purchased, evidence.overlaps
    classes, provenance, masks = list_aggregates(work, pairs, active)
    if evidence.facts is not None:
        purchased = {**purchased, "blocks": block_aggregates(evidence.facts, policy.detect)}
        consent = consent_aggregates(evidence.facts, as_of=as_of, timezone=policy.campaign.timezone,
                                     max_age_days=policy.consent.max_age_days, classes=classes)
    else:
        consent = {"classes": classes}
    verdict = list_verdict(
        rows_total=total, rejected=counts["reject"], not_accepted=counts["review"] + counts["reject"],
        policy=policy, purchased_likely=purchased["likely"], hard_signal=evidence.hard_signal,
        other_signal=evidence.other_signal, column_findings=bool(col_findings),
    )
    return {
        "schema": REPORT_SCHEMA,
        "tool": {"name": "contact-scanner", "version": tool_version(),
                 "phonenumbers": phonenumbers.__version__, "polars": pl.__version__},
        "scan": {"id": scan_id, "as_of": as_of.isoformat(), "key_id": keys.key_id},
        "input": {
            "path": ing.path, "sha256": ing.sha256, "format": ing.format, "encoding": ing.encoding,
            "rows": total, "columns": dict(ing.columns),
            "phone_columns": [ing.columns[c] for c in ing.phone_columns],
            "extra_columns": list(ing.extra_columns),
            "has_header": ing.has_header, "title_rows": ing.title_rows,
            "inverted": sorted(ing.inverted),
            # the channel the consent header names, for rows whose channel cell is empty
            "consent_channel_from_header": consent_channel,
            # no consent column: the consent time's header whose times record the opt-in
            "consent_from_time": consent_from_time,
            **_mapping(ing, consent_from_time),
            "bad_records": [{"row": b.row, "line": b.line, "reason": b.reason}
                            for b in ing.bad_records[:BAD_RECORDS_LISTED]],
            "unmapped": unmapped_values(unmapped),
            "dates": {column: {**reading, "unreadable": unreadable.get(column, 0)}
                      for column, reading in readings_report(ing.date_formats, ing.columns).items()},
        },
        "policy": {"sha256": policy.sha256, "path": policy.path, "channel": policy.campaign.channel,
                   "purpose": policy.campaign.purpose, "region": policy.campaign.region,
                   "max_reject_share": policy.list.max_reject_share,
                   "max_consent_age_days": policy.consent.max_age_days},
        "rows": {"total": total, **counts},
        # rows whose verdict a person's stored decision set; ``stale``: a decision the row's
        # findings outgrew (or an expired approval), which no longer counts
        "review": {"rows_decided": sum(int(counts_by[f"decided_{d}"]) for d in DECISIONS),
                   **{d: int(counts_by[f"decided_{d}"]) for d in DECISIONS},
                   "stale": int(counts_by["decision_stale"])},
        "suppress": dict(suppress_counts or {}),
        "findings": findings,
        "rules": {c: {"name": CODES[c].name, "severity": active.severity.get(c, CODES[c].severity)}
                  for c in findings},
        "columns": [f.as_dict() for f in col_findings],
        "examples": example_rows(masks, active, row_parts, work),
        # (with where each row's consent came from: --consent-ledger merges with the file;
        # and the ledger's events timed after --as-of, which the scan does not use)
        "consent": {**consent, "from_file": int(counts_by["consent_file"]),
                    "from_ledger": int(counts_by["consent_ledger"]), "ledger_after_as_of": ledger_after},
        "provenance": provenance,
        "list": {
            "verdict": verdict,
            "reject_share": round(counts["reject"] / total, 6) if total else 0.0,
            "purchased": purchased,
            "duplicates": {"rows": dup_rows, "numbers": dup_numbers},
            "overlaps": overlaps,
        },
    }


def _mapping(ing: Ingested, from_time: str | None) -> dict[str, Any]:
    """``input.mapping``: every column's role, confidence and evidence, and the unused
    columns that look like a role (with the ``[columns]`` line that would use them). The
    consent time that stands for the consent says so (``records_consent``)."""
    if ing.column_report is None:
        return {}
    columns = [dict(c, records_consent=True, evidence=f"{c.get('evidence', '')}; {RECORDS_CONSENT}")
               if from_time and c.get("role") == "consent_time" else c
               for c in ing.column_report.columns]
    return {"mapping": {"columns": columns,
                        "unused": list(ing.column_report.unused)}}


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False) + "\n"

