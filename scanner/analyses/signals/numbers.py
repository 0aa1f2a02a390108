"""Signals of the numbers themselves: invalid numbers, dense blocks, sequential runs (LS001–LS003)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from scanner.analyses.signals.blocks import _block_test
from scanner.analyses.signals.facts import ListFacts
from scanner.analyses.signals.registry import Signal, SignalResult, _judged_share, _pct, signal
from scanner.analyses.signals_stats import poisson_sf

if TYPE_CHECKING:  # pragma: no cover
    from scanner.policy import DetectPolicy


@signal("LS001", "invalid-numbers", "high share of unparseable, invalid or non-personal numbers",
        weight=0.3)
def invalid_numbers(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a list where many values are not a valid personal number
    (unparseable, invalid for their region, service/IoT/relay ranges).

    Why it matters: lists generated from number ranges or scraped from pages carry
    unassigned and non-personal numbers that a real customer base does not.

    Example: 30% of a vendor list fails validation while a CRM export shows 1-3%.
    """
    return _judged_share(s, facts.rows - facts.personal, facts.rows, policy.min_rows, policy.invalid_share,
                         "rows", "hold no valid personal number")


@signal("LS002", "dense-number-blocks",
        "number blocks far fuller than a genuine list of this size and spread would fill",
        weight=0.9)
def dense_blocks(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: blocks of 10,000 (or 1,000) consecutive numbers holding far more of
    the list than a genuine list of the same size and geographic spread would put there.

    Why it matters: lists made by enumerating number ranges (号段扫号) sit in a few blocks,
    even after unreachable numbers are filtered out (which removes the runs but not the
    density). Padding a genuine list with an enumerated block shows the same way.

    How it is judged: each block's count is tested against a negative binomial null
    (mean = numbers / estimated blocks in play, shape ``block_dispersion``), with
    Benjamini–Hochberg across blocks at ``block_alpha`` (half at each block size): a
    genuine list fires with probability at most ``block_alpha``.

    Example: 3,000 of 8,000 numbers share one block where at most 14 would be expected.
    """
    if facts.distinct < policy.block_min_count:
        return s.result(0, policy.block_min_count, False,
                        f"{facts.distinct} distinct numbers: too few to judge block density")
    tests = {size: _block_test(facts.blocks[size].get_column("count"), size, policy, policy.block_alpha / 2)
             for size in (10_000, 1_000)}
    main = tests[10_000]
    facts.extra["block_tests"] = tests  # the report's block-density chart draws the null from these
    hit = max(tests.values(), key=lambda t: (t["flagged"] > 0, t["numbers"]))
    fired = any(t["flagged"] for t in tests.values())
    facts.extra["dense_numbers"] = hit["numbers"] if fired else 0
    if fired:
        size = 10_000 if hit is main else 1_000
        detail = (f"{hit['flagged']} block(s) of {size:,} numbers hold {hit['numbers']:,} of the list's "
                  f"{facts.distinct:,} distinct numbers ({_pct(hit['numbers'] / facts.distinct)}); a genuine "
                  f"list of this size spread over ~{hit['spread']:,.0f} blocks would put at most {hit['limit']:,} "
                  f"in any one (false-alarm rate {policy.block_alpha:g})")
    else:
        detail = (f"fullest block holds {main['max']:,} of {facts.distinct:,} numbers; a genuine list of this "
                  f"size and spread allows up to {main['limit']:,} (false-alarm rate {policy.block_alpha:g})")
    return s.result(main["max"], main["limit"], fired, detail)


@signal("LS003", "sequential-runs", "far more consecutive numbers than chance allows", weight=0.8)
def sequential_runs(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: pairs of consecutive numbers (…0001, …0002) well beyond what the
    list's own block counts explain.

    Why it matters: a generated list walks number ranges; genuine numbers in a block are
    scattered, so a block holding ``c`` of its 10,000 numbers has about ``c(c-1)/10,000``
    consecutive pairs. The total is tested against that Poisson expectation at
    ``run_alpha`` and must exceed it by ``run_min_excess`` pairs.

    Example: 2,400 consecutive pairs and a run of 800 numbers where 30 pairs are expected.
    """
    expected, observed = facts.adjacent_expected, facts.adjacent_pairs
    p = poisson_sf(observed, expected) if observed else 1.0
    limit = int(expected + policy.run_min_excess)
    while poisson_sf(limit, expected) > policy.run_alpha:
        limit += max(1, int(math.sqrt(expected + 1) / 4))
    fired = p <= policy.run_alpha and observed - expected >= policy.run_min_excess
    detail = (f"{observed:,} pairs of consecutive numbers (longest run {facts.longest_run:,}) where the "
              f"list's block counts explain about {expected:,.1f}; fires from {limit:,} "
              f"(false-alarm rate {policy.run_alpha:g})")
    return s.result(observed, limit, fired, detail)
