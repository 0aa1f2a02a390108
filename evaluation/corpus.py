"""Labeled corpus of genuine and purchased contact lists for the purchased-list detector.

Every list is generated from a seed, as the scan's row frame (the input contract of
:func:`scanner.analyses.purchased.evaluate_list`), so the evaluation runs without files.

Population model (genuine lists):

* the CN mobile number space is cut into 7-digit blocks (prefix + H-code, 10,000 numbers
  each) over the 3-digit prefixes phonenumbers accepts as MOBILE everywhere;
* a city holds a few thousand blocks, the country ~470,000; each block's share of the
  subscribers varies (gamma, shape 2: the busiest blocks hold several times the average);
* a customer's number is a block drawn by weight and a uniform 4-digit suffix;
* people consent one at a time: arrival days over up to two years, clock times following
  a daytime activity curve (≈4% between 00:00 and 06:00), collection a few minutes before
  consent; names are real-looking (a few "王先生"-style entries), sources approved;
  ~2% of rows are invalid numbers and ~2% repeat an earlier number.

Purchased lists: enumerated number blocks (raw runs, and filtered to the "live" numbers
an empty-number check keeps), fabricated consent (bulk stamps, machine-regular gaps,
uniform clock times) on real-looking numbers, resold copies of a list registered under
another vendor's name, and genuine lists padded with an enumerated block. Half of the
enumerated and padded lists come with disguised metadata (real-looking names, an approved
source, human consent times), so the number evidence has to carry them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import polars as pl

from scanner.privacy.keys import KeyMaterial
from scanner.privacy.tokens import token_expr

MOBILE_PREFIXES = (
    [str(p) for p in range(130, 140)] + ["145", "147", "150", "151", "152", "153", "155", "156", "157",
                                          "158", "159", "166", "172", "173", "175", "176", "177", "178"]
    + [str(p) for p in range(180, 190)] + ["190", "191", "192", "193", "195", "196", "197", "198", "199"]
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉鹏飞宇浩然欣怡子涵梓轩雨婷佳琪俊杰"
TEMPLATE_NAMES = ["先生", "女士", "客户", "用户", "Mr", "Ms", "客户{}", "会员{}"]
APPROVED = ["web-signup", "store", "app"]
#: every source the corpus's policy approves (the genuine kinds' own sources too)
APPROVED_ALL = (*APPROVED, "expo-2025", "hr-system", "legacy-crm", "partner-a")
UTC = dt.timezone.utc
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
#: hourly activity weights (local time) for genuine sign-ups: ~4% before 06:00
HOUR_WEIGHTS = [1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.5, 3, 4.5, 6, 6.5, 6.5, 6, 6, 6.5, 6.5, 6, 5.5, 5.5, 6.5,
                7, 6.5, 5, 3]
GENUINE_KINDS = ("genuine-city-crm", "genuine-national-ecommerce", "genuine-tiny", "genuine-expo-day",
                 "genuine-trade-fair", "genuine-hr-staff", "genuine-family-plans", "genuine-city-shop",
                 "genuine-grown-years", "genuine-numbers-only")
PURCHASED_KINDS = ("enumerated-runs", "enumerated-filtered", "fabricated-consent", "fabricated-even-times",
                   "fabricated-human-times", "resold-copy", "padded")
KINDS = GENUINE_KINDS + PURCHASED_KINDS


@dataclass
class Sample:
    kind: str
    purchased: bool
    rows: pl.DataFrame
    #: lists to register before evaluating (name, source, leaked, e164 numbers)
    registered: list[tuple[str, str, bool, list[str]]] = field(default_factory=list)
    list_source: str | None = None


class Population:
    """A weighted set of 7-digit blocks: a city or the whole country."""

    def __init__(self, rng: random.Random, n_blocks: int | None):
        if n_blocks is None:  # the country: every block of every prefix
            self.blocks = [p + f"{h:04d}" for p in MOBILE_PREFIXES for h in range(10_000)]
        else:
            seen: set[str] = set()
            while len(seen) < n_blocks:
                seen.add(rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10_000):04d}")
            self.blocks = sorted(seen)
        weights = [rng.gammavariate(2.0, 0.5) for _ in self.blocks]
        total, acc = 0.0, []
        for w in weights:
            total += w
            acc.append(total)
        self.cum = acc

    def numbers(self, rng: random.Random, n: int, exclude: set[str] | None = None) -> list[str]:
        out: list[str] = []
        seen = set(exclude or ())
        while len(out) < n:
            for b in rng.choices(self.blocks, cum_weights=self.cum, k=n - len(out)):
                num = b + f"{rng.randrange(10_000):04d}"
                if num not in seen:
                    seen.add(num)
                    out.append(num)
        return out


def enumerate_block(rng: random.Random, length: int, keep: float = 1.0) -> list[str]:
    """Consecutive numbers from a random point of a random block; ``keep`` < 1 models an
    empty-number filter that keeps only the live share (breaking the runs)."""
    block = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10_000):04d}"
    start = rng.randrange(0, 10_000 - min(length, 10_000) + 1)
    nums = [block + f"{i:04d}" for i in range(start, min(start + length, 10_000))]
    return [x for x in nums if rng.random() < keep]


def real_name(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return rng.choice(SURNAMES) + rng.choice(["先生", "女士"])
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def template_name(rng: random.Random) -> str | None:
    t = rng.choice(TEMPLATE_NAMES + [None, None])
    return t.format(rng.randrange(1, 99_999)) if t and "{}" in t else t


def bursty_days(rng: random.Random, n: int, start: dt.datetime, days: int) -> list[dt.datetime]:
    """Sign-up days: each day's popularity is gamma-distributed (campaigns, weekends,
    seasons), shape 0.3 (a few big days) to 5 (steadier than the model assumes of any
    genuine list: scanner.analyses.model.BURST_SHAPE)."""
    days = max(days, 1)
    shape = rng.uniform(0.3, 5.0)
    weights = [rng.gammavariate(shape, 1.0) * (1.3 if (start + dt.timedelta(d)).weekday() >= 5 else 1.0)
               for d in range(days)]
    return [start + dt.timedelta(days=d) for d in rng.choices(range(days), weights=weights, k=n)]


def human_times(rng: random.Random, n: int, start: dt.datetime, days: int) -> list[dt.datetime]:
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=n)
    out = []
    for h, day in zip(hours, bursty_days(rng, n, start, days)):
        local = day.replace(hour=h, minute=rng.randrange(60), second=rng.randrange(60),
                            microsecond=rng.randrange(1_000_000), tzinfo=SHANGHAI)
        out.append(local.astimezone(UTC))
    return out


def _frame(numbers: list[str], names, sources, consent_at, collected_at, keys: KeyMaterial,
           rng: random.Random, invalid_share: float = 0.0, dup_share: float = 0.0) -> pl.DataFrame:
    """Rows of the scan's contract for the given national numbers (all valid CN mobile)."""
    n = len(numbers)
    nn = list(numbers)
    valid = [True] * n
    for i in range(n):
        if rng.random() < invalid_share:
            nn[i] = "1" + rng.choice("0124") + f"{rng.randrange(10**9):09d}"  # 10x/11x/12x/14x: invalid
            valid[i] = False
    order = list(range(n))
    dups = [rng.randrange(n) for _ in range(int(n * dup_share))] if n else []
    order += dups
    rng.shuffle(order)
    source_class = [s if s in APPROVED_ALL else None for s in sources]
    frame = pl.DataFrame({
        "row": list(range(1, len(order) + 1)),
        "national_number": [nn[i] for i in order],
        "valid": [valid[i] for i in order],
        "name": [names[i] for i in order],
        "source": [sources[i] for i in order],
        "source_class": [source_class[i] for i in order],
        "consent_at": [consent_at[i] for i in order],
        "collected_at": [collected_at[i] for i in order],
    }, schema_overrides={"row": pl.Int64, "consent_at": pl.Datetime("us", "UTC"),
                         "collected_at": pl.Datetime("us", "UTC")})
    e164 = pl.concat_str(pl.lit("+86"), pl.col("national_number"))
    return frame.with_columns(
        e164.alias("e164"),
        pl.when(pl.col("valid")).then(pl.lit("MOBILE")).alias("type"),
        pl.lit("CN").alias("region"),
        pl.lit(86, dtype=pl.Int32).alias("country_code"),
        pl.lit(None, dtype=pl.String).alias("segment"),
        pl.when(pl.col("consent_at").is_not_null()).then(pl.lit("granted")).otherwise(pl.lit("missing"))
        .alias("consent_class"),
        token_expr(keys, "phone", e164).alias("phone_token"),
    ).with_columns(
        (pl.col("valid") & pl.col("e164").is_duplicated()
         & (pl.col("row") != pl.col("row").min().over("e164"))).alias("is_duplicate"),
    )


def _genuine_meta(rng: random.Random, n: int, *, days: int = 700, sources=APPROVED, with_consent=True):
    start = dt.datetime(2024, 1, 1)
    consent = human_times(rng, n, start, days) if with_consent else [None] * n
    collected = [c - dt.timedelta(minutes=rng.randrange(0, 30)) if c else None for c in consent]
    names = [real_name(rng) if rng.random() > 0.03 else None for _ in range(n)]
    srcs = [rng.choice(sources) for _ in range(n)]
    return names, srcs, consent, collected


def _fake_meta(rng: random.Random, n: int, style: str):
    """Metadata of a traded list: placeholder names (mixed with real-looking ones in some
    lists), a catch-all or vendor source or none (for all rows, or for part of them),
    fabricated consent."""
    share = rng.choice([1.0, rng.uniform(0.3, 1.0)])
    names = [template_name(rng) if rng.random() < share else real_name(rng) for _ in range(n)]
    kind = rng.random()
    if kind < 0.35:
        srcs = [rng.choice(["数据导入", "导入", "资源"])] * n
    elif kind < 0.6:
        srcs = [None] * n
    else:  # some rows name the vendor or a channel, the rest nothing
        missing = rng.uniform(0.3, 0.9)
        tags = rng.sample(["数据商", "渠道A", "partner-x", "数据导入", "外部"], k=rng.randint(1, 3))
        srcs = [None if rng.random() < missing else rng.choice(tags) for _ in range(n)]
    base = dt.datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    if style == "bulk":
        consent = [base + dt.timedelta(hours=i // 500) for i in range(n)]
    elif style == "regular":
        consent = [base + dt.timedelta(seconds=30 * i) for i in range(n)]
    elif style == "uniform":
        consent = [base + dt.timedelta(seconds=rng.randrange(400 * 86_400)) for _ in range(n)]
    else:
        consent = [None] * n
    return names, srcs, consent, list(consent)


def generate(kind: str, seed: int, keys: KeyMaterial, *, scale: float = 1.0) -> Sample:
    """One labeled list of ``kind``; ``scale`` multiplies the list sizes."""
    rng = random.Random(f"{kind}:{seed}")

    def size(lo: int, hi: int) -> int:
        return max(10, int(rng.randint(lo, hi) * scale))

    if kind == "genuine-city-crm":
        n = size(1_000, 8_000)
        nums = Population(rng, rng.randint(1_500, 6_000)).numbers(rng, n)
        meta = _genuine_meta(rng, n, sources=[rng.choice(APPROVED)] if rng.random() < 0.5 else APPROVED)
        return Sample(kind, False, _frame(nums, *meta, keys, rng, 0.02, 0.02))
    if kind == "genuine-national-ecommerce":
        n = size(5_000, 30_000)
        nums = _national(rng).numbers(rng, n)
        meta = _genuine_meta(rng, n, sources=["app", "web-signup"])
        return Sample(kind, False, _frame(nums, *meta, keys, rng, 0.02, 0.02))
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if kind not in _BASIC:
        from evaluation.corpus_kinds import generate_hard

        return generate_hard(kind, seed, keys, scale)
    if kind == "genuine-tiny":  # around the smallest list the signals judge
        n = rng.randint(10, 120)
        nums = Population(rng, rng.randint(500, 4_000)).numbers(rng, n)
        meta = _genuine_meta(rng, n, sources=["store"], with_consent=rng.random() < 0.5)
        return Sample(kind, False, _frame(nums, *meta, keys, rng, 0.02, 0.0))
    if kind == "genuine-expo-day":  # one busy day: every consent on the same date
        n = size(300, 2_000)
        nums = Population(rng, rng.randint(1_500, 6_000)).numbers(rng, n)
        names, srcs, _, _ = _genuine_meta(rng, n, sources=["store"])
        day = dt.datetime(2025, 5, 17, 9, tzinfo=SHANGHAI)
        consent = sorted(day + dt.timedelta(seconds=rng.randrange(9 * 3600)) for _ in range(n))
        consent = [c.astimezone(UTC) for c in consent]
        return Sample(kind, False, _frame(nums, names, srcs, consent, consent, keys, rng, 0.01, 0.01))

    disguised = rng.random() < 0.5
    if kind in ("enumerated-runs", "enumerated-filtered"):
        keep = 1.0 if kind == "enumerated-runs" else rng.uniform(0.2, 0.8)
        nums: list[str] = []
        for _ in range(rng.randint(1, 6)):
            nums += enumerate_block(rng, size(100, 5_000), keep)
        if rng.random() < 0.5:  # merged with numbers from elsewhere
            nums += _national(rng).numbers(rng, int(len(nums) * rng.uniform(0.02, 0.4)))
        nums = list(dict.fromkeys(nums))
        rng.shuffle(nums)
        meta = (_genuine_meta(rng, len(nums)) if disguised
                else _fake_meta(rng, len(nums), rng.choice(["bulk", "none", "regular"])))
        return Sample(kind, True, _frame(nums, *meta, keys, rng, 0.0, 0.01))
    if kind == "fabricated-consent":
        n = size(1_000, 12_000)
        nums = _national(rng).numbers(rng, n)
        style = rng.choice(["bulk", "regular", "uniform"])
        names, srcs, consent, collected = _fake_meta(rng, n, style)
        if style != "uniform" and disguised:
            names = [real_name(rng) for _ in range(n)]
        return Sample(kind, True, _frame(nums, names, srcs, consent, collected, keys, rng, 0.03, 0.01))
    if kind == "resold-copy":
        n = size(2_000, 12_000)
        original = _national(rng).numbers(rng, n)
        vendor = f"vendor-{rng.randrange(100)}"
        taken = rng.sample(original, int(n * rng.uniform(0.6, 1.0)))
        extra = _national(rng).numbers(rng, int(len(taken) * rng.uniform(0.0, 0.3)), exclude=set(original))
        nums = taken + extra
        meta = _genuine_meta(rng, len(nums), sources=["partner-b"])
        return Sample(kind, True, _frame(nums, *meta, keys, rng, 0.01, 0.01),
                      registered=[(f"bought-{seed}", vendor, False, ["+86" + x for x in original])],
                      list_source="partner-b")
    if kind == "padded":
        n = size(1_000, 8_000)
        nums = Population(rng, rng.randint(1_500, 6_000)).numbers(rng, n)
        pad: list[str] = []
        while len(pad) < max(50, int(n * rng.uniform(0.05, 0.2))):
            pad += enumerate_block(rng, rng.randint(200, 2_000), rng.choice([1.0, rng.uniform(0.3, 0.95)]))
        pad = [x for x in dict.fromkeys(pad) if x not in set(nums)]
        core = _genuine_meta(rng, len(nums))
        meta = [a + b for a, b in zip(core, _pad_meta(rng, len(pad)))]
        if rng.random() < 0.3:  # a member export: registration times, no consent column
            meta[3] = [c if c is not None else g for c, g in zip(meta[3], meta[2])]
            meta[2] = [None] * len(meta[2])
        return Sample(kind, True, _frame(nums + pad, *meta, keys, rng, 0.02, 0.02))
    raise ValueError(f"unknown kind {kind!r}")


_BASIC = ("genuine-city-crm", "genuine-national-ecommerce", "genuine-tiny", "genuine-expo-day",
          "enumerated-runs", "enumerated-filtered", "fabricated-consent", "resold-copy", "padded")


def _pad_meta(rng: random.Random, n: int):
    """Metadata of bought rows padded into a list: like the genuine rows', except in one or
    more of source (one value of their own), consent times (stamped on the day they were
    imported) and names (placeholders)."""
    names, srcs, consent, collected = _genuine_meta(rng, n)
    differ = [d for d in ("source", "times", "names") if rng.random() < 0.5] or [rng.choice(("source", "times", "names"))]
    if "source" in differ:
        srcs = [rng.choice(["web-signup", "partner-c", "数据导入", "app"])] * n
    if "times" in differ:
        day = dt.datetime(2025, rng.randint(1, 12), rng.randint(1, 28), tzinfo=SHANGHAI)
        span = rng.randint(1, 3) * 86_400
        consent = [(day + dt.timedelta(seconds=rng.randrange(span))).astimezone(UTC) for _ in range(n)]
        collected = list(consent) if rng.random() < 0.5 else [None] * n
    if "names" in differ:
        share = rng.uniform(0.3, 1.0)
        names = [template_name(rng) if rng.random() < share else x for x in names]
    return names, srcs, consent, collected


_NATIONAL: dict[int, Population] = {}


def _national(rng: random.Random) -> Population:
    """The country (one shared population per process: building it takes a moment)."""
    if 0 not in _NATIONAL:
        _NATIONAL[0] = Population(random.Random("national"), None)
    return _NATIONAL[0]
