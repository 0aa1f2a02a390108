"""Generated differential corpus: (value, default region) pairs covering every supported region.

Built from phonenumbers' own example numbers (every type of every region and non-geographic
calling code, plus the invalid examples), turned into many written forms (E.164, international,
national, RFC 3966, ``00``/IDD/bare country code, national prefix, separators, extensions) and
perturbed (changed, dropped and added digits), plus junk, letters and odd characters, each
paired with several default regions (its own, CN, US, none, a random one, and region values
phonenumbers treats specially). Deterministic for a given seed.
"""

from __future__ import annotations

import random
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonenumberutil import COUNTRY_CODES_FOR_NON_GEO_REGIONS

TYPES = [getattr(PhoneNumberType, n) for n in dir(PhoneNumberType) if n.isupper()]
SEPARATORS = [" ", "-", ".", "", "  ", "/", " - "]
EXTENSIONS = [" ext. 12", " ext. 123456789012345678901", " x 34", "#56", ";ext=78", " ext 9", ",,123",
              " ext. 5 ", "x", " 转 12"]
JUNK = [
    "", " ", "-", "N/A", "无", "空", "null", "0", "1", "12", "123", "1234", "+", "++", "+0", "00",
    "000000", "+1", "+86", "+86 ", "tel:", "tel:+", "(", "()", "...", "--", "+-+", "电话", "手机号码",
    "138****8000", "１３８００１３８０００", "١٣٨٠٠١٣٨٠٠٠", "13800138000😀", "😀", "\t13800138000",
    "13800138000\x00", "1 3 8", "+ 86 138 0013 8000", "(+86) 13800138000", "+86(0)10 1234 5678",
    "0086-10-12345678", "86 13800138000", "8613800138000", "+8613800138000", "++8613800138000",
    "+0086 13800138000", "+00 86 13800138000", "+999 123456", "1-800-FLOWERS", "1800 MICROSOFT",
    "+1 650 CALL NOW", "+44 (0) 20 7946 0000", "tel:+1-201-555-0123;ext=1234", "tel:+1-201-555-0123",
    "tel:555-0123;phone-context=+1-201", "tel:0123;phone-context=example.com", ";phone-context=",
    "tel:+44-20-7946-0000;isub=12345", "13800138000/13900139000", "138 0013 8000 x 12",
    "138 0013 8000 ext. 12", "12 ext. 3", "1 ext. 34", "+1 ext. 5", "1.38001E+10", "13800138000.0",
    "Tel: 010-12345678", "Phone 1: 010-12345678", "a13800138000b", "13800138000a", "13800138000 abc",
]
SPECIAL_REGIONS = ["cn", "us", "ZZ", "001", "", "XX", "Cn"]


@lru_cache(maxsize=1)
def examples() -> tuple[tuple[str, phonenumbers.PhoneNumber], ...]:
    """(region or '001', example number) for every type of every region / non-geo code."""
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for t in TYPES:
            ex = phonenumbers.example_number_for_type(region, t)
            if ex is not None:
                out.append((region, ex))
        inv = phonenumbers.invalid_example_number(region)
        if inv is not None:
            out.append((region, inv))
    for cc in sorted(COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        ex = phonenumbers.example_number_for_non_geo_entity(cc)
        if ex is not None:
            out.append(("001", ex))
    # one representative per distinct (region, number)
    seen, uniq = set(), []
    for region, ex in out:
        key = (region, ex.country_code, phonenumbers.national_significant_number(ex))
        if key not in seen:
            seen.add(key)
            uniq.append((region, ex))
    return tuple(uniq)


def _digit_variants(nsn: str, rng: random.Random) -> list[str]:
    out = [nsn]
    if len(nsn) > 1:
        i = rng.randrange(len(nsn))
        out.append(nsn[:i] + rng.choice("0123456789") + nsn[i + 1:])
        out.append(nsn[:-1])
        out.append(nsn[1:])
    out.append(nsn + rng.choice("0123456789"))
    out.append(nsn + "".join(rng.choice("0123456789") for _ in range(2)))
    out.append(nsn[:2] + "".join(rng.choice("0123456789") for _ in range(max(0, len(nsn) - 2))))
    out.append(nsn[: max(1, len(nsn) // 2)])
    return out


def _group(digits: str, rng: random.Random) -> str:
    sep = rng.choice(SEPARATORS)
    parts, i = [], 0
    while i < len(digits):
        n = rng.randint(2, 4)
        parts.append(digits[i:i + n])
        i += n
    return sep.join(parts)


def _number(cc: int, nsn: str) -> phonenumbers.PhoneNumber:
    n = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn) if nsn else 0)
    if len(nsn) > 1 and nsn[0] == "0":
        n.italian_leading_zero = True
        zeros = len(nsn) - len(nsn.lstrip("0"))
        zeros = min(zeros, len(nsn) - 1)
        if zeros > 1:
            n.number_of_leading_zeros = zeros
    return n


def _forms(region: str, cc: int, nsn: str, rng: random.Random) -> list[str]:
    md = PhoneMetadata.metadata_for_region(region) if region != "001" else None
    np = (md.national_prefix or "") if md else ""
    idd = (md.preferred_international_prefix or md.international_prefix or "00") if md else "00"
    if not idd.isdigit():
        idd = "00"
    out = [
        f"+{cc}{nsn}", f"+{cc} {_group(nsn, rng)}", f"{cc}{nsn}", f"00{cc}{nsn}", f"011{cc}{nsn}",
        f"{idd}{cc}{nsn}", f"{np}{nsn}", nsn, _group(nsn, rng), f"({np}{nsn[:3]}) {nsn[3:]}",
        f"+{cc} ({np}) {nsn}", f"+{cc}{np}{nsn}", f"tel:+{cc}-{nsn}", f"+{cc}-{nsn}-",
        f"{cc} {np}{nsn}", f"+ {cc} {nsn}",
    ]
    if nsn.isdigit() and nsn:
        num = _number(cc, nsn)
        for fmt in (PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL, PhoneNumberFormat.RFC3966):
            try:
                out.append(phonenumbers.format_number(num, fmt))
            except Exception:  # noqa: BLE001 - formatting odd numbers may fail; skip them
                pass
    out.append(rng.choice(out) + rng.choice(EXTENSIONS))
    return out


def _regions(own: str, rng: random.Random, all_regions: list[str]) -> list[str | None]:
    regions: list[str | None] = [own if own != "001" else rng.choice(all_regions), "CN", "US", None,
                                 rng.choice(all_regions)]
    if rng.random() < 0.1:
        regions.append(rng.choice(SPECIAL_REGIONS))
    return regions


def _soup(rng: random.Random) -> str:
    alphabet = "0123456789" * 4 + " +-.()/x#;,~tel:ABCext转*_\t" + "０１＋（）\u00a0\u3000"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))


def corpus(seed: int = 0, fraction: float = 1.0) -> list[tuple[str | None, str | None]]:
    """(value, region) pairs; ``fraction`` < 1 samples the examples (all junk is kept)."""
    rng = random.Random(seed)
    all_regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    pairs: list[tuple[str | None, str | None]] = []
    for region, ex in examples():
        if fraction < 1.0 and rng.random() > fraction:
            continue
        nsn = phonenumbers.national_significant_number(ex)
        for variant in _digit_variants(nsn, rng):
            for form in _forms(region, ex.country_code, variant, rng):
                for r in _regions(region, rng, all_regions):
                    if rng.random() < 0.5:  # keep the corpus size in check
                        pairs.append((form, r))
    for value in JUNK:
        for r in ["CN", "US", None, "DE", "cn", "BR", "AR"]:
            pairs.append((value, r))
    for _ in range(int(3000 * max(fraction, 0.2))):
        pairs.append((_soup(rng), rng.choice(["CN", "US", None, rng.choice(all_regions)])))
    pairs.append((None, "CN"))
    pairs.append((None, None))
    seen, out = set(), []
    for p in pairs:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out
