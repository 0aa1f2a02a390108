"""List signals that weigh enumeration against its innocent explanations (``LS018``–``LS024``).

Runs and dense blocks (LS002, LS003) also come from organisations that buy SIM cards in
batches, families on one plan and a shop's own city. These signals measure what tells
enumeration apart (:mod:`scanner.analyses.clusters`): how long the runs are, how many
blocks they spread over, how much of the list they hold, whether the clustered rows look
like the rest, and whether blocks were thinned at random; plus two consent-time patterns of
fabricated consent spread evenly over the clock or over the days. They are inputs of the
fitted models ``purchased/v2`` and later (:mod:`scanner.analyses.model`); ``fired`` marks
the pattern that points to enumeration or fabrication, which the model weighs with the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.analyses.clusters import CLUSTER_GAP, DENSE_CLUSTER, MIN_RUN, STEADY_SE, steady_se, steady_z
from scanner.analyses.signals.consent import _consent_not_judged
from scanner.analyses.signals.facts import ListFacts
from scanner.analyses.signals.registry import Signal, SignalResult, _pct, signal

if TYPE_CHECKING:  # pragma: no cover
    from scanner.policy import DetectPolicy

#: Lists with fewer distinct numbers are not judged by the number signals.
MIN_NUMBERS = 50


def _too_few(facts: ListFacts) -> str | None:
    if facts.distinct < MIN_NUMBERS:
        return f"not judged: {facts.distinct} distinct valid numbers (judged from {MIN_NUMBERS})"
    return None


def _early(facts: ListFacts, s: Signal, threshold: float, present: bool, absent: str) -> SignalResult | None:
    """The result when the list is too small to judge, or lacks the pattern (value 0)."""
    why = _too_few(facts)
    if why:
        return s.result(None, threshold, False, why)
    return None if present else s.result(0.0, threshold, False, absent)


@signal("LS018", "long-runs", "runs of consecutive numbers longer than organisations' batches", weight=0.0)
def long_runs(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: runs of consecutive numbers (at least three, …0001, …0002, …0003)
    whose median length is 20 or more.

    Why it matters: enumeration walks a range and makes long runs, many of them; colleagues
    with company SIM cards or a family plan make short ones (two to a few dozen).

    Example: 40 runs, median length 48, longest 900.
    """
    c = facts.clusters
    early = _early(facts, s, 20, c["runs"] > 0, f"no run of {MIN_RUN} or more consecutive numbers")
    if early:
        return early
    fired = c["run_median"] >= 20
    return s.result(c["run_median"], 20, fired,
                    f"{c['runs']:,} runs of {MIN_RUN}+ consecutive numbers, median length {c['run_median']:g}, "
                    f"longest {c['run_longest']:,}; fires at a median of 20")


@signal("LS019", "runs-in-few-blocks", "runs packed into few number blocks", weight=0.0)
def runs_in_few_blocks(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: the numbers in runs sit in few blocks of 10,000: 50 or more run
    numbers per block that holds a run.

    Why it matters: an enumerated range fills its blocks; organisations that hold batches
    are many, each in its own block (a trade-fair list's runs spread over as many blocks as
    companies).

    Example: 3,000 numbers in runs within 2 blocks.
    """
    c = facts.clusters
    early = _early(facts, s, 50, c["runs"] > 0, "no runs")
    if early:
        return early
    per = c["run_numbers"] / c["run_blocks"]
    return s.result(per, 50, per >= 50, f"{c['run_numbers']:,} numbers in runs over {c['run_blocks']:,} "
                    f"block(s) of 10,000: {per:,.1f} per block; fires at 50")


@signal("LS020", "share-in-runs", "most of the list is in runs", weight=0.0)
def share_in_runs(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: half the list's distinct numbers or more are in runs of consecutive
    numbers.

    Why it matters: an enumerated list is runs through and through; a genuine list with
    colleagues or families still has most of its numbers scattered.

    Example: 91% of the numbers are in runs.
    """
    why = _too_few(facts)
    c = facts.clusters
    if why:
        return s.result(None, 0.5, False, why)
    share = c["run_numbers"] / max(c["numbers"], 1)
    return s.result(share, 0.5, share >= 0.5, f"{c['run_numbers']:,} of {c['numbers']:,} distinct numbers "
                    f"({_pct(share)}) are in runs; fires at 50%")


def _p_text(p: float) -> str:
    return f"p = {p:.2g}"


@signal("LS021", "clustered-rows-differ", "rows of clustered numbers differ from the rest", weight=0.0)
def clustered_rows_differ(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: the rows whose numbers sit in clusters (three or more numbers at most
    16 apart) differ from the other rows in their sources, consent times (when, how spread,
    time of day, whether stamped) or names (placeholders), at p below one in a million.

    Why it matters: a bought block padded into a genuine list arrives with its own source,
    its own import day or placeholder names; colleagues and families sign up like everyone
    else. The smallest p-value is the value.

    Example: clustered rows all carry source "合作导入" (p = 1e-40).
    """
    cmp_ = facts.clusters.get("compare", {})
    if not cmp_.get("judged"):
        return s.result(None, 1e-6, False, "not judged: " + cmp_.get("why", "no clusters"))
    parts = {k: cmp_[k] for k in ("sources", "times", "clock", "stamped", "names") if cmp_.get(k)}
    what, (stat, p) = min(parts.items(), key=lambda kv: kv[1][1])
    fired = p < 1e-6
    return s.result(p, 1e-6, fired, f"{cmp_['rows']:,} rows of clustered numbers against {cmp_['others']:,} "
                    f"others: the largest difference is in {what} ({_p_text(p)}); fires below p = 1e-06")


@signal("LS022", "thinned-blocks", "dense stretches thinned at random, as an empty-number check leaves them",
        weight=0.0)
def thinned_blocks(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a fifth or more of the list in dense stretches (eight or more numbers
    at most 16 apart) where under 80% of the steps are to the very next number.

    Why it matters: an empty-number check keeps the live numbers of an enumerated range, at
    random: gaps of 2, 3, 4 … throughout. Organisations hold contiguous ranges: steps of one,
    with the odd hole.

    Example: 1,200 numbers in dense stretches, filled to 45%, 46% of steps of one.
    """
    c = facts.clusters
    early = _early(facts, s, 0.2, c["dense_clusters"] > 0,
                   f"no stretch of {DENSE_CLUSTER}+ numbers at most {CLUSTER_GAP} apart")
    if early:
        return early
    share = c["dense_numbers"] / max(c["numbers"], 1)
    fired = share >= 0.2 and c["dense_gap1"] < 0.8
    return s.result(share, 0.2, fired, f"{c['dense_numbers']:,} numbers ({_pct(share)}) in {c['dense_clusters']:,} "
                    f"dense stretch(es), filled to {_pct(c['dense_fill'])}, {_pct(c['dense_gap1'])} of steps to "
                    "the next number; fires from 20% of the list with under 80% such steps")


@signal("LS023", "even-clock", "consent times spread evenly over the 24 hours", weight=0.0)
def even_clock(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: consent times of day spread almost evenly over the clock (entropy of
    the hours at least 98% of the maximum).

    Why it matters: people sign up by day; a script that invents times draws them evenly.

    Example: as many consents at 03:00 as at 15:00.
    """
    why = _consent_not_judged(facts, policy)
    e = facts.consent.get("hour_entropy")
    if why or e is None:
        return s.result(None, 0.98, False, "not judged: " + (why or "no consent times"))
    return s.result(e, 0.98, e >= 0.98, f"consent hours spread to {_pct(e)} of an even spread; fires at 98%")


@signal("LS024", "steady-days", "consents spread over the days as evenly as a script's random times",
        weight=0.0)
def steady_days(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: consents per day that vary less than any genuine list's would: the
    day-to-day dispersion index (variance / mean) three or more standard errors below what
    the steadiest genuine sign-ups give (days varying as a gamma of shape 8, about 35% from
    day to day), counting no more than a script's even days could show at the list's size.

    Why it matters: sign-ups come in bursts (campaigns, weekends, seasons); times a script
    spreads over a date range are as even as a Poisson process (index 1). A short or sparse
    list cannot show the difference and is not held to it. The purchased-list model weighs
    the same standard errors, up to three.

    Example: 4,000 consents over 400 days with a dispersion index of 1.02.
    """
    why = _consent_not_judged(facts, policy)
    c = facts.consent
    z = steady_se(c)
    if why or z is None:
        return s.result(None, STEADY_SE, False, "not judged: " + (why or "consent times span fewer than 8 days"))
    return s.result(z, STEADY_SE, z >= STEADY_SE,
                    f"consents per day over {c['span_days']:,} days vary {c['dispersion']:.2f} times their mean "
                    f"({c['per_day']:.1f} a day), {z:.1f} standard errors below the steadiest genuine sign-ups; "
                    f"fires at {STEADY_SE:g}")


def steady_days_v3(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """LS024 as ``purchased/v2`` and ``v3`` report it (against days varying as a gamma of shape
    3, fired at four standard errors), so that their certificates re-scan to the same signals."""
    why = _consent_not_judged(facts, policy)
    c = facts.consent
    z = steady_z(c)
    if why or z is None:
        return s.result(None, 4.0, False, "not judged: " + (why or "consent times span fewer than 8 days"))
    return s.result(z, 4.0, z >= 4.0, f"consents per day over {c['span_days']:,} days vary {c['dispersion']:.2f} times "
                    f"their mean ({c['per_day']:.1f} a day), {z:.1f} standard errors below the steadiest genuine "
                    "sign-ups; fires at 4")


#: Signals that earlier models report their own way: code -> function, for those models' re-scans.
EARLIER_READINGS = {"LS024": steady_days_v3}
