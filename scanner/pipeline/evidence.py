"""The list's evidence: purchased-list signals, registry overlaps and canary hits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from scanner.analyses.columns import data_categories
from scanner.ingest import Ingested
from scanner.pipeline.numbers import valid_tokens
from scanner.policy import Policy
from scanner.privacy.keys import KeyMaterial
from scanner.report.build import ListEvidence
from scanner.rowstore import SpilledTable


def registry_to_compare(registry: Any, state: Path, keys: KeyMaterial, policy: Policy):
    """The registry to compare against, or None (policy off, or no registry yet)."""
    if registry is False or not policy.registry.check:
        return None
    if registry is not None:
        return registry
    from scanner.registry.store import FILE_NAME, open_registry

    if not (state / FILE_NAME).exists():
        return None
    reg = open_registry(state, key_id=keys.key_id)
    # (the file may hold only decisions or the do-not-contact store: no list to compare with)
    return reg if reg.has_lists() else None


def list_evidence(work: pl.LazyFrame, numbers: SpilledTable, names: pl.DataFrame, ing: Ingested,
                   policy: Policy, reg, state: Path, keys: KeyMaterial, *,
                   list_source: str | None, model: str | None = None) -> ListEvidence:
    """Purchased/generated-list signals, registry overlaps and canary hits (list analyses)."""
    from scanner.analyses.purchased import evaluate_list
    from scanner.canary.canary import canary_signal, detect
    from scanner.canary.store import CanaryStore

    result = evaluate_list(
        work, numbers=numbers, name_counts=names, policy=policy.detect, registry=reg, input_sha256=ing.sha256,
        timezone=policy.campaign.timezone, source_windows=policy.sources,
        categories=data_categories(ing.extra_columns), list_source=list_source,
        tokens=valid_tokens(numbers) if reg is not None else None, model=model,
    )
    purchased = result.report_purchased
    canaries = CanaryStore.open(state, keys)  # (as detect_in_state; the tokens read only when there are canaries)
    hits = detect(numbers.get_column("phone_token"), canaries) if canaries.assignments else []
    canary = canary_signal(hits)
    purchased["signals"] = [*purchased["signals"], canary]
    hard = result.hard_signal or canary["fired"]
    if canary["fired"]:  # a canary proves the list is a leaked copy
        purchased["likely"] = True
        purchased["score"] = max(purchased["score"], 1.0)
    return ListEvidence(purchased, result.report_overlaps, hard, result.other_signal, result.facts)

