"""LS signals one by one on small synthetic frames of the scan's contract, the scoring
model, DetectPolicy validation and the no-plaintext rule for details."""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evaluation.corpus import Population, _frame, _genuine_meta, enumerate_block  # noqa: E402
from scanner.analyses.purchased import MODEL, MODEL_V1, V1_SIGNALS, DetectPolicy, evaluate_list, score_signals  # noqa: E402
from scanner.analyses.signals import SIGNALS  # noqa: E402
from scanner.analyses.signals_stats import benjamini_hochberg, negbin_sf, poisson_sf  # noqa: E402
from scanner.errors import PolicyError  # noqa: E402
from scanner.privacy.keys import KeyMaterial  # noqa: E402

KEYS = KeyMaterial.from_master(bytes(32))
UTC = dt.timezone.utc


def genuine(n=2000, seed=1, **meta):
    rng = random.Random(seed)
    nums = Population(rng, 3000).numbers(rng, n)
    names, srcs, consent, collected = _genuine_meta(rng, n)
    cols = {"names": names, "sources": srcs, "consent_at": consent, "collected_at": collected}
    cols.update(meta)
    return nums, cols, rng


def frame(nums, cols, rng):
    return _frame(nums, cols["names"], cols["sources"], cols["consent_at"], cols["collected_at"], KEYS, rng)


def fired(result):
    return set(result.fired)


def test_catalogue_is_documented():
    assert len(SIGNALS) == 23
    for code, s in SIGNALS.items():
        assert code.startswith("LS") and s.name == s.name.lower() and " " not in s.name
        assert "What it flags" in s.doc and "Why it matters" in s.doc and "Example" in s.doc
        # purchased/v1's noisy-or weights; the later signals are inputs of the fitted models only
        assert (0 < s.weight < 1) if code in V1_SIGNALS else s.weight == 0.0


def test_genuine_list_fires_nothing_and_reports_every_signal():
    result = evaluate_list(frame(*genuine()).lazy())
    assert fired(result) == set() and result.score < 0.2 and not result.likely
    assert score_signals(result.signals) == 0.0
    report = result.report_purchased
    assert report["model"] == MODEL
    assert [s["code"] for s in report["signals"]] == list(SIGNALS)
    assert set(report["signals"][0]) >= {"code", "name", "value", "threshold", "fired", "detail"}
    json.dumps(report)


def test_enumerated_block_fires_density_and_runs():
    nums, cols, rng = genuine(2000)
    pad = enumerate_block(rng, 400)
    n = len(pad)
    more = _genuine_meta(rng, n)
    for key, extra in zip(("names", "sources", "consent_at", "collected_at"), more):
        cols[key] = cols[key] + extra
    rows = frame(nums + pad, cols, rng).lazy()
    result = evaluate_list(rows)
    assert {"LS002", "LS003", "LS018", "LS019"} <= fired(result)
    # v1 calls any dense block purchased; v2 weighs it (a 400-number range with the same
    # metadata as the rest is what an organisation's SIM batch looks like)
    assert evaluate_list(rows, model=MODEL_V1).likely


def test_filtered_enumeration_without_runs_is_caught_by_density():
    rng = random.Random(5)
    nums, cols, rng = genuine(3000, seed=5)
    block = "1381234"
    pad = [block + f"{i:04d}" for i in range(0, 10_000, 7)][:600]   # no consecutive numbers at all
    for key, extra in zip(("names", "sources", "consent_at", "collected_at"), _genuine_meta(rng, len(pad))):
        cols[key] = cols[key] + extra
    result = evaluate_list(frame(nums + pad, cols, rng).lazy())
    assert "LS002" in fired(result) and "LS003" not in fired(result)
    assert evaluate_list(frame(nums + pad, cols, rng).lazy(), model=MODEL_V1).likely
    detail = next(s for s in result.signals if s.code == "LS002").detail
    assert "1381234" not in detail and "138" not in detail


def test_bulk_regular_and_night_consent():
    nums, cols, rng = genuine(1000)
    base = dt.datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    bulk = dict(cols, consent_at=[base] * 1000, collected_at=[None] * 1000)
    assert "LS004" in fired(evaluate_list(frame(nums, bulk, rng).lazy()))
    regular = dict(cols, consent_at=[base + dt.timedelta(seconds=30 * i) for i in range(1000)])
    assert "LS005" in fired(evaluate_list(frame(nums, regular, rng).lazy()))
    uniform = dict(cols, consent_at=[base + dt.timedelta(seconds=rng.randrange(300 * 86400)) for _ in range(1000)])
    assert "LS006" in fired(evaluate_list(frame(nums, uniform, rng).lazy()))


def test_date_only_consent_is_not_judged_for_bulk_stamps():
    nums, cols, rng = genuine(1000)
    days = [dt.datetime(2025, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))) + dt.timedelta(days=i % 20)
            for i in range(1000)]
    result = evaluate_list(frame(nums, dict(cols, consent_at=days), rng).lazy())
    ls004 = next(s for s in result.signals if s.code == "LS004")
    assert not ls004.fired and "dates only" in ls004.detail


def test_consent_after_collection_and_before_source():
    nums, cols, rng = genuine(500)
    late = dict(cols, collected_at=[c - dt.timedelta(days=400) for c in cols["consent_at"]])
    assert "LS007" in fired(evaluate_list(frame(nums, late, rng).lazy()))
    windows = {s: (dt.date(2025, 6, 1), None) for s in ("web-signup", "store", "app")}
    result = evaluate_list(frame(nums, cols, rng).lazy(), source_windows=windows)
    assert "LS008" in fired(result)


def test_provenance_names_and_volume():
    nums, cols, rng = genuine(6000)
    n = len(nums)
    traded = dict(cols, sources=["数据导入"] * n, names=["先生" if i % 2 else "客户12" for i in range(n)])
    result = evaluate_list(frame(nums, traded, rng).lazy())
    assert {"LS010", "LS011", "LS012"} <= fired(result)
    assert evaluate_list(frame(nums, traded, rng).lazy(), model=MODEL_V1).likely
    contrib = {s["code"]: s["contribution"] for s in result.report_purchased["signals"]}
    assert contrib["LS010"] > 0 and contrib["LS011"] > 0  # held against the list by v2 too
    missing = dict(cols, sources=[None] * n, names=[None] * n)
    result = evaluate_list(frame(nums, missing, rng).lazy())
    assert "LS009" in fired(result) and "LS011" not in fired(result)  # no name column: not judged


def test_volume_threshold_drops_with_sensitive_categories():
    nums, cols, rng = genuine(600)
    rows = frame(nums, dict(cols, sources=[None] * 600), rng).lazy()
    assert "LS012" not in fired(evaluate_list(rows))
    assert "LS012" in fired(evaluate_list(rows, categories={"transaction"}))
    ls = next(s for s in evaluate_list(rows, categories={"location"}).signals if s.code == "LS012")
    assert ls.fired and ls.threshold == 50


def test_invalid_share():
    nums, cols, rng = genuine(500)
    rows = _frame(nums, cols["names"], cols["sources"], cols["consent_at"], cols["collected_at"], KEYS, rng,
                  invalid_share=0.4)
    assert "LS001" in fired(evaluate_list(rows.lazy()))


def test_details_never_carry_a_number():
    nums, cols, rng = genuine(2000)
    pad = enumerate_block(rng, 600)
    for key, extra in zip(("names", "sources", "consent_at", "collected_at"), _genuine_meta(rng, len(pad))):
        cols[key] = cols[key] + extra
    rows = frame(nums + pad, cols, rng)
    text = json.dumps(evaluate_list(rows.lazy()).report_purchased, ensure_ascii=False)
    for nn in rows.get_column("national_number").to_list():
        assert nn not in text
        assert nn[:7] not in text  # no number block either


def test_small_lists_are_not_judged_statistically():
    nums, cols, rng = genuine(50)
    result = evaluate_list(frame(nums, cols, rng).lazy())
    assert not result.likely and fired(result) == set()


def test_scoring_is_noisy_or():
    sigs = [s for s in evaluate_list(frame(*genuine(200))).signals]
    on = [type(s)(**{**s.__dict__, "fired": True}) for s in sigs if s.code in ("LS004", "LS010")]
    assert score_signals(on) == pytest.approx(1 - (1 - 0.5) * (1 - 0.3))
    assert score_signals(sigs) == 0.0


def test_detect_policy_defaults_and_validation():
    p = DetectPolicy()
    assert p.likely_score == 0.6 and p.volume_ordinary == 5000
    assert DetectPolicy.from_dict({"block_alpha": 0.01, "volume_ordinary": 6000}).block_alpha == 0.01
    for bad in ({"nope": 1}, {"block_alpha": 0.0}, {"likely_score": 2}, {"min_rows": 1.5},
                {"night_share": "high"}, {"volume_sensitive": 9000}, {"bulk_min_group": True}):
        with pytest.raises(PolicyError):
            DetectPolicy.from_dict(bad)


def test_tail_functions():
    assert poisson_sf(0, 3.0) == 1.0 and poisson_sf(3, 0.5) == pytest.approx(0.0143876779669706)
    assert negbin_sf(3, 1.0, 1.0) == pytest.approx(0.125)
    assert benjamini_hochberg([1e-6, 0.01, 0.02], 0.05, m=1000) == 1
    assert benjamini_hochberg([], 0.05, m=0) == 0


def test_date_only_stamps_mixed_with_timed_ones_are_not_read_as_night_or_bulk():
    nums, cols, rng = genuine(1000)
    midnight = dt.datetime(2025, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    mixed = [midnight + dt.timedelta(days=i % 30) if i % 5 < 3 else c for i, c in enumerate(cols["consent_at"])]
    result = evaluate_list(frame(nums, dict(cols, consent_at=mixed), rng).lazy())
    assert not {"LS004", "LS005", "LS006"} & fired(result)
