"""A realistic CN-heavy contact list for benchmarks (deterministic for a seed).

Mix (before repeats): ~78% CN mobiles written many ways (plain, +86, 86, 0086, dashes,
spaces, full-width digits, float artifacts, padding), ~6% CN fixed lines (area code, dashes,
parentheses, 转 extensions), ~6% foreign numbers from phonenumbers' example numbers of many
regions with perturbed digits, ~5% wrong-length or odd CN numbers, ~5% junk (empty, text,
masked numbers, scientific notation, annotations, letters). Then ~20% of rows repeat earlier
rows.
"""

from __future__ import annotations

import random

import phonenumbers
from phonenumbers import PhoneNumberFormat

MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150", "151",
                   "152", "155", "156", "157", "158", "159", "162", "165", "166", "167", "170", "171",
                   "172", "173", "175", "176", "177", "178", "180", "181", "182", "183", "185", "186",
                   "187", "188", "189", "191", "193", "195", "196", "197", "198", "199"]
AREA_CODES = ["10", "20", "21", "22", "23", "24", "25", "27", "28", "29", "311", "351", "371", "431",
              "451", "471", "531", "551", "571", "591", "731", "755", "769", "871", "898"]
FOREIGN_REGIONS = ["US", "GB", "HK", "TW", "MO", "JP", "KR", "SG", "MY", "TH", "VN", "AU", "CA", "DE",
                   "FR", "IT", "RU", "IN", "PH", "ID", "AE", "NZ", "BR", "ES"]
JUNK = ["", " ", "无", "N/A", "-", "未知", "138****8000", "1.38001E+10", "13800138000 微信同号",
        "13800138000/13900139000", "电话", "123", "0", "tel", "call me", "1-800-FLOWERS"]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _mobile(rng: random.Random) -> str:
    n = rng.choice(MOBILE_PREFIXES) + _digits(rng, 8)
    r = rng.random()
    if r < 0.62:
        return n
    if r < 0.70:
        return "+86" + n
    if r < 0.74:
        return "+86 " + n[:3] + " " + n[3:7] + " " + n[7:]
    if r < 0.78:
        return "86" + n
    if r < 0.80:
        return "0086" + n
    if r < 0.86:
        return n[:3] + "-" + n[3:7] + "-" + n[7:]
    if r < 0.91:
        return n[:3] + " " + n[3:7] + " " + n[7:]
    if r < 0.94:
        return n + ".0"
    if r < 0.96:
        return n.translate(FULLWIDTH)
    return " " + n + " "


def _fixed(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    local = rng.choice("2345678") + _digits(rng, 7 if len(area) == 2 else rng.choice([6, 7]))
    r = rng.random()
    if r < 0.4:
        return "0" + area + "-" + local
    if r < 0.6:
        return "0" + area + local
    if r < 0.75:
        return "(0" + area + ")" + local
    if r < 0.85:
        return "+86 " + area + " " + local
    return "0" + area + "-" + local + "转" + _digits(rng, rng.randint(2, 4))


def _foreign(rng: random.Random, examples: list) -> str:
    ex = rng.choice(examples)
    nsn = phonenumbers.national_significant_number(ex)
    if rng.random() < 0.3:
        i = rng.randrange(len(nsn))
        nsn = nsn[:i] + rng.choice("0123456789") + nsn[i + 1:]
    num = phonenumbers.PhoneNumber(country_code=ex.country_code, national_number=int(nsn))
    if nsn.startswith("0"):
        num.italian_leading_zero = True
    fmt = rng.choice([PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.INTERNATIONAL])
    return phonenumbers.format_number(num, fmt)


def _odd_cn(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.4:
        return rng.choice(MOBILE_PREFIXES) + _digits(rng, rng.choice([6, 7, 9, 10]))
    if r < 0.7:
        return "1" + _digits(rng, 10)
    return _digits(rng, rng.randint(4, 14))


def contact_list(rows: int, seed: int = 0, repeat_share: float = 0.2) -> list[str]:
    """``rows`` raw phone values."""
    rng = random.Random(seed)
    examples = []
    for region in FOREIGN_REGIONS:
        for t in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            ex = phonenumbers.example_number_for_type(region, t)
            if ex is not None:
                examples.append(ex)
    out: list[str] = []
    for _ in range(rows):
        if out and rng.random() < repeat_share:
            out.append(out[rng.randrange(len(out))])
            continue
        r = rng.random()
        if r < 0.78:
            out.append(_mobile(rng))
        elif r < 0.84:
            out.append(_fixed(rng))
        elif r < 0.90:
            out.append(_foreign(rng, examples))
        elif r < 0.95:
            out.append(_odd_cn(rng))
        else:
            out.append(rng.choice(JUNK))
    return out
