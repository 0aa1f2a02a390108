"""The detector on the labeled corpus: no genuine list called purchased, every purchased
kind caught, and the stated false-alarm rate held on genuine samples."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evaluation.corpus import GENUINE_KINDS, PURCHASED_KINDS, generate  # noqa: E402
from evaluation.evaluate import KEYS, run_sample  # noqa: E402
from scanner.analyses.purchased import DetectPolicy  # noqa: E402


@pytest.mark.parametrize("kind", GENUINE_KINDS)
def test_genuine_lists_are_not_called_purchased(kind):
    for seed in range(4):
        sample = generate(kind, seed, KEYS, scale=0.3)
        result = run_sample(sample)
        assert not result.likely, (kind, seed, result.fired, result.score)
        assert not result.hard_signal


@pytest.mark.parametrize("kind", PURCHASED_KINDS)
def test_purchased_lists_are_caught(kind):
    for seed in range(4):
        sample = generate(kind, seed, KEYS, scale=0.3)
        result = run_sample(sample)
        assert result.likely, (kind, seed, result.fired, result.score)


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
