"""A second labelled set from outside the corpus, for ``evaluate.py --lists DIR --labels FILE``.

    python evaluation/outside/fresh_lists.py OUT_DIR [--per-kind 100] [--seed 11]

Written apart from ``evaluation/corpus.py`` and ``evaluation/outside/make_lists.py`` (no
generating code or parameter shared; only the file writer, ``writing.py``), and not looked at while the model was fitted: its figures measure lists the
model never saw the like of. The columns are those real exports have; where public material
gives a figure it is used, the rest are our assumptions, marked so:

* ``wecom-members`` (genuine): a WeCom (企业微信) member export: 姓名, 账号, 别名, 职务, 部门,
  性别, 手机, 座机, 邮箱 (the member fields of WeCom's contact API; mobiles often written
  "+86 138…"). Staff get company SIM cards in waves: a company of 20 or more orders a batch
  through the operator's group-customer manager and picks a number segment, so each wave is a
  run of consecutive numbers; numbers of staff who left are cancelled. Assumed: 1-6 waves of
  20-400 numbers, 5-30% of each cancelled, 25-95% of staff on company cards, the rest on
  their own numbers in the company's city.
* ``dingtalk-stores`` (genuine): a DingTalk admin export of a chain's staff (姓名, 工号, 手机,
  职位, 部门, 入职时间). Assumed: 2-12 stores, each with its own small batch of 10-60
  consecutive numbers, 30-80% of staff on store cards.
* ``youzan-customers`` (genuine): a Youzan shop's customer export, which has the customer's
  name, nickname, level, mobile and points and no time or channel. An online shop: customers
  country-wide with 30-70% from the shop's province (assumed); household members on adjacent
  numbers for 3-10% of customers (assumed).
* ``miniprogram-authorised`` (genuine): a shop's mini-program members with the time each
  authorised the privacy notice (授权时间) and the channel. One city; sign-ups follow a weekly
  rhythm, a few campaign days a month and slow growth (all assumed), at daytime hours.
* ``segment-scan-live`` (purchased): whole or partial number segments (10,000 numbers each)
  passed through an empty-number check that keeps the numbers that ring. Public figures put
  empty numbers at about 15% of numbers in use and up to 30% in new segments; a segment
  also holds numbers never issued, so we assume 50-88% kept. Sold with a fake-name column or
  none, a region, sometimes an invented consent time.
* ``scripted-consent`` (purchased): bought numbers from anywhere with real-looking names, an
  approved channel and consent times a script drew: days uniform over a range, hours from a
  daytime profile (a careful fabricator).
* ``members-plus-segment`` (purchased): a mini-program member export with a live-filtered
  segment appended (5-40% of the list), imported over one to three office days under the
  list's own channel or an import label.
* ``stamped-import`` (purchased): bought leads imported with one or a few consent times
  (the import's), under a catch-all or approved channel.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):  # run as a script
    import sys

    sys.path.insert(0, str(HERE.parents[1]))

from evaluation.outside.writing import write_set  # noqa: E402

SEGMENT_HEADS = ["139", "138", "137", "136", "135", "134", "159", "158", "157", "152", "151", "150", "188", "187",
                 "183", "182", "178", "147", "198", "186", "185", "176", "175", "166", "156", "155", "132", "131",
                 "130", "189", "181", "180", "177", "173", "153", "133", "199", "191"]
XING = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
MING = "晓梦婉晨轩博思雅嘉瑞昊天宁安雯倩凯彬俊峰志国红梅秀英丽娟建华春燕海波金凤玉珍德明永刚立新文静淑芬晶莹诗涵一诺子墨"
KINDS = {"wecom-members": "genuine", "dingtalk-stores": "genuine", "youzan-customers": "genuine",
         "miniprogram-authorised": "genuine", "segment-scan-live": "purchased", "scripted-consent": "purchased",
         "members-plus-segment": "purchased", "stamped-import": "purchased"}
POLICY = """[campaign]
channel = "sms"
purpose = "marketing"
region = "CN"

[[sources]]
name = "mini-program"
aliases = ["小程序", "小程序授权"]

[[sources]]
name = "store-qr"
aliases = ["门店扫码"]

[[sources]]
name = "website"
aliases = ["官网注册", "官网留资"]
"""


def a_name(rng: random.Random) -> str:
    return rng.choice(XING) + "".join(rng.choice(MING) for _ in range(rng.choice((1, 2, 2, 2))))


def a_block(rng: random.Random) -> str:
    return rng.choice(SEGMENT_HEADS) + f"{rng.randrange(10_000):04d}"


class Town:
    """A city's number blocks, each with its own share of the people (lognormal, sigma 1)."""

    def __init__(self, rng: random.Random, blocks: int):
        # distinct, in the order drawn (a set's order of strings differs from process to process)
        self.blocks = list(dict.fromkeys(a_block(rng) for _ in range(blocks)))
        self.weights = [rng.lognormvariate(0.0, 1.0) for _ in self.blocks]

    def draw(self, rng: random.Random, n: int) -> list[str]:
        return [b + f"{rng.randrange(10_000):04d}" for b in rng.choices(self.blocks, self.weights, k=n)]


def anywhere(rng: random.Random, n: int) -> list[str]:
    return [a_block(rng) + f"{rng.randrange(10_000):04d}" for _ in range(n)]


def sim_wave(rng: random.Random, size: int, cancelled: float) -> list[str]:
    """A company's wave of SIM cards: ``size`` consecutive numbers from one segment; each
    cancelled (its holder left) with probability ``cancelled``."""
    head, start = a_block(rng), rng.randrange(0, 10_000 - size)
    return [head + f"{start + i:04d}" for i in range(size) if rng.random() >= cancelled]


def shown(rng: random.Random, number: str, plus86: bool) -> str:
    return f"+86 {number}" if plus86 else number


def wecom(rng: random.Random):
    staff = rng.randint(60, 2_500)
    on_cards = int(staff * rng.uniform(0.25, 0.95))
    cards: list[str] = []
    for _ in range(rng.randint(1, 6)):
        cards += sim_wave(rng, rng.randint(20, 400), rng.uniform(0.05, 0.3))
    cards = cards[:on_cards]
    town = Town(rng, rng.randint(400, 5_000))
    numbers = cards + town.draw(rng, staff - len(cards))
    rng.shuffle(numbers)
    plus86 = rng.random() < 0.5
    depts = ["总经办", "市场部", "销售一部", "销售二部", "技术部", "人事行政部", "财务部", "客服中心"]
    rows = []
    for i, num in enumerate(numbers):
        name = a_name(rng)
        rows.append([name, f"u{10_000 + i}", "", rng.choice(["专员", "经理", "主管", "工程师", "助理"]),
                     rng.choice(depts), rng.choice(["男", "女"]), shown(rng, num, plus86),
                     "" if rng.random() < 0.8 else f"0{rng.randint(10, 99)}-{rng.randint(1_000_000, 9_999_999)}",
                     f"u{10_000 + i}@corp.example"])
    return ["姓名", "账号", "别名", "职务", "部门", "性别", "手机", "座机", "邮箱"], rows


def dingtalk(rng: random.Random):
    stores = rng.randint(2, 12)
    per_store = rng.randint(8, 120)
    numbers: list[str] = []
    share = rng.uniform(0.3, 0.8)
    town = Town(rng, rng.randint(300, 3_000))
    rows = []
    for s in range(stores):
        batch = sim_wave(rng, rng.randint(10, 60), rng.uniform(0.0, 0.25))
        people = per_store + rng.randint(-per_store // 3, per_store // 3)
        on_cards = batch[: int(people * share)]
        mine = on_cards + town.draw(rng, max(0, people - len(on_cards)))
        for num in mine:
            hired = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3_600))
            rows.append([a_name(rng), f"{s + 1:02d}{len(rows):05d}", num, rng.choice(["店员", "店长", "收银", "导购"]),
                         f"第{s + 1}门店", hired.isoformat()])
        numbers += mine
    rng.shuffle(rows)
    return ["姓名", "工号", "手机", "职位", "部门", "入职时间"], rows


def youzan(rng: random.Random):
    n = rng.randint(800, 20_000)
    home = Town(rng, rng.randint(3_000, 20_000))
    local = rng.uniform(0.3, 0.7)
    numbers = []
    while len(numbers) < n:
        num = home.draw(rng, 1)[0] if rng.random() < local else anywhere(rng, 1)[0]
        numbers.append(num)
        if rng.random() < rng.uniform(0.03, 0.1):  # a household on adjacent numbers
            for k in range(1, rng.randint(2, 3)):
                tail = int(num[-4:]) + k
                if tail < 10_000:
                    numbers.append(num[:-4] + f"{tail:04d}")
    rows = [[a_name(rng) if rng.random() < 0.7 else "", rng.choice(["小" + rng.choice(MING), "A" + str(rng.randint(1, 999)), "微信用户"]),
             rng.choice(["普通会员", "银卡", "金卡"]), num, rng.randint(0, 5_000)] for num in numbers]
    return ["客户姓名", "客户昵称", "免费等级", "客户手机号", "客户积分"], rows


def daytime_hour(rng: random.Random) -> int:
    return rng.choices(range(24), weights=[1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2.5, 4, 5, 6, 6, 7, 6, 5, 5, 5, 5, 6, 7,
                                           8, 8, 6, 3])[0]


def sign_up_days(rng: random.Random, n: int, first: dt.date, days: int) -> list[dt.date]:
    """Sign-up dates: a weekly rhythm (weekend 1.2-2x, assumed), 1-4 campaign days a month at
    3-15x (assumed) and a growth of 0.5-3x over the span (assumed)."""
    weekend = rng.uniform(1.2, 2.0)
    growth = rng.uniform(0.5, 3.0)
    weights = []
    for d in range(days):
        day = first + dt.timedelta(d)
        w = (weekend if day.weekday() >= 5 else 1.0) * math.exp(math.log(growth) * d / days)
        weights.append(w)
    for month in range(days // 30 + 1):
        for _ in range(rng.randint(1, 4)):
            d = month * 30 + rng.randrange(30)
            if d < days:
                weights[d] *= rng.uniform(3, 15)
    return [first + dt.timedelta(d) for d in rng.choices(range(days), weights, k=n)]


def stamp(rng: random.Random, day: dt.date, hour: int) -> str:
    return f"{day.isoformat()} {hour:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"


def miniprogram(rng: random.Random, n: int | None = None):
    n = n or rng.randint(300, 8_000)
    town = Town(rng, rng.randint(300, 3_000))
    first, days = dt.date(2023, rng.randint(1, 12), 1), rng.randint(120, 900)
    channels = rng.choice([["小程序"], ["小程序", "门店扫码"]])
    rows = [[a_name(rng) if rng.random() < 0.9 else "微信用户", num, stamp(rng, day, daytime_hour(rng)), rng.choice(channels)]
            for num, day in zip(town.draw(rng, n), sign_up_days(rng, n, first, days))]
    return ["会员昵称", "手机号", "授权时间", "渠道"], rows


def live_segment(rng: random.Random, kept: float, span: int | None = None) -> list[str]:
    span = span or rng.randint(2_000, 10_000)
    head, start = a_block(rng), rng.randrange(0, 10_001 - span)
    return [head + f"{start + i:04d}" for i in range(span) if rng.random() < kept]


def segment_scan(rng: random.Random):
    kept = rng.uniform(0.5, 0.88)
    numbers = [x for _ in range(rng.randint(1, 10)) for x in live_segment(rng, kept)]
    if rng.random() < 0.5:
        rng.shuffle(numbers)
    region = rng.choice(["广东深圳", "浙江杭州", "江苏苏州", "四川成都"])
    style = rng.random()
    if style < 0.4:
        return ["手机号", "地区"], [[num, region] for num in numbers]
    if style < 0.8:
        return ["姓名", "手机号", "地区"], [[a_name(rng), num, region] for num in numbers]
    first = dt.date(2025, 1, 1)
    return ["姓名", "手机号", "同意时间", "来源"], [
        [a_name(rng), num, stamp(rng, first + dt.timedelta(rng.randrange(180)), rng.randrange(24)), "官网留资"]
        for num in numbers]


def scripted(rng: random.Random):
    n = rng.randint(500, 10_000)
    first, days = dt.date(2024, rng.randint(1, 12), 1), rng.randint(30, 400)
    return ["姓名", "手机号", "同意时间", "来源"], [
        [a_name(rng), num, stamp(rng, first + dt.timedelta(rng.randrange(days)), daytime_hour(rng)),
         rng.choice(["官网注册", "小程序"])] for num in anywhere(rng, n)]


def members_plus_segment(rng: random.Random):
    header, rows = miniprogram(rng, rng.randint(600, 6_000))
    extra = live_segment(rng, rng.uniform(0.5, 0.9), span=rng.randint(300, 5_000))
    extra = extra[: max(40, int(len(rows) * rng.uniform(0.05, 0.4)))]
    day = dt.date(2025, rng.randint(1, 12), rng.randint(1, 26))
    label = rng.choice(["小程序", "门店扫码", "批量导入"])
    rows += [[a_name(rng), num, stamp(rng, day + dt.timedelta(rng.randrange(3)), rng.randint(9, 17)), label]
             for num in extra]
    rng.shuffle(rows)
    return header, rows


def stamped(rng: random.Random):
    n = rng.randint(300, 8_000)
    times = [f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(9, 18):02d}:00:00"
             for _ in range(rng.randint(1, 4))]
    label = rng.choice(["官网注册", "资源导入", "合作"])
    return ["姓名", "手机号", "同意时间", "来源"], [[a_name(rng), num, rng.choice(times), label]
                                                for num in anywhere(rng, n)]


MAKERS = {"wecom-members": wecom, "dingtalk-stores": dingtalk, "youzan-customers": youzan,
          "miniprogram-authorised": miniprogram, "segment-scan-live": segment_scan, "scripted-consent": scripted,
          "members-plus-segment": members_plus_segment, "stamped-import": stamped}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--per-kind", type=int, default=100)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    written = write_set(args.out, policy=POLICY, kinds=KINDS, makers=MAKERS, per_kind=args.per_kind,
                        seed_key=f"fresh:{args.seed}")
    print(f"wrote {written} lists and labels.csv to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
