"""Signals of the consent times (LS004–LS008)."""

from __future__ import annotations

import polars as pl
from typing import TYPE_CHECKING

from scanner.analyses.signals.blocks import _negbin_tails
from scanner.analyses.signals.facts import ListFacts
from scanner.analyses.signals.registry import Signal, SignalResult, _judged_share, _pct, signal
from scanner.analyses.signals_stats import benjamini_hochberg

if TYPE_CHECKING:  # pragma: no cover
    from scanner.policy import DetectPolicy


def _consent_not_judged(facts: ListFacts, policy: "DetectPolicy") -> str | None:
    """Why the time-of-day signals cannot judge this list, or None."""
    n, timed = facts.consent["n"] or 0, facts.consent["timed"] or 0
    if n >= policy.consent_min_rows and timed == 0:
        return "consent times carry dates only"
    if timed < policy.consent_min_rows:
        return f"{timed} rows carry a consent time of day; not judged below {policy.consent_min_rows}"
    return None


def _tick_us(c: dict) -> tuple[int, str]:
    return (60_000_000, "minute") if c["minute_only"] else (1_000_000, "second")


@signal("LS004", "bulk-stamped-consent", "many rows share one consent timestamp", weight=0.5)
def bulk_stamped(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: consent timestamps shared by many rows, more than arrivals at the
    list's own rate could produce.

    Why it matters: real consent is given one person at a time; a vendor who fabricates
    consent stamps a batch with one time. Each identical-timestamp group is tested against
    the list's arrival rate (negative binomial, Benjamini–Hochberg over the time span).
    Stamps without a time of day (dates only, read as local midnight) are not judged: a
    busy day looks the same.

    Example: 4,000 of 5,000 rows consented at 2024-03-01 10:00:00.
    """
    why = _consent_not_judged(facts, policy)
    c = facts.consent
    if why:
        return s.result(None, policy.bulk_share, False, "not judged: " + why)
    tick, unit = _tick_us(c)
    span_us = (c["last"] - c["first"]).total_seconds() * 1e6
    ticks = max(span_us / tick, 86_400_000_000 / tick) + 1
    rate = c["timed"] / ticks
    groups = c["groups"].filter(c["groups"] >= policy.bulk_min_group).sort(descending=True).to_list()
    pvals = _negbin_tails(groups, rate, policy.block_dispersion)
    k = benjamini_hochberg(pvals, policy.block_alpha, m=int(ticks))
    bulk_rows = sum(groups[:k])
    share = bulk_rows / c["timed"]
    fired = share >= policy.bulk_share
    detail = (f"{bulk_rows:,} of {c['timed']:,} consent times ({_pct(share)}) fall in {k} identical-"
              f"{unit} group(s) larger than the list's arrival rate allows; fires at {_pct(policy.bulk_share)}")
    return s.result(share, policy.bulk_share, fired, detail)


@signal("LS005", "machine-regular-consent", "consent times spaced by a constant gap", weight=0.5)
def machine_regular(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: consent times that follow each other at one constant interval.

    Why it matters: people arrive irregularly (gaps spread roughly exponentially); a
    script that backfills consent writes ``t, t+60s, t+120s, …``. The share of gaps equal
    to the most common gap is compared with what irregular arrivals at the same mean rate
    give (and must reach ``regular_share``).

    Example: 95% of gaps between consecutive consent times are exactly 30 seconds.
    """
    why = _consent_not_judged(facts, policy)
    if why:
        return s.result(None, policy.regular_share, False, "not judged: " + why)
    gaps: pl.DataFrame = facts.consent["gaps"]
    total = int(gaps.get_column("k").sum()) if gaps.height else 0
    if total < policy.consent_min_rows // 2:
        return s.result(None, policy.regular_share, False,
                        f"not judged: only {total} distinct consent times")
    tick, _unit = _tick_us(facts.consent)
    top = gaps.sort("k", "gap", descending=[True, False]).row(0, named=True)
    share = top["k"] / total
    mean_ticks = max(float(gaps.select((pl.col("gap") * pl.col("k")).sum()).item()) / total / tick, 1.0)
    d = max(top["gap"] / tick, 1.0)
    expected = (1 / mean_ticks) * (1 - 1 / mean_ticks) ** (d - 1) if mean_ticks > 1 else 1.0
    threshold = max(policy.regular_share, min(1.0, 5 * expected))
    fired = share >= threshold and share > 5 * expected
    detail = (f"{_pct(share)} of the gaps between consent times are one and the same interval "
              f"({top['gap'] / 1e6:g} s); irregular arrivals at this rate give about {_pct(expected)}; "
              f"fires at {_pct(threshold)}")
    return s.result(share, threshold, fired, detail)


@signal("LS006", "night-time-consent", "a large share of consent given between midnight and dawn",
        weight=0.35)
def night_consent(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: many consents given at night (00:00 to ``night_end_hour``, in the
    policy's time zone).

    Why it matters: people sign up by day; fabricated timestamps spread evenly over the
    clock put a quarter of them between 00:00 and 06:00, where genuine lists show a few
    percent.

    Example: 26% of consent times fall between 00:00 and 06:00.
    """
    why = _consent_not_judged(facts, policy)
    c = facts.consent
    if why:
        return s.result(None, policy.night_share, False, "not judged: " + why)
    share = c["night"] / c["timed"]
    fired = share >= policy.night_share
    detail = (f"{c['night']:,} of {c['timed']:,} consent times ({_pct(share)}) fall between 00:00 and "
              f"{policy.night_end_hour:02d}:00 local time; fires at {_pct(policy.night_share)}")
    return s.result(share, policy.night_share, fired, detail)


@signal("LS007", "consent-after-collection", "consent recorded after the number was collected",
        weight=0.25)
def consent_after_collection(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: rows whose consent time is more than a day after the time the number
    was collected (first contact).

    Why it matters: consent must precede use; consent dated after collection is usually
    backfilled to make a bought or scraped list look compliant.

    Example: 70% of rows were collected in 2023 and "consented" in 2025.
    """
    c = facts.consent
    return _judged_share(s, c["after_collected"], c["with_collected"] or 0, policy.consent_min_rows,
                         policy.after_collection_share, "rows carry both a consent and a collection time",
                         "record consent more than a day after collection")


@signal("LS008", "consent-before-source", "consent dated before its source existed", weight=0.4)
def consent_before_source(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: consent times earlier than the approved source's ``valid_from``.

    Why it matters: a sign-up form cannot collect consent before it went live; such
    times are invented.

    Example: rows attributed to the 2024 web-signup source carry 2021 consent times.
    """
    c = facts.consent
    return _judged_share(s, c["before"], c.get("judged") or 0, policy.consent_min_rows,
                         policy.before_source_share, "rows carry a consent time and a dated approved source",
                         "consented before their source's start date")
