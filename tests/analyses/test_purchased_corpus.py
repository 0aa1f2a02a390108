"""The statistical signals (LS002, LS003) hold their stated false-alarm rate on genuine
samples of the corpus (the model's figures: test_purchased_model.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evaluation.corpus import generate  # noqa: E402
from evaluation.evaluate import KEYS, run_sample  # noqa: E402
from scanner.analyses.purchased import DetectPolicy  # noqa: E402


def _statistical_false_alarms(kinds, lists, scale):
    """How many genuine lists fire a statistical signal (LS002/LS003), of how many."""
    fired = total = 0
    for kind in kinds:
        for seed in range(1000, 1000 + lists):
            result = run_sample(generate(kind, seed, KEYS, scale=scale))
            fired += any(code in ("LS002", "LS003") for code in result.fired)
            total += 1
    return fired, total


def test_statistical_signals_hold_their_false_alarm_rate_sampled():
    fired, total = _statistical_false_alarms(("genuine-city-crm", "genuine-national-ecommerce"), 6, 0.5)
    assert fired == 0, f"{fired} of {total} genuine lists fired a block or run signal"


@pytest.mark.slow
def test_statistical_signals_hold_their_false_alarm_rate_large():
    # block_alpha + run_alpha = 0.002 per list; over 200 lists the expected count is 0.4 and
    # P(>= 4 false alarms) < 0.001 under the stated rate.
    policy = DetectPolicy()
    fired, total = _statistical_false_alarms(("genuine-city-crm", "genuine-national-ecommerce"), 100, 3.0)
    assert fired <= 3, f"{fired} of {total} (stated {policy.block_alpha + policy.run_alpha:g} per list)"
