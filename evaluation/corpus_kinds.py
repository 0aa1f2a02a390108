"""The hard kinds of the labelled list corpus: genuine lists whose numbers cluster for
innocent reasons, and purchased lists dressed to look genuine.

Genuine lists with clusters: trade-fair / B2B lists (colleagues whose employer bought SIM
cards in a batch: short runs over many blocks), HR and staff lists (one to four company
batches holding most of the staff), family plans (two to five adjacent numbers), a
single-city shop (a few hundred blocks, so chance neighbours), lists that grew over years
(sources and consent practice changed; one era may come from a partner with its own
batches), tiny lists, and lists with numbers only.

Purchased lists: enumeration (raw runs, or thinned by an empty-number check), bought blocks
padded into a genuine list, fabricated consent (times spread evenly over the clock, or on a
human daily curve but evenly over the days), and resold copies.

The parameters overlap on purpose: batch sizes of organisations reach the lengths of short
enumerated segments, the shop's blocks are as full as a small enumerated one, and half of the
purchased lists carry genuine-looking names, approved sources and human clock times.
"""

from __future__ import annotations

import datetime as dt
import random

from evaluation.corpus import (
    APPROVED, HOUR_WEIGHTS, SHANGHAI, UTC, Population, Sample, _fake_meta, _frame, _national, bursty_days,
    enumerate_block, real_name, template_name,
)
from scanner.privacy.keys import KeyMaterial

GENUINE_HARD = ("genuine-trade-fair", "genuine-hr-staff", "genuine-family-plans", "genuine-city-shop",
                "genuine-grown-years", "genuine-numbers-only")
PURCHASED_HARD = ("fabricated-even-times", "fabricated-human-times")


def clock_curve(rng: random.Random) -> list[float]:
    """A list's own daily curve: the population's, each hour varied by up to 40%."""
    return [w * rng.uniform(0.6, 1.4) for w in HOUR_WEIGHTS]


def human_meta(rng: random.Random, n: int, *, start=dt.datetime(2024, 1, 1), days: int = 700,
               sources=APPROVED, consent: bool = True, names: bool = True, placeholder: float = 0.03):
    """Genuine metadata: real names (a few missing or placeholders), the given sources,
    consent at bursty days on the list's daily curve, collection minutes before."""
    curve = clock_curve(rng)
    if consent:
        hours = rng.choices(range(24), weights=curve, k=n)
        stamps = [d.replace(hour=h, minute=rng.randrange(60), second=rng.randrange(60),
                            microsecond=rng.randrange(1_000_000), tzinfo=SHANGHAI).astimezone(UTC)
                  for d, h in zip(bursty_days(rng, n, start, days), hours)]
    else:
        stamps = [None] * n
    no_collect = rng.random() < 0.3
    collected = [None if no_collect or c is None else c - dt.timedelta(minutes=rng.randrange(0, 30)) for c in stamps]
    nm = [(real_name(rng) if rng.random() > placeholder else template_name(rng)) if names else None
          for _ in range(n)]
    return nm, [rng.choice(sources) for _ in range(n)], stamps, collected


def org_batch(rng: random.Random, size: int, fill: float) -> list[str]:
    """An organisation's SIM batch: ``size`` consecutive numbers of a random block, each
    still on the list with probability ``fill`` (departed staff, unlisted colleagues)."""
    return enumerate_block(rng, size, fill)


def _mix(rng, parts: list[list[str]]) -> list[str]:
    nums = list(dict.fromkeys(x for part in parts for x in part))
    rng.shuffle(nums)
    return nums


def generate_hard(kind: str, seed: int, keys: KeyMaterial, scale: float = 1.0) -> Sample:
    rng = random.Random(f"{kind}:{seed}")

    def size(lo: int, hi: int) -> int:
        return max(10, int(rng.randint(lo, hi) * scale))

    inv, dup = rng.uniform(0, 0.04), rng.uniform(0, 0.05)
    if kind == "genuine-trade-fair":
        n = size(300, 5_000)
        in_orgs = rng.uniform(0.1, 0.7)
        orgs: list[list[str]] = []
        while sum(map(len, orgs)) < n * in_orgs:
            orgs.append(org_batch(rng, int(rng.lognormvariate(1.8, 0.8)) + 2, rng.uniform(0.6, 1.0)))
        rest = _national(rng).numbers(rng, max(0, n - sum(map(len, orgs))))
        nums = _mix(rng, [*orgs, rest])
        meta = human_meta(rng, len(nums), start=dt.datetime(2025, 4, 1), days=rng.choice([2, 3, 4, 30, 365]),
                          sources=rng.choice([["expo-2025"], ["expo-2025", "web-signup"], APPROVED]))
        return Sample(kind, False, _frame(nums, *meta, keys, rng, inv, dup))
    if kind == "genuine-hr-staff":
        # an HR system's list, or a staff address book exported from DingTalk / WeCom (names
        # and mobiles only: no consent times, no sources), where every member of staff may
        # carry a company card
        directory = rng.random() < 0.4
        n = size(100, 3_000)
        batches = [org_batch(rng, max(3, int(n * rng.uniform(0.1, 0.6))), rng.uniform(0.7, 1.0))
                   for _ in range(rng.randint(1, 4))]
        nums = [x for b in batches for x in b][: int(n * rng.uniform(0.3, 1.0 if directory else 0.9))]
        nums = _mix(rng, [nums, Population(rng, rng.randint(300, 4_000)).numbers(rng, max(0, n - len(nums)))])
        meta = human_meta(rng, len(nums), start=dt.datetime(2018, 1, 1), days=rng.randint(200, 2_500),
                          sources=[None] if directory else rng.choice([["hr-system"], ["hr-system", "app"]]),
                          consent=not directory and rng.random() < 0.8)
        return Sample(kind, False, _frame(nums, *meta, keys, rng, inv / 2, dup / 2))
    if kind == "genuine-family-plans":
        n = size(500, 8_000)
        pop = Population(rng, rng.randint(800, 6_000))
        share = rng.uniform(0.1, 0.6)
        families = [org_batch(rng, rng.randint(2, 5), 1.0) for _ in range(int(n * share / 3))]
        nums = _mix(rng, [*families, pop.numbers(rng, max(0, n - sum(map(len, families))))])
        meta = human_meta(rng, len(nums), sources=rng.choice([["store"], APPROVED]))
        return Sample(kind, False, _frame(nums, *meta, keys, rng, inv, dup))
    if kind == "genuine-city-shop":
        n = size(300, 8_000)
        nums = Population(rng, rng.randint(150, 800)).numbers(rng, n)
        meta = human_meta(rng, n, sources=["store"], days=rng.randint(90, 1_500), placeholder=rng.uniform(0, 0.3))
        return Sample(kind, False, _frame(nums, *meta, keys, rng, inv, dup))
    if kind == "genuine-grown-years":
        eras = rng.randint(2, 5)
        parts, metas = [], []
        start = dt.datetime(2016, 1, 1)
        for e in range(eras):
            m = size(200, 3_000)
            if rng.random() < 0.3:  # a partner's B2B era: its customers' company batches
                nums = [x for _ in range(rng.randint(2, 30)) for x in org_batch(rng, rng.randint(3, 40), 0.9)]
            else:
                nums = Population(rng, rng.randint(800, 6_000)).numbers(rng, m)
            src = rng.choice(["legacy-crm", "web-signup", "store", "app", "partner-a", None])
            metas.append(human_meta(rng, len(nums), start=start, days=rng.randint(200, 700),
                                    sources=[src], consent=e > 0 or rng.random() < 0.5))
            parts.append(nums)
            start += dt.timedelta(days=rng.randint(200, 700))
        nums = [x for p in parts for x in p]
        cols = [sum((list(m[i]) for m in metas), []) for i in range(4)]
        seen: set[str] = set()
        keep = []
        for i, x in enumerate(nums):  # a number on the list twice keeps its first era
            if x not in seen:
                seen.add(x)
                keep.append(i)
        return Sample(kind, False, _frame([nums[i] for i in keep], *([c[i] for i in keep] for c in cols),
                                          keys, rng, inv, dup))
    if kind == "genuine-numbers-only":
        n = size(60, 5_000)
        nums = Population(rng, rng.randint(300, 6_000)).numbers(rng, n)
        meta = human_meta(rng, n, consent=False, names=False)
        return Sample(kind, False, _frame(nums, meta[0], [None] * n, meta[2], meta[3], keys, rng, inv, dup))
    if kind in ("fabricated-even-times", "fabricated-human-times"):
        n = size(300, 10_000)
        nums = _national(rng).numbers(rng, n)
        if kind == "fabricated-even-times":
            base = dt.datetime(2025, 1, 1, tzinfo=UTC)
            span = rng.randint(30, 700) * 86_400
            consent = [base + dt.timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(10 ** 6))
                       for _ in range(n)]
        else:
            days = rng.randint(60, 700)
            start = dt.datetime(2024, 6, 1)
            hours = rng.choices(range(24), weights=clock_curve(rng), k=n)
            consent = [(start + dt.timedelta(days=rng.randrange(days))).replace(
                hour=h, minute=rng.randrange(60), second=rng.randrange(60), tzinfo=SHANGHAI).astimezone(UTC)
                for h in hours]
        disguised = rng.random() < 0.6
        if disguised:
            names = [real_name(rng) for _ in range(n)]
            srcs = [rng.choice(APPROVED)] * n if rng.random() < 0.5 else [rng.choice(APPROVED) for _ in range(n)]
        else:
            names, srcs, _, _ = _fake_meta(rng, n, "none")
        collected = [None] * n if rng.random() < 0.5 else list(consent)
        return Sample(kind, True, _frame(nums, names, srcs, consent, collected, keys, rng, inv, dup / 2))
    raise ValueError(f"unknown kind {kind!r}")
