#!/usr/bin/env python3
"""Regenerate the sample lists in this folder byte for byte: ``python sample_data/generate.py [--out DIR]``.

Numbers are random within real CN mobile blocks (phonenumbers' own geocoding table); names
are random combinations of common characters: no real person's data. One
``random.Random(20261123)`` drives everything and dates are relative to 2026-11-23, never
the clock. ``policy.toml`` (hand-written) supplies the source windows. ``planted.json``
counts, per file, the rows carrying each planted problem (the rule codes: README.md, "Rules").
"""

import argparse
import csv
import datetime as dt
import io
import json
import random
import re
import tomllib
import unicodedata
from collections import Counter
from pathlib import Path

import phonenumbers
import xlsxwriter
from phonenumbers import PhoneNumberType
from phonenumbers.geodata import GEOCODE_DATA

HERE = Path(__file__).resolve().parent
SEED = 20261123
AS_OF = dt.date(2026, 11, 23)
OLD_BEFORE = AS_OF - dt.timedelta(days=730 + 8)  # clearly older than max_age_days (no edge cases)
GOOD_PREFIXES = set(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "177 180 181 182 183 184 185 186 187 188 189 199".split()
)
FULLWIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉晨宇浩然思雨欣怡梓涵子轩俊杭婷雪琳佳"
PINYIN_SURNAMES = "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo".split()
PINYIN_GIVEN = "Wei Fang Na Min Jing Li Qiang Lei Jun Yang Yong Yan Jie Juan Tao Ming Chao Xia Hao Yu Xin Yi".split()


# ---------------------------------------------------------------- numbers and formats


def block_pools() -> dict[str, list[str]]:
    """7-digit mobile blocks (``1380571``) by place name (``浙江省杭州市``), from phonenumbers."""
    pools: dict[str, list[str]] = {}
    for key, names in GEOCODE_DATA.items():  # keys such as '861380571'
        if len(key) == 9 and key.startswith("86") and key[2:5] in GOOD_PREFIXES:
            pools.setdefault(names["zh"], []).append(key[2:])
    return {place: sorted(blocks) for place, blocks in sorted(pools.items())}


def parse(text: str, region: str = "CN") -> phonenumbers.PhoneNumber | None:
    """What the scanner's reference does, for our own checks: NFKC, drop a ``.0``, parse."""
    clean = unicodedata.normalize("NFKC", text).strip()
    clean = clean[:-2] if clean.endswith(".0") else clean
    try:
        return phonenumbers.parse(clean, region)
    except phonenumbers.NumberParseException:
        return None


def is_mobile(national: str) -> bool:
    n = parse(national)
    return n is not None and phonenumbers.is_valid_number(n) and phonenumbers.number_type(n) == PhoneNumberType.MOBILE


class Numbers:
    """Draws distinct valid CN mobile numbers (national form) from given blocks."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def mobile(self, blocks: list[str]) -> str:
        while True:
            n = self.rng.choice(blocks) + f"{self.rng.randrange(10000):04d}"
            if n not in self.used and is_mobile(n):
                self.used.add(n)
                return n

    def claim(self, n: str) -> str:
        self.used.add(n)
        return n


PHONE_FORMATS = {  # name -> how a CRM or a spreadsheet writes the number 13812345678
    "plain": lambda n: n,
    "spaced": lambda n: f"{n[:3]} {n[3:7]} {n[7:]}",
    "dashed": lambda n: f"{n[:3]}-{n[3:7]}-{n[7:]}",
    "plus86": lambda n: f"+86 {n[:3]} {n[3:7]} {n[7:]}",
    "plus86-compact": lambda n: f"+86{n}",
    "0086": lambda n: f"0086 {n}",
    "86-": lambda n: f"86-{n}",
    "fullwidth": lambda n: n.translate(FULLWIDTH),  # PH010 (NFKC repair)
    "float": lambda n: f"{n}.0",  # PH010 (Excel round trip)
}
REPAIRED = {"fullwidth", "float"}


def fmt_phone(rng: random.Random, n: str, weights: dict[str, int], avoid: str | None = None) -> tuple[str, str]:
    names = [k for k in weights if k != avoid]
    name = rng.choices(names, [weights[k] for k in names])[0]
    text = PHONE_FORMATS[name](n)
    parsed = parse(text)  # every "good" format must parse back to the same number
    assert (parsed.country_code, str(parsed.national_number)) == (86, n), text
    return name, text


# ---------------------------------------------------------------- small helpers


def valid_foreign(make) -> str:
    """Call ``make`` until it returns a valid (non-CN) number."""
    while not phonenumbers.is_valid_number(parse(text := make())):
        pass
    return text


def quota(rng: random.Random, n: int, **counts: int) -> list[str]:
    """Exactly ``counts[k]`` labels k, the rest ``"ok"``, in random order."""
    labels = [k for k, c in counts.items() for _ in range(c)]
    labels += ["ok"] * (n - len(labels))
    rng.shuffle(labels)
    return labels


def insert_later(rng: random.Random, rows: list[dict], orig: dict, row: dict) -> None:
    """Insert ``row`` somewhere after ``orig``: the same person, imported again later."""
    at = next(i for i, r in enumerate(rows) if r is orig) + 1
    rows.insert(rng.randrange(at, len(rows) + 1), row)


def random_time(rng: random.Random, start: dt.date, end: dt.date) -> dt.datetime:
    day = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
    return dt.datetime.combine(day, dt.time(rng.randrange(8, 22), rng.randrange(60), rng.randrange(60)))


TIME_FORMATS = {  # how CRMs write a consent time -> weight
    "{t:%Y-%m-%d}": 30, "{t.year}/{t.month}/{t.day}": 20, "{t.year}年{t.month}月{t.day}日": 15,
    "{t:%Y-%m-%d %H:%M:%S}": 25, "{t:%Y-%m-%dT%H:%M:%S}+08:00": 10,
}


def fmt_time(rng: random.Random, t: dt.datetime) -> str:
    return rng.choices(list(TIME_FORMATS), list(TIME_FORMATS.values()))[0].format(t=t)


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def city_of(place: str) -> str:
    return re.sub(r"^(?:.*?省|内蒙古|宁夏|广西|新疆|西藏)?(.+?)市?$", r"\1", place)


def source_windows(policy_path: Path) -> dict[str, tuple[dt.date, dt.date]]:
    """Source text -> (valid_from, valid_until), from the sample policy (names and aliases)."""
    sources = tomllib.loads(policy_path.read_text(encoding="utf-8"))["sources"]
    return {alias: (s["valid_from"], s["valid_until"]) for s in sources for alias in [s["name"], *s["aliases"]]}


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str, newline: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


# ---------------------------------------------------------------- consent vocabulary and codes

YES = ["是", "同意", "yes", "Y", "1", "true", "opt-in", "是", "同意", "是"]
REFUSED = ["否", "拒绝", "no", "N", "0", "false", "opt-out"]
WITHDRAWN = ["退订", "TD", "unsubscribed", "退订"]
UNMAPPED = "待确认"  # "to be confirmed": no vocabulary maps it, so it counts as no consent
SMS_CHANNELS = ["短信"] * 8 + ["SMS"] * 3 + ["全部", "all"] * 2
VOICE_CHANNELS = ["电话", "外呼", "voice"]
MARKETING = ["营销"] * 6 + ["推广"] * 3 + ["marketing"] * 2
SERVICE = ["服务", "通知", "service"]
THIRD_PARTIES = ("第三方合作", "partner")


RANK = {"granted": 0, "missing": 2, "refused": 3, "withdrawn": 4}


def consent_class(r: dict) -> str:
    if r.get("consent", "") in ("", UNMAPPED):
        return "missing"
    if r["consent"] in REFUSED:
        return "refused"
    if r["consent"] in WITHDRAWN:
        return "withdrawn"
    return "granted"


def planted_codes(rows: list[dict], windows) -> Counter:
    """Rows per rule code (README.md, "Rules"). A row: intended number ``n`` (None for junk), ``fmt``,
    planted phone ``codes``, and its provenance and consent fields.

    Mirrors DU002's semantics: the rows of one number that disagree on consent or source
    all get DU002, and every row takes the number's most restrictive consent.
    """
    codes: Counter = Counter()
    seen: set = set()
    by_number: dict = {}
    for r in rows:
        if r["n"] is not None:
            by_number.setdefault(r["n"], []).append(r)
    effective = {n: max((consent_class(r) for r in rs), key=RANK.get) for n, rs in by_number.items()}
    conflicting = {n for n, rs in by_number.items() if len(rs) > 1 and (
        len({consent_class(r) for r in rs}) > 1 or len({r.get("source", "").lower() for r in rs}) > 1)}
    for r in rows:
        found = set(r.get("codes", ()))
        if r["fmt"] in REPAIRED:
            found.add("PH010")
        if r["n"] is not None and r["n"] in seen:
            found.add("DU001")
        seen.add(r["n"])
        if r["n"] in conflicting:
            found.add("DU002")
        src, day = r.get("source", ""), r.get("date")
        if not src:
            found.add("PR001")
        elif src not in windows:
            found.add("PR002")
        elif day and not windows[src][0] <= day <= windows[src][1]:
            found.add("PR004")
        if src in THIRD_PARTIES and not r["evidence"]:
            found.add("PR005")
        cls = effective.get(r["n"], consent_class(r))
        if cls == "missing":
            found.add("CN001")
        elif cls in ("refused", "withdrawn"):
            found.add("CN002")
        else:
            found |= {code for code, hit in (
                ("CN003", day and day < AS_OF - dt.timedelta(days=730)),
                ("CN004", r["channel"] in VOICE_CHANNELS),
                ("CN005", r["purpose"] in SERVICE),
            ) if hit}
        if day and day > AS_OF:
            found.add("CN006")
        codes.update(found)
    return +codes  # drops zero counts


def consent_time(rng: random.Random, source: str, when: str) -> dt.datetime:
    if when == "old":
        return random_time(rng, dt.date(2021, 6, 1), OLD_BEFORE)
    if when == "future":  # a typo'd year or an import stamped ahead
        return random_time(rng, AS_OF + dt.timedelta(days=10), AS_OF + dt.timedelta(days=60))
    if source == "活动报名":  # the 2025 event series; a few sign-ups after it ended (PR004)
        late = rng.random() < 0.08
        span = (dt.date(2026, 2, 1), dt.date(2026, 10, 31)) if late else (dt.date(2025, 3, 15), dt.date(2025, 12, 20))
        return random_time(rng, *span)
    return random_time(rng, OLD_BEFORE + dt.timedelta(days=20), AS_OF - dt.timedelta(days=3))


def evidence(rng: random.Random, source: str, t: dt.datetime, empty: float = 0.1) -> str:
    if rng.random() < (0.7 if source in THIRD_PARTIES else empty):
        return ""
    if source in ("官网注册", "website", "web-form"):
        return f"web-form:{t.year}-{rng.randrange(10**7):07d}"
    if source == "门店登记":
        return f"门店签字单:HZ{rng.randrange(1, 9):02d}-{t:%Y%m%d}-{rng.randrange(1, 300):03d}"
    if source == "in-store":
        return f"store-signup:{t:%Y%m%d}-{rng.randrange(1, 300):03d}"
    if source == "活动报名":
        return f"活动签到表:{t:%Y%m%d}-{rng.randrange(1, 500)}"
    if source in THIRD_PARTIES:
        return f"合作方授权书:PA-{t.year}-{rng.randrange(1, 40):03d}"
    return f"短信回复Y:{t:%Y%m%d%H%M}"


# ---------------------------------------------------------------- crm_export_gb18030.csv

CRM_HEADER = ["姓名", "手机号", "来源", "是否同意", "同意渠道", "同意用途", "同意时间", "同意凭证", "城市"]
CRM_FIELDS = ["name", "phone", "source", "consent", "channel", "purpose", "time", "evidence", "city"]
CRM_FORMATS = {"plain": 52, "spaced": 7, "dashed": 7, "plus86": 7, "0086": 4, "86-": 4, "fullwidth": 4, "float": 15}
CRM_SOURCES = ["官网注册"] * 40 + ["门店登记"] * 30 + ["活动报名"] * 15 + ["website"] * 3 + ["web-form"] * 2 + ["老客户转介绍"] * 3
THIRD_PARTY_STAMP = "2025-06-30 00:00:00"  # every partner row carries the same bulk-stamped time


def crm(rng: random.Random, numbers: Numbers, pools: dict[str, list[str]]) -> tuple[list[dict], list[dict]]:
    """The shop's CRM rows (dicts, in file order) and the 20 of them on the do-not-contact list."""
    zhejiang = [p for p in pools if p.startswith("浙江省") and p != "浙江省杭州市"]
    elsewhere = [p for p in pools if not p.startswith("浙江省")]
    junk = crm_junk(rng, numbers, pools["浙江省杭州市"])
    n_dup, n_conflict = 100, 10
    n_base = 2000 - n_dup - len(junk)
    consent = quota(rng, n_base, withdrawn=60, refused=20, missing=50, pending=8)
    source = quota(rng, n_base, missing=80, third=30)
    n_ok = consent.count("ok")  # the next problems sit on otherwise consented rows
    when, channel = quota(rng, n_ok, old=60, future=2), quota(rng, n_ok, voice=40)
    purpose = quota(rng, n_ok, service=40)
    base, j = [], -1
    for i in range(n_base):
        r = rng.random()
        place = "浙江省杭州市" if r < 0.72 else rng.choice(zhejiang) if r < 0.95 else rng.choice(elsewhere)
        n = numbers.mobile(pools[place])
        fmt, text = fmt_phone(rng, n, CRM_FORMATS)
        name = chinese_name(rng) if rng.random() > 0.01 else ""
        row = {"name": name, "n": n, "fmt": fmt, "phone": text, "place": place}
        row["source"] = {"missing": "", "third": THIRD_PARTIES[0]}.get(source[i], rng.choice(CRM_SOURCES))
        row["kind"] = kind = consent[i]
        row["consent"] = "" if kind == "missing" else UNMAPPED if kind == "pending" else rng.choice(
            {"withdrawn": WITHDRAWN, "refused": REFUSED}.get(kind, YES))
        if kind in ("missing", "pending"):
            row.update(channel="", purpose="", time="", date=None, evidence="")
        else:
            j += kind == "ok"
            row["channel"] = rng.choice(VOICE_CHANNELS if kind == "ok" and channel[j] == "voice" else SMS_CHANNELS)
            row["purpose"] = rng.choice(SERVICE if kind == "ok" and purpose[j] == "service" else MARKETING)
            t = consent_time(rng, row["source"], when[j] if kind == "ok" else "ok")
            row["date"], row["evidence"] = t.date(), evidence(rng, row["source"], t)
            row["time"] = THIRD_PARTY_STAMP if row["source"] in THIRD_PARTIES else fmt_time(rng, t)
            if row["source"] in THIRD_PARTIES:  # the stamp, not the drawn time, is what a scan sees
                row["date"] = dt.date.fromisoformat(THIRD_PARTY_STAMP[:10])
        row["city"] = rng.choice([city_of(place), city_of(place), city_of(place) + "市", ""])
        base.append(row)
    consented = [b for b in base if b["kind"] == "ok"]
    rows = list(base)
    for cell in junk:  # junk rows keep ordinary consent fields: the phone cell is the problem
        rows.insert(rng.randrange(len(rows) + 1), {**rng.choice(consented), **cell, "name": chinese_name(rng)})
    singles = [r for r in consented if r["source"] in CRM_SOURCES]
    origins = rng.sample(singles, n_dup)
    for k, orig in enumerate(origins):  # the same person imported again, in another format
        dup = dict(orig)
        dup["fmt"], dup["phone"] = fmt_phone(rng, orig["n"], CRM_FORMATS, avoid=orig["fmt"])
        if k < n_conflict // 2:  # later unsubscribed; the CRM kept both rows
            dup["consent"], dup["conflict"] = "退订", True
        elif k < n_conflict:  # recorded again under another source
            dup["source"], dup["conflict"] = ("门店登记" if orig["source"] != "门店登记" else "官网注册"), True
        insert_later(rng, rows, orig, dup)
    # the do-not-contact list knows 20 of these people: 8 already withdrew here, 12 the CRM never synced
    unsynced = [r for r in singles if all(r is not o for o in origins)]
    suppressed = rng.sample(unsynced, 12) + rng.sample([r for r in base if r["kind"] == "withdrawn"], 8)
    return rows, suppressed


def crm_junk(rng: random.Random, numbers: Numbers, hangzhou: list[str]) -> list[dict]:
    """The phone cells a real CRM collects, each with the codes a scan should give it."""
    def mob() -> str:
        return numbers.mobile(hangzhou)

    def landline() -> str:
        return numbers.claim(f"0571-8{rng.randrange(10**7):07d}")

    def mangled() -> str:  # what Excel shows for 13812345678 in a narrow General column
        n = mob()
        return f"{n[0]}.{n[1:6].rstrip('0') or '0'}E+10"

    cells = [
        *[("", "PH001"), ("未知", "PH001"), ("无", "PH001"), ("-", "PH001")] * 3,
        ("123", "PH001"),  # too short to be any CN number
        *[(mangled(), "PH003") for _ in range(6)],
        *[(mob()[:10], "PH002") for _ in range(3)],  # a digit dropped
        *[(mob() + str(rng.randrange(10)), "PH002") for _ in range(2)],  # a digit too many
        *[(landline(), "PH004") for _ in range(5)],
        *[(f"{landline()}转{rng.randrange(8001, 8100)}", "PH004 PH007") for _ in range(3)],
        *[(f"{mob()}/{mob()}", "PH012") for _ in range(3)],
        *[(f"{mob()}微信同号", "PH012") for _ in range(3)],
        *[(f"106{rng.randrange(10**10):010d}", "PH005") for _ in range(2)],
        ("95588", "PH005"), ("95533", "PH005"),
        *[(numbers.mobile(["1700571", "1705710"]), "PH008") for _ in range(2)],
        (valid_foreign(lambda: f"+852 {rng.choice('569')}{rng.randrange(1000):03d} {rng.randrange(10**4):04d}"),
         "PH006"),
        (valid_foreign(lambda: f"+1 (212) 7{rng.randrange(10, 99)}-{rng.randrange(10**4):04d}"), "PH006"),
    ]
    return [{"phone": text, "fmt": "junk", "codes": codes.split(), "n": None} for text, codes in cells]


# ---------------------------------------------------------------- contacts_en.csv

EN_HEADER = ["name", "phone", "source", "consent", "consent_channel", "consent_purpose", "consent_date", "evidence",
             "email"]
EN_FIELDS = ["name", "phone", "source", "consent", "channel", "purpose", "time", "evidence", "email"]
EN_FORMATS = {"plus86": 40, "plus86-compact": 30, "plain": 30}
EN_SOURCES = ["web-form"] * 6 + ["website"] * 3 + ["in-store"]
EN_YES = ["yes", "opt-in", "Y", "true"]


def contacts_en(rng: random.Random, numbers: Numbers, pools: dict[str, list[str]]) -> list[dict]:
    """A national e-commerce list: numbers from every province, mostly clean, evidence on each row."""
    nationwide = [b for blocks in pools.values() for b in blocks]
    plan = quota(rng, 297, withdrawn=4, no_evidence=3, old=1, service=2, voice=1, partner=2, no_source=2,
                 invalid=1, foreign=1)
    rows = []
    for label in plan:
        n = numbers.mobile(nationwide)
        fmt, phone = fmt_phone(rng, n, EN_FORMATS)
        t = consent_time(rng, "", "old" if label == "old" else "ok")
        source = {"partner": "partner", "no_source": ""}.get(label, rng.choice(EN_SOURCES))
        given = rng.choice(PINYIN_GIVEN) + rng.choice(["", "", rng.choice(PINYIN_GIVEN).lower()])
        surname = rng.choice(PINYIN_SURNAMES)
        row = {
            "name": f"{given} {surname}", "n": n, "fmt": fmt, "phone": phone, "source": source,
            "consent": rng.choice(["opt-out", "unsubscribed"] if label == "withdrawn" else EN_YES),
            "channel": "voice" if label == "voice" else rng.choice(["sms"] * 5 + ["SMS", "all"]),
            "purpose": "service" if label == "service" else rng.choice(["marketing"] * 4 + ["promotion"]),
            "date": t.date(), "time": rng.choice([f"{t:%Y-%m-%dT%H:%M:%S}+08:00", f"{t:%Y-%m-%d}"]),
            "evidence": "" if label in ("no_evidence", "partner") else evidence(rng, source or "web-form", t, empty=0),
            "email": f"{given}.{surname}{rng.randrange(10, 9999)}@example.{rng.choice(['com', 'net', 'org'])}".lower(),
        }
        if label == "invalid":
            row.update(phone=n[:10], n=None, fmt="junk", codes=["PH002"])
        if label == "foreign":
            phone = valid_foreign(lambda: f"+1 646 7{rng.randrange(10, 99)} {rng.randrange(10**4):04d}")
            row.update(phone=phone, n=None, fmt="junk", codes=["PH006"])
        rows.append(row)
    for orig in rng.sample([r for r in rows if r["n"] and not r.get("codes")], 3):  # signed up twice
        dup = {**orig, "fmt": "plain", "phone": orig["n"] if orig["fmt"] != "plain" else "+86" + orig["n"]}
        insert_later(rng, rows, orig, dup)
    return rows


# ---------------------------------------------------------------- vendor_list.xlsx and vendor_list.txt

VENDOR_SOURCES = ["数据商提供"] * 10 + ["购买名单"] * 6 + ["爬取"] * 3 + [""]
TEMPLATE_NAMES = [s + t for s in "王李张刘陈杨黄赵" for t in ("先生", "女士")] + ["客户"] * 6 + ["用户", "VIP客户", ""]


def write_vendor_xlsx(rng: random.Random, path: Path, numbers: Numbers, hangzhou: list[str], crm: list[str]) -> dict:
    """A bought list: three Hangzhou blocks enumerated densely, some of the shop's own customers, repeats."""
    a, b, c = rng.sample(hangzhou, 3)
    nums = [a + f"{s:04d}" for s in range(1000) if rng.random() < 0.62]  # a block enumerated and filtered
    nums += [b + f"{s:04d}" for s in range(3000, 3600) if rng.random() < 0.7]
    nums += [c + f"{s:04d}" for s in range(5000, 5300)]  # 300 consecutive numbers
    assert all(is_mobile(n) for n in nums)
    nums += rng.sample(crm, 40)  # people already in the shop's CRM
    nums += [numbers.mobile(hangzhou) for _ in range(1485 - len(nums))]
    nums = sorted(nums + rng.sample(nums, 15))  # 15 repeats; generated lists come sorted
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": dt.datetime(2026, 11, 23, 9, 0, 0), "author": ""})  # no clock in the file
    ws = wb.add_worksheet("Sheet1")
    digits = wb.add_format({"num_format": "0"})
    ws.write_row(0, 0, ["手机号码", "姓名", "来源"])
    codes, cells, readable, row_sources = Counter(CN001=len(nums)), Counter(), [], []
    for i, n in enumerate(nums, start=1):
        r = rng.random()
        if r < 0.06:  # pasted from a CSV that Excel had already shown in E-notation: digits lost
            ws.write_string(i, 0, f"{n[0]}.{n[1:6].rstrip('0') or '0'}E+10")
            cells["text, scientific notation"] += 1
            codes["PH003"] += 1
        else:
            readable.append(n)
            if r < 0.08:
                ws.write_string(i, 0, n)
                cells["text, digits"] += 1
            else:
                ws.write_number(i, 0, int(n if r > 0.11 else "86" + n), digits)
                cells["number" if r > 0.11 else "number with country code 86"] += 1
        ws.write_string(i, 1, rng.choice(TEMPLATE_NAMES))
        source = rng.choice(VENDOR_SOURCES)
        row_sources.append((n, source, r >= 0.06))
        ws.write_string(i, 2, source)
        codes["PR003" if source else "PR001"] += 1
    ws.set_column(0, 0, 11)
    wb.close()
    codes["DU001"] = len(readable) - len(set(readable))
    sources_of: dict = {}
    for n, src, ok in row_sources:
        if ok:  # a mangled cell has no number, so it joins no group
            sources_of.setdefault(n, []).append(src)
    codes["DU002"] = sum(len(v) for v in sources_of.values() if len(v) > 1 and len(set(v)) > 1)
    return {"rows": len(nums), "codes": dict(sorted(codes.items())), "notes": {
        "phone cells": dict(sorted(cells.items())),
        "dense blocks": {f"{a}xxxx": "0000-0999, 62% kept", f"{b}xxxx": "3000-3599, 70% kept",
                         f"{c}xxxx": "5000-5299, all"},
        "numbers also in the CRM export": len(set(nums) & set(crm)),
        "names": "templates (王先生, 李女士, 客户, ...)",
    }}


def vendor_txt(rng: random.Random, numbers: Numbers, pools: dict[str, list[str]]) -> tuple[list[str], dict]:
    """A raw scraped list: two sequential runs, scattered numbers, relay and IoT numbers."""
    guangdong = [b for p, blocks in pools.items() if p.startswith("广东省") for b in blocks]
    runs = []
    for length in (150, 100):
        block, start = rng.choice(guangdong), rng.randrange(9000 - length)
        runs.append([numbers.claim(block + f"{s:04d}") for s in range(start, start + length)])
    relay = [f"700{rng.randrange(10**8):08d}" for _ in range(30)]  # from delivery labels
    iot = [f"1440{rng.randrange(10**9):09d}" for _ in range(10)]  # 13-digit IoT numbers
    scattered = [numbers.mobile([b for blocks in pools.values() for b in blocks]) for _ in range(210)]
    lines = [f"+86{n}" if k < 12 else f"{n} " if k < 17 else n for k, n in enumerate(scattered)] + relay + iot
    rng.shuffle(lines)
    for run in runs:
        at = rng.randrange(len(lines) + 1)
        lines[at:at] = run
    codes = {"CN001": len(lines), "PH009": len(iot), "PH011": len(relay), "PR001": len(lines)}
    notes = {"sequential runs (Guangdong blocks)": [len(r) for r in runs]}
    return lines, {"rows": len(lines), "codes": codes, "notes": notes}


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Regenerate the sample contact lists (deterministic).")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this script's folder)")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    numbers, pools, windows = Numbers(rng), block_pools(), source_windows(HERE / "policy.toml")
    planted = {}

    rows, suppressed = crm(rng, numbers, pools)
    table = [[r[k] for k in CRM_FIELDS] for r in rows]
    write_csv(out / "crm_export_gb18030.csv", CRM_HEADER, table, "gb18030", "\r\n")  # a Windows export
    codes = planted_codes(rows, windows)
    codes["SP001"] = sum(r["n"] in {s["n"] for s in suppressed} for r in rows)
    planted["crm_export_gb18030.csv"] = {"rows": len(rows), "codes": dict(sorted(codes.items())), "notes": {
        "SP001": "only when scanned with --suppress suppression.csv",
        "rows with a mobile number from blocks of": dict(Counter(
            "Hangzhou" if r["place"] == "浙江省杭州市" else "rest of Zhejiang" if r["place"].startswith("浙江省")
            else "other provinces" for r in rows if r["n"])),
        f"{THIRD_PARTIES[0]} rows, all stamped {THIRD_PARTY_STAMP}": sum(r["source"] in THIRD_PARTIES for r in rows),
        "consented rows without evidence (CN007 if required)": sum(r["consent"] in YES and not r["evidence"]
                                                                   for r in rows),
    }}

    en = contacts_en(rng, numbers, pools)
    write_csv(out / "contacts_en.csv", EN_HEADER, [[r[k] for k in EN_FIELDS] for r in en], "utf-8", "\n")
    planted["contacts_en.csv"] = {"rows": len(en), "codes": dict(sorted(planted_codes(en, windows).items()))}

    in_crm = sorted({r["n"] for r in rows if r["n"]})
    planted["vendor_list.xlsx"] = write_vendor_xlsx(rng, out / "vendor_list.xlsx", numbers, pools["浙江省杭州市"], in_crm)
    lines, planted["vendor_list.txt"] = vendor_txt(rng, numbers, pools)
    (out / "vendor_list.txt").write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))

    # 20 of the CRM's people in a format other than the CRM row's, and 30 others
    formats = {"plus86": 4, "plus86-compact": 3, "plain": 3, "spaced": 2, "86-": 1}
    sup = [fmt_phone(rng, r["n"], formats, avoid=r["fmt"])[1] for r in suppressed]
    sup += [fmt_phone(rng, numbers.mobile(pools["浙江省杭州市"]), formats)[1] for _ in range(30)]
    rng.shuffle(sup)
    write_csv(out / "suppression.csv", ["phone"], [[s] for s in sup], "utf-8", "\n")
    planted["suppression.csv"] = {"rows": len(sup), "notes": {"numbers also in the CRM export": len(suppressed)}}

    text = json.dumps(planted, ensure_ascii=False, indent=2) + "\n"
    (out / "planted.json").write_bytes(text.encode("utf-8"))
    print(text, end="")


if __name__ == "__main__":
    main()
