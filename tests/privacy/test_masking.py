"""Masking numbers embedded in free text (scanner/privacy/masking.py)."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata

import phonenumbers
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from scanner.privacy.embedded import (
    find_embedded, mask_embedded, mask_embedded_expr, mask_text, mask_texts, may_hold_number, min_digits,
)

EXAMPLES = [
    ("推荐人 13900139000", "推荐人 139****9000"),
    ("备用 139-0013-9000", "备用 139****9000"),
    ("+86 139 0013 9000", "139****9000"),
    ("微信同号 13900139000", "微信同号 139****9000"),
    ("(139)00139000", "139****9000"),
    ("(139) 0013 9000", "139****9000"),
    ("１３９００１３９０００", "139****9000"),
    ("０１０－１２３４５６７８", "+86******5678"),
    ("0086 139 0013 9000", "139****9000"),
    ("8613900139000", "139****9000"),
    ("tel:+86-139-0013-9000", "tel:139****9000"),
    ("ORD13900139000", "ORD139****9000"),
    ("电话 010-12345678 手机 13900139000", "电话 +86******5678 手机 139****9000"),
    ("13800138000/13900139000", "138****8000/139****9000"),
    ("wife 13922223333; office (020) 2214 1454", "wife 139****3333; office +86******1454"),
    ("+44 20 7946 0958", "+44******0958"),
    ("+1 (650) 253-0000 ext. 12", "+1******0000 ext. 12"),
    ("138 0013 8000 转 123", "138****8000 转 123"),
]

INNOCENT = [
    "2024-01-05 12:30:00", "2025/3/4", "2025年3月4日 10:00", "05.01.2024", "2026-11-22T10:00:00+08:00",
    "订单 2024113900139000123", "ORD-2022-141454", "¥1,234,567.89", "金额 1234567.89", "192.168.100.200",
    "客户等级3", "第12345号", "1733587200", "1733587200000", "邮编 100080", "身份证 11010519491231002X",
    "", "门店登记", "13:45:12", "v1.2.3",
]


@pytest.mark.parametrize("text,expected", EXAMPLES)
def test_examples_are_masked_in_place(text, expected):
    assert mask_text(text, "CN") == expected


@pytest.mark.parametrize("text", INNOCENT)
def test_dates_ids_and_amounts_are_left_alone(text):
    assert mask_text(text, "CN") == text


def test_series_nulls_repeats_and_the_expression():
    values = pl.Series("s", ["推荐人 13900139000", None, "门店", "推荐人 13900139000", ""])
    expected = ["推荐人 139****9000", None, "门店", "推荐人 139****9000", ""]
    assert mask_embedded(values, "CN").to_list() == expected
    frame = values.to_frame().with_columns(mask_embedded_expr(pl.col("s"), "CN").alias("m"))
    assert frame.get_column("m").to_list() == expected
    # streaming engine hands the expression pieces of the column: same answer
    lazy = values.to_frame().lazy().select(mask_embedded_expr(pl.col("s"), "CN")).collect(engine="streaming")
    assert lazy.to_series().to_list() == expected
    assert mask_texts(["a 13900139000", "b"], "CN") == {"a 13900139000": "a 139****9000", "b": "b"}
    assert mask_text(None, "CN") is None


def test_numbers_found_carry_every_form():
    found = find_embedded(pl.Series(["x +86 139 0013 9000", "y 0086-13800138000", "z"]), "CN").numbers
    assert set(found.get_column("e164")) == {"+8613900139000", "+8613800138000"}
    assert {"8613900139000", "13900139000", "008613800138000", "13800138000"} <= set(found.get_column("digits"))


def test_region_decides_national_forms():
    # a US national number is no CN number, and the other way round
    assert mask_text("call (650) 253-0000", "US") == "call +1******0000"
    assert mask_text("call (650) 253-0000", "CN") == "call (650) 253-0000"
    assert mask_text("call +1 650 253 0000", "CN") == "call +1******0000"


def test_prefilter_is_exact_on_what_it_drops():
    values = pl.Series(["2024-01-05 12:30:00", "abc", None, "tel 139 0013 9000", "2024-01-05 13900139000",
                        "12345"])
    assert may_hold_number(values, "CN").to_list() == [False, False, False, True, True, False]
    assert min_digits("CN") <= 7


# ---- properties ---------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789+()-", "０１２３４５６７８９＋（）－")
SEPARATORS = [" ", "-", ".", " - ", "/", "\u3000", "－", "—"]
BOUNDARY = st.sampled_from(list("，。：:;,!?a文号 \n\t【】\"'"))
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)


def _numbers() -> list[phonenumbers.PhoneNumber]:
    out = []
    for region in ("CN", "US", "GB", "DE", "HK", "TW", "JP", "SG", "FR", "IN", "AU", "KR"):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                out.append(example)
    return out


EXAMPLE_NUMBERS = _numbers()


@st.composite
def cn_mobile(draw) -> phonenumbers.PhoneNumber:
    prefix = draw(st.sampled_from(["130", "135", "138", "139", "150", "158", "166", "177", "186", "199"]))
    return phonenumbers.parse(prefix + f"{draw(st.integers(0, 10 ** 8 - 1)):08d}", "CN")


@st.composite
def written(draw) -> tuple[str, phonenumbers.PhoneNumber]:
    number = draw(st.one_of(cn_mobile(), st.sampled_from(EXAMPLE_NUMBERS)))
    assert phonenumbers.is_valid_number(number)
    domestic = phonenumbers.region_code_for_number(number) == "CN"
    fmt = phonenumbers.PhoneNumberFormat
    forms = [phonenumbers.format_number(number, fmt.E164), phonenumbers.format_number(number, fmt.INTERNATIONAL),
             phonenumbers.format_number(number, fmt.RFC3966)[4:], "00" + phonenumbers.format_number(number, fmt.E164)[1:]]
    if domestic:
        nn = phonenumbers.national_significant_number(number)
        forms += [phonenumbers.format_number(number, fmt.NATIONAL), "86" + nn]
        if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
            # a mobile: written at home as its bare national number
            forms.append(nn)
            cut1, cut2 = draw(st.integers(1, 5)), draw(st.integers(6, 10))
            sep = draw(st.sampled_from(SEPARATORS))
            forms += [nn[:cut1] + sep + nn[cut1:cut2] + sep + nn[cut2:], f"({nn[:3]}){nn[3:]}", f"({nn[:3]}) {nn[3:7]}-{nn[7:]}"]
    text = draw(st.sampled_from(forms))
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return text, number


def _flat(text: str) -> str:
    """NFKC, separators and stars gone: digits a reader could still string together."""
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", text))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=TEXT, b1=BOUNDARY, number=written(), b2=BOUNDARY, after=TEXT)
def test_any_valid_number_in_any_form_is_masked(before, b1, number, b2, after):
    form, parsed = number
    text = before + b1 + form + b2 + after
    masked = mask_text(text, "CN")
    # nothing left to find: masking again changes nothing
    assert mask_text(masked, "CN") == masked
    nn = phonenumbers.national_significant_number(parsed)
    # the number's digits are gone (unless the surrounding text spells them by itself)
    if nn not in _flat(before + "|" + after):
        kept = _flat(masked)
        assert nn not in kept or nn in _flat(before) + _flat(after)
    assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) in set(
        find_embedded(pl.Series([text]), "CN").numbers.get_column("e164"))


DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S+08:00",
                "%d.%m.%Y", "%m/%d/%Y", "%Y年%m月%d日", "%Y年%m月%d日 %H:%M"]


@settings(max_examples=60, deadline=None)
@given(when=st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2035, 12, 31)),
       fmt=st.sampled_from(DATE_FORMATS), amount=st.integers(0, 10 ** 9), cents=st.integers(0, 99),
       order=st.integers(10 ** 17, 10 ** 23), short=st.integers(0, 99999),
       words=st.text(alphabet="订单金额客户等级备注abcXYZ ：:", max_size=8))
def test_dates_amounts_and_ids_are_never_mangled(when, fmt, amount, cents, order, short, words):
    texts = [when.strftime(fmt), f"¥{amount:,}.{cents:02d}", f"订单号 2{order}", f"{words}{short}",
             f"{words} {when.strftime(fmt)} {words}", f"ORD-{when.year}-{short:06d}"]
    for text in texts:
        assert mask_text(text, "CN") == text


def test_a_large_column_is_masked_per_distinct_value():
    rng = random.Random(5)
    notes = [f"备用 {rng.choice(['139', '138', '186', '158'])}{rng.randint(0, 10 ** 8 - 1):08d}" if rng.random() < 0.2 else
             f"等级{rng.randint(1, 5)}" for _ in range(20_000)]
    masked = mask_embedded(pl.Series(notes), "CN")
    assert not masked.str.contains(r"\d{11}").any()
    assert masked.filter(masked.str.starts_with("备用")).str.contains(r"^备用 1\d\d\*{4}\d{4}$").all()


def test_few_candidates_take_the_reference_with_the_engines_answers(monkeypatch):
    import scanner.privacy.embedded.candidates as candidates

    texts = ["推荐人 13900139000", "+44 20 7946 0958", "010-12345678", "ORD-2022-141454", "8613800138000",
             "０１０－１２３４５６７８", "(650) 253-0000", "400-822-8575", "95588 9000"]
    small = find_embedded(pl.Series(texts), "CN")
    monkeypatch.setattr(candidates, "SMALL", 0)
    engine = find_embedded(pl.Series(texts), "CN")
    assert small.masked.sort("value").equals(engine.masked.sort("value"))
    assert small.numbers.sort(pl.all()).equals(engine.numbers.sort(pl.all()))


def test_numbers_of_every_column_of_a_wide_frame():
    from scanner.privacy.embedded import numbers_in_columns

    frame = pl.DataFrame({f"c{i}": [f"v{i}", "x", None] for i in range(3000)}).with_columns(
        pl.Series("c5", ["call 13900139000", "y", None]), pl.Series("c2999", ["a", "+86 138 0013 8000", None]))
    for width in (20, 3000):  # one column at a time, and all prefiltered together
        columns = list(dict.fromkeys([*frame.columns[:width], "c2999"]))
        found = numbers_in_columns(frame.select(columns), columns, "CN")
        assert set(found.get_column("e164")) == {"+8613900139000", "+8613800138000"}


def test_a_huge_text_is_starred_and_many_texts_read_in_chunks(monkeypatch):
    import scanner.privacy.embedded.find as find

    huge = "备注 " + "1 " * 20_000 + "13900139000"
    assert mask_text(huge, "CN") == huge.replace("1", "*").replace("3", "*").replace("9", "*").replace("0", "*")
    monkeypatch.setattr(find, "CHUNK_BYTES", 64)
    values = pl.Series([f"推荐人 1390013{i:04d}" for i in range(50)] + ["门店"])
    masked = mask_embedded(values, "CN")
    assert masked.to_list() == [f"推荐人 139****{i:04d}" for i in range(50)] + ["门店"]
    assert find_embedded(values, "CN").numbers.height == 50
