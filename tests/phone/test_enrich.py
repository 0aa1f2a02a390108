"""enrich() agrees with phonenumbers' per-number carrier and geocoder calls."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import phonenumbers
import polars as pl
import pytest
from phonenumbers import carrier, geocoder

from scanner.phone import engine
from scanner.phone.enrich import enrich
from scanner.phone.normalize import normalize

sys.path.insert(0, str(Path(__file__).parent))
from phone_corpus import corpus, examples  # noqa: E402


def _cn_values(n: int, seed: int = 0) -> list[str]:
    """CN mobiles over every 4-digit prefix that has carrier data, plus fixed lines."""
    rng = random.Random(seed)
    prefixes = sorted({k[2:6] for k in phonenumbers.carrierdata.CARRIER_DATA if k.startswith("861")})
    out = []
    for _ in range(n):
        if rng.random() < 0.8:
            p = rng.choice(prefixes)
            out.append(p + "".join(rng.choice("0123456789") for _ in range(11 - len(p))))
        else:
            area = rng.choice(["10", "20", "21", "311", "755", "871", "898", "9999"])
            out.append("0" + area + "".join(rng.choice("0123456789") for _ in range(8)))
    return out


def _pairs(seed: int, fraction: float) -> list[tuple[str | None, str | None]]:
    pairs = [(v, "CN") for v in _cn_values(3000, seed)]
    pairs += [(f"+{ex.country_code}{phonenumbers.national_significant_number(ex)}", None) for _, ex in examples()]
    pairs += corpus(seed=seed, fraction=fraction)
    return list(dict.fromkeys(pairs))


def assert_enrich_agrees(pairs, lang):
    clean = pl.Series([v for v, _ in pairs], dtype=pl.String)
    region = pl.Series([r for _, r in pairs], dtype=pl.String)
    parsed = engine.parse_clean(clean, region)
    out = enrich(parsed, lang=lang)
    assert out.height == parsed.height
    bad = []
    for (value, reg), row in zip(pairs, out.iter_rows(named=True)):
        try:
            number = phonenumbers.parse(value, reg) if value is not None else None
        except phonenumbers.NumberParseException:
            number = None
        if number is None:
            assert row["e164"] is None and row["carrier"] is None and row["geo"] is None
            continue
        expected = (carrier.name_for_number(number, lang), geocoder.description_for_number(number, lang))
        if (row["carrier"], row["geo"]) != expected:
            bad.append((value, reg, (row["carrier"], row["geo"]), expected))
    assert not bad, f"{len(bad)} disagreements, e.g. {bad[:10]}"
    return out


def test_enrich_agrees_with_phonenumbers_in_chinese():
    out = assert_enrich_agrees(_pairs(0, 0.01), "zh")
    assert "中国移动" in set(out.get_column("carrier").to_list())
    assert out.filter(pl.col("geo") == "北京市").height > 0


def test_enrich_agrees_with_phonenumbers_in_english():
    assert_enrich_agrees(_pairs(1, 0.005), "en")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en", "zh_Hant", "de", "ja"])
def test_enrich_agrees_on_a_large_corpus(lang):
    assert_enrich_agrees(_pairs(2, 0.2), lang)


def test_block_is_the_ten_thousand_number_prefix():
    out = enrich(normalize(pl.Series(["13800138000", "010-12345678", "+1 650 253 0000", "12345", None, "110"]),
                           region="CN"))
    assert out.get_column("block").to_list() == ["+861380013", "+86101234", "+1650253", None, None, None]
    first = out.row(0, named=True)
    assert (first["carrier"], first["geo"]) == ("中国移动", "北京市")


def test_repeated_numbers_are_looked_up_once_and_rows_kept():
    values = ["13800138000"] * 5 + ["+86 138 0013 8000", "n/a"]
    out = enrich(normalize(pl.Series(values), region="CN"))
    assert out.height == len(values)
    assert out.get_column("carrier").to_list() == ["中国移动"] * 6 + [None]
