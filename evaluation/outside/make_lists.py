"""Labelled list files from outside the training corpus, for ``evaluate.py --lists DIR --labels FILE``.

    python evaluation/outside/make_lists.py OUT_DIR [--per-kind 100] [--seed 7]

Written separately from ``evaluation/corpus.py`` (no code or parameter shared with it) as
files in the shapes real exports have, scanned by the full scanner from CSV. Each kind
follows a public description of such lists; where no public figure exists, the value
chosen is stated as our own assumption (README, "Outside lists"):

* ``expo-badge-scans`` (genuine): lead-retrieval exports of a trade-fair booth, one row
  per badge scan (name, company, mobile, scan time, source). Scans happen during show
  hours over a 2–4 day show; visiting companies send one to several staff, whose mobiles
  often come from the employer's bulk SIM contract (集团客户号段: consecutive numbers).
  Assumed: 30–60% of visitors arrive with colleagues, groups of 2–8.
* ``dingtalk-roster`` (genuine): an employee address-book export (姓名, 部门, 手机), the
  columns DingTalk/WeCom exports have: no consent time, no source. Assumed: one or two
  company SIM contracts cover 40–80% of staff, each a contiguous range with some numbers
  no longer in use.
* ``mini-program-members`` (genuine): a single shop's membership export (会员姓名,
  手机号, 注册时间, 注册渠道); members live in one city: a few hundred number blocks.
  Registrations peak at promotions (assumed: 3–10 promotion days a year each with
  10–30x a normal day's sign-ups).
* ``segment-scan-filtered`` (purchased): numbers generated over number segments (号段 +
  H-code, 10,000 numbers each) then passed through an empty-number check (空号检测),
  which keeps the numbers that ring; assumed live share 40–75%. Sold with a name column
  of placeholders or nothing, and sometimes an invented sign-up time.
* ``fake-consent-leads`` (purchased): bought leads re-labelled with an approved source
  and sign-up times a script spread uniformly between two dates at any hour.
* ``crm-plus-bought-block`` (purchased): a shop's member export with a bought segment
  appended, imported on one day under one channel value.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):  # run as a script
    import sys

    sys.path.insert(0, str(HERE.parents[1]))

from evaluation.outside.writing import write_set  # noqa: E402

PREFIXES = ["134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "183",
            "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "181", "189",
            "177", "199", "166"]
FAMILY = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = ["明", "华", "丽", "强", "静", "磊", "洁", "勇", "艳", "军", "敏", "杰", "芳", "涛", "娟", "鹏", "霞", "斌",
         "婷", "浩", "雪", "宁", "晨", "欣", "宇", "琳"]
KINDS = {"expo-badge-scans": "genuine", "dingtalk-roster": "genuine", "mini-program-members": "genuine",
         "segment-scan-filtered": "purchased", "fake-consent-leads": "purchased",
         "crm-plus-bought-block": "purchased"}


def person(rng: random.Random) -> str:
    return rng.choice(FAMILY) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def segment(rng: random.Random) -> str:
    return rng.choice(PREFIXES) + f"{rng.randrange(10_000):04d}"


def city(rng: random.Random, blocks: int) -> list[str]:
    return [segment(rng) for _ in range(blocks)]


def anywhere(rng: random.Random, n: int) -> list[str]:
    return [segment(rng) + f"{rng.randrange(10_000):04d}" for _ in range(n)]


def in_city(rng: random.Random, blocks: list[str], n: int) -> list[str]:
    weights = [rng.paretovariate(1.5) for _ in blocks]  # some blocks far busier (old numbers)
    return [b + f"{rng.randrange(10_000):04d}" for b in rng.choices(blocks, weights=weights, k=n)]


def contract(rng: random.Random, size: int, in_use: float) -> list[str]:
    """A company's bulk SIM contract: ``size`` consecutive numbers, each still in use with
    probability ``in_use``."""
    seg, start = segment(rng), rng.randrange(0, 10_000 - size)
    return [seg + f"{i:04d}" for i in range(start, start + size) if rng.random() < in_use]


def at(day: dt.date, rng: random.Random, first: int = 9, last: int = 18) -> str:
    t = dt.datetime.combine(day, dt.time(rng.randrange(first, last), rng.randrange(60), rng.randrange(60)))
    return t.strftime("%Y-%m-%d %H:%M:%S")


def expo(rng):
    days = [dt.date(2025, 9, 10) + dt.timedelta(d) for d in range(rng.randint(2, 4))]
    visitors = rng.randint(150, 2_500)
    rows = []
    while len(rows) < visitors:
        company = f"{rng.choice(FAMILY)}{rng.choice(['科技', '贸易', '制造', '物流', '电子'])}有限公司"
        day = rng.choice(days)
        if rng.random() < rng.uniform(0.3, 0.6):  # a group from one company, numbers from its contract
            nums = contract(rng, rng.randint(2, 8) * 3, rng.uniform(0.3, 0.7))[: rng.randint(2, 8)]
        else:
            nums = anywhere(rng, 1)
        for num in nums:
            rows.append([person(rng), company, num, at(day, rng), "展会"])
    return ["姓名", "公司", "手机", "扫描时间", "来源"], rows


def roster(rng):
    staff = rng.randint(80, 2_000)
    nums: list[str] = []
    for _ in range(rng.randint(1, 2)):
        nums += contract(rng, min(9_000, int(staff * rng.uniform(0.4, 0.8) / 0.85)), rng.uniform(0.75, 0.95))
    nums = nums[:staff] + in_city(rng, city(rng, rng.randint(200, 1_500)), max(0, staff - len(nums)))
    rng.shuffle(nums)
    depts = ["销售部", "研发部", "财务部", "行政部", "生产部", "客服部"]
    return ["姓名", "部门", "手机"], [[person(rng), rng.choice(depts), n] for n in nums]


def members(rng, n=None):
    n = n or rng.randint(300, 6_000)
    blocks = city(rng, rng.randint(150, 600))
    start = dt.date(2023, 1, 1)
    days = [start + dt.timedelta(d) for d in range(rng.randint(300, 1_000))]
    promo = set(rng.sample(range(len(days)), k=min(len(days), rng.randint(3, 10) * len(days) // 365 + 1)))
    weights = [rng.uniform(10, 30) if i in promo else 1.0 for i in range(len(days))]
    channels = rng.sample(["小程序", "门店"], k=rng.randint(1, 2))
    rows = [[person(rng), num, at(day, rng, 8, 23), rng.choice(channels)]
            for num, day in zip(in_city(rng, blocks, n), rng.choices(days, weights=weights, k=n))]
    return ["会员姓名", "手机号", "注册时间", "注册渠道"], rows


def scanned(rng):
    live = rng.uniform(0.4, 0.75)
    nums = []
    for _ in range(rng.randint(1, 8)):
        seg, span = segment(rng), rng.randint(300, 10_000)
        start = rng.randrange(0, 10_001 - span)
        nums += [seg + f"{i:04d}" for i in range(start, start + span) if rng.random() < live]
    rng.shuffle(nums)
    style = rng.choice(["bare", "placeholder", "timed"])
    if style == "bare":
        return ["手机号"], [[n] for n in nums]
    if style == "placeholder":
        return ["姓名", "手机号"], [[rng.choice(["先生", "女士", "客户"]), n] for n in nums]
    base = dt.datetime(2025, 5, 1)
    return ["姓名", "手机号", "注册时间", "来源"], [
        [person(rng), n, (base + dt.timedelta(seconds=rng.randrange(200 * 86_400))).strftime("%Y-%m-%d %H:%M:%S"),
         "官网注册"] for n in nums]


def fake_consent(rng):
    n = rng.randint(300, 8_000)
    first, days = dt.datetime(2024, 3, 1), rng.randint(60, 600)
    return ["姓名", "手机号", "同意时间", "来源"], [
        [person(rng), num, (first + dt.timedelta(seconds=rng.randrange(days * 86_400))).strftime("%Y-%m-%d %H:%M:%S"),
         rng.choice(["官网注册", "门店登记"])] for num in anywhere(rng, n)]


def padded(rng):
    header, rows = members(rng, rng.randint(500, 5_000))
    live = rng.uniform(0.4, 1.0)
    seg, span = segment(rng), rng.randint(200, 3_000)
    start = rng.randrange(0, 10_001 - span)
    day = dt.date(2025, rng.randint(1, 12), rng.randint(1, 28))
    channel = rng.choice(["小程序", "门店", "合作导入"])
    rows += [[person(rng), seg + f"{i:04d}", at(day, rng), channel]
             for i in range(start, start + span) if rng.random() < live]
    return header, rows


MAKERS = {"expo-badge-scans": expo, "dingtalk-roster": roster, "mini-program-members": members,
          "segment-scan-filtered": scanned, "fake-consent-leads": fake_consent, "crm-plus-bought-block": padded}

POLICY = """[campaign]
channel = "sms"
purpose = "marketing"
region = "CN"

[[sources]]
name = "expo"
aliases = ["展会"]

[[sources]]
name = "mini-program"
aliases = ["小程序"]

[[sources]]
name = "store"
aliases = ["门店", "门店登记"]

[[sources]]
name = "web-signup"
aliases = ["官网注册"]
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--per-kind", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    written = write_set(args.out, policy=POLICY, kinds=KINDS, makers=MAKERS, per_kind=args.per_kind,
                        seed_key=f"outside:{args.seed}")
    print(f"wrote {written} lists and labels.csv to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
