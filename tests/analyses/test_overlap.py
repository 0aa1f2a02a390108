"""Overlap evidence through evaluate_list: exact copies, resold and leaked lists, DU003."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evaluation.corpus import Population, _frame, _genuine_meta  # noqa: E402
from scanner.analyses.overlap import list_tokens, registered_tokens, report_overlaps  # noqa: E402
from scanner.analyses.purchased import evaluate_list  # noqa: E402
from scanner.privacy.keys import KeyMaterial  # noqa: E402
from scanner.registry import open_registry  # noqa: E402

KEYS = KeyMaterial.from_master(bytes(32))


def rows(n=800, seed=3):
    rng = random.Random(seed)
    nums = Population(rng, 2000).numbers(rng, n)
    return _frame(nums, *_genuine_meta(rng, n), KEYS, rng, 0.02, 0.02)


def by_code(result):
    return {s.code: s for s in result.signals}


def test_without_registry_overlap_signals_are_not_judged():
    result = evaluate_list(rows().lazy())
    assert "no registry" in by_code(result)["LS015"].detail
    assert result.overlaps == [] and result.du003_tokens.len() == 0


def test_reimport_of_the_same_list_is_a_hard_signal_but_not_purchase(tmp_path):
    frame = rows()
    reg = open_registry(tmp_path, key_id=KEYS.key_id)
    reg.add("spring-crm", list_tokens(frame.lazy()), source="store", input_sha256="ab" * 32)
    result = evaluate_list(frame.lazy(), registry=reg, input_sha256="ab" * 32, list_source="store")
    sig = by_code(result)
    assert sig["LS013"].fired and result.hard_signal and not result.likely
    assert not sig["LS015"].fired  # same source: a re-import, not a resale
    # the hard signal decides whatever the score, and the explanation says so
    assert result.report_purchased["explanation"].startswith("The list fails on LS013 (copy-of-registered-list)")
    assert result.overlaps[0]["exact"] and result.overlaps[0]["containment"] == 1.0
    assert report_overlaps(result.overlaps)[0] == {
        "list": "spring-crm", "containment": 1.0, "jaccard": 1.0, "shared": result.overlaps[0]["shared"],
        "source": "store", "leaked": False, "exact": True}


def test_list_inside_another_sources_list_is_likely_purchased(tmp_path):
    frame = rows(1200)
    reg = open_registry(tmp_path, key_id=KEYS.key_id)
    toks = list_tokens(frame.lazy())
    reg.add("vendor-x-2025", toks.head(1000), source="vendor-x")
    result = evaluate_list(frame.lazy(), registry=reg, list_source="partner-b")
    sig = by_code(result)
    assert sig["LS015"].fired and result.likely
    assert 0.8 < result.overlaps[0]["containment"] < 0.9


def test_leaked_overlap_fails_hard_and_marks_du003_rows(tmp_path):
    frame = rows(1000)
    reg = open_registry(tmp_path, key_id=KEYS.key_id)
    toks = list_tokens(frame.lazy())
    reg.add("courier-leak", toks.head(120), leaked=True)
    result = evaluate_list(frame.lazy(), registry=reg)
    assert by_code(result)["LS016"].fired and result.hard_signal
    assert sorted(result.du003_tokens.to_list()) == sorted(toks.head(120).to_list())
    marked = frame.with_columns(pl.col("phone_token").is_in(result.du003_tokens.implode()).alias("DU003"))
    assert marked.get_column("DU003").sum() >= 120  # duplicates of those numbers are marked too
    assert sorted(registered_tokens(reg, frame.get_column("phone_token")).to_list()) == sorted(
        toks.head(120).to_list())


def test_registry_error_is_reported_in_details_not_raised(tmp_path):
    reg = open_registry(tmp_path)
    (tmp_path / "registry.duckdb").write_bytes(b"garbage" * 10)  # corrupted after opening
    result = evaluate_list(rows().lazy(), registry=reg)
    assert "registry unavailable" in by_code(result)["LS013"].detail
