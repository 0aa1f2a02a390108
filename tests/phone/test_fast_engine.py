"""The vectorized engine agrees with phonenumbers on every answer (docs/ARCHITECTURE.md, the normalize stage).

Differential tests compare ``engine.parse_clean`` with ``reference.parse_reference`` (which is
``phonenumbers`` itself) on a generated corpus covering every supported region; any
disagreement is a bug in the fast path. ``min_group=0`` forces the vectorized path wherever it
applies, so the comparison exercises it rather than the fallback.
"""

from __future__ import annotations

import random
import re
import sys
import time
from pathlib import Path

import phonenumbers
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.phone import engine
from scanner.phone.fast import fast_parse
from scanner.phone.normalize import normalize
from scanner.phone.reference import PARSED_SCHEMA, parse_reference

sys.path.insert(0, str(Path(__file__).parent))
from phone_corpus import corpus, examples  # noqa: E402

COLUMNS = list(PARSED_SCHEMA)


def _series(pairs):
    clean = pl.Series("clean", [v for v, _ in pairs], dtype=pl.String)
    region = pl.Series("region", [r for _, r in pairs], dtype=pl.String)
    return clean, region


def assert_agrees(pairs, min_group=0):
    clean, region = _series(pairs)
    fast = engine.parse_clean(clean, region, min_group=min_group)
    ref = parse_reference(clean, region)
    assert fast.schema == ref.schema
    assert fast.height == ref.height == len(pairs)
    base = pl.DataFrame({"clean": clean, "region_hint": region}).with_row_index()
    joined = pl.concat([base, fast], how="horizontal").join(
        pl.concat([base, ref], how="horizontal"), on="index", suffix="_ref"
    )
    bad = joined.filter(pl.any_horizontal([pl.col(c).ne_missing(pl.col(c + "_ref")) for c in COLUMNS]))
    if bad.height:
        lines = []
        for row in bad.head(15).iter_rows(named=True):
            diffs = {c: (row[c], row[c + "_ref"]) for c in COLUMNS if row[c] != row[c + "_ref"]}
            lines.append(f"{row['clean']!r} region={row['region_hint']!r}: {diffs}")
        pytest.fail(f"{bad.height} disagreements with phonenumbers, e.g.\n" + "\n".join(lines))
    return fast


def test_sampled_corpus_agrees_with_phonenumbers():
    pairs = corpus(seed=0, fraction=0.04)
    assert len(pairs) > 15_000
    clean, region = _series(pairs)
    result = fast_parse(clean, region, min_group=0)
    # the corpus must exercise the vectorized path, not just the fallback
    assert result.counts["parsed"] > 0.6 * len(pairs)
    assert_agrees(pairs)


def test_every_region_example_agrees_in_its_main_forms():
    pairs = []
    for region, ex in examples():
        cc, nsn = ex.country_code, phonenumbers.national_significant_number(ex)
        r = region if region != "001" else None
        pairs += [(f"+{cc}{nsn}", r), (nsn, r), (f"+{cc} {nsn}", "CN")]
        if r:
            pairs.append((phonenumbers.format_number(ex, phonenumbers.PhoneNumberFormat.NATIONAL), r))
    assert_agrees(pairs)


def test_default_group_threshold_agrees():
    assert_agrees(corpus(seed=3, fraction=0.01), min_group=engine.MIN_GROUP)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_full_corpus_agrees_with_phonenumbers(seed):
    pairs = corpus(seed=seed, fraction=1.0)
    assert len(pairs) > 400_000
    assert_agrees(pairs)


@pytest.mark.slow
def test_cn_heavy_list_agrees_with_default_threshold():
    rng = random.Random(5)
    prefixes = ["130", "138", "139", "150", "162", "170", "177", "186", "199", "010", "021", "0755"]
    pairs = []
    for _ in range(60_000):
        p = rng.choice(prefixes)
        n = p + "".join(rng.choice("0123456789") for _ in range(11 - len(p) + (p.startswith("0"))))
        form = rng.choice([n, "+86" + n.lstrip("0"), "0086 " + n, "86" + n, n[:3] + "-" + n[3:], n[:-1]])
        pairs.append((form, "CN"))
    assert_agrees(list(dict.fromkeys(pairs)), min_group=engine.MIN_GROUP)


# --- properties ---------------------------------------------------------------------------

REGIONS = ["CN", "US", "GB", "DE", "AR", "BR", "MX", "IT", "JP", "AG", "RU", "KZ", "IN", "FR", "HK",
           "SG", "AU", "NZ", "GG", "VA", None, "cn", "001", "ZZ"]
ALPHABET = "0123456789" * 3 + " +-.()/x#;,~*_etlEXT:转" + "０１２＋（）\u00a0\u3000\u0661\u0662\u200b"
phoneish = st.one_of(
    st.text(alphabet=ALPHABET, max_size=28),
    st.from_regex(r"\A\+?[0-9 \-.()]{2,22}( ext\. [0-9]{1,22})?\Z"),
    st.from_regex(r"\A(\+|00|011|0|86|1)?[0-9]{4,16}\Z"),
    st.builds(lambda cc, d: f"+{cc} {d}", st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
              st.from_regex(r"\A[0-9]{2,15}\Z")),
)
pairs_strategy = st.lists(st.tuples(phoneish, st.sampled_from(REGIONS)), min_size=1, max_size=60, unique=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs_strategy)
def test_arbitrary_phoneish_text_agrees(pairs):
    assert_agrees(pairs)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs_strategy, st.randoms(use_true_random=False))
def test_result_is_independent_of_row_order(pairs, rnd):
    clean, region = _series(pairs)
    first = pl.concat([pl.DataFrame({"c": clean, "r": region}),
                       engine.parse_clean(clean, region, min_group=0)], how="horizontal")
    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    clean2, region2 = _series(shuffled)
    second = pl.concat([pl.DataFrame({"c": clean2, "r": region2}),
                        engine.parse_clean(clean2, region2, min_group=0)], how="horizontal")
    key = ["c", "r"]
    assert first.sort(key, nulls_last=True).equals(second.sort(key, nulls_last=True))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs_strategy)
def test_normalizing_the_e164_output_is_idempotent(pairs):
    clean, region = _series(pairs)
    out = engine.parse_clean(clean, region, min_group=0)
    valid = out.filter(pl.col("valid"))
    again = engine.parse_clean(valid.get_column("e164"), pl.Series([None] * valid.height, dtype=pl.String),
                               min_group=0)
    assert again.get_column("e164").to_list() == valid.get_column("e164").to_list()
    assert again.get_column("valid").all()


def test_idempotent_on_every_valid_example():
    values = [phonenumbers.format_number(ex, phonenumbers.PhoneNumberFormat.E164) for _, ex in examples()]
    out = engine.parse_clean(pl.Series(values), pl.Series(["CN"] * len(values)), min_group=0)
    valid = out.filter(pl.col("valid"))
    assert valid.height > 1000
    again = engine.parse_clean(valid.get_column("e164"), pl.Series(["US"] * valid.height), min_group=0)
    assert again.get_column("e164").to_list() == valid.get_column("e164").to_list()


# --- robustness ---------------------------------------------------------------------------

PATHOLOGICAL = [
    "1" * 100_000,
    "+86 " + "8" * 99_996,
    "x" * 100_000,
    ("138 0013 8000 " * 8000),
    "\x00\x01\x02\x1b[31m13800138000\x7f",
    "\u202e13800138000\u202c",
    "😀📞☎️ 138 0013 8000 🙂",
    "😀" * 5000,
    "١٣٨٠٠١٣٨٠٠٠ मोबाइल ১৩৮",
    "Телефон: +7 (495) 123-45-67 доб. 12",
    "---///...   ()()()",
    "+" * 300,
    "(" * 100_000,
    "\ud7ff\ue000\uffff",
    "e" * 249 + "1",
    "1e" * 120 + "11",
]


def test_pathological_strings_do_not_crash_or_stall():
    values = PATHOLOGICAL + ["13800138000", None]
    start = time.perf_counter()
    out = normalize(pl.Series("raw", values, dtype=pl.String), region="CN")
    elapsed = time.perf_counter() - start
    assert out.height == len(values)
    assert out.get_column("raw").to_list() == values
    e164 = out.get_column("e164").to_list()
    assert e164[len(PATHOLOGICAL)] == "+8613800138000"
    for value, answer in zip(PATHOLOGICAL, e164):
        if len(value) > 250:
            assert answer is None  # phonenumbers refuses inputs longer than 250 characters
    assert elapsed < 20
    pairs = [(v, "CN") for v in PATHOLOGICAL]
    assert_agrees(pairs)


def test_rust_digit_class_covers_python_digits():
    """The fast path's shape test relies on polars' \\d being a superset of Python's \\d."""
    digits = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and re.match(r"\d", chr(c))]
    assert len(digits) > 600
    matched = pl.Series(digits).str.contains(r"^\d$")
    assert matched.all()


def test_stats_count_every_row():
    engine.reset_stats()
    pairs = [("13800138000", "CN"), ("+1 650 253 0000", "CN"), ("1-800-FLOWERS", "US"), ("n/a", "CN"),
             ("13800138000", "cn")]
    engine.parse_clean(*_series(pairs), min_group=0)
    s = engine.stats()
    assert s["rows"] == 5
    assert s["parsed"] + s["unparsed"] + s["fallback"] == 5
    assert s["fallback_shape"] == 1 and s["fallback_region"] == 1
    assert s["fallback_share"] == pytest.approx(2 / 5)


def test_empty_and_all_null_inputs():
    empty = engine.parse_clean(pl.Series([], dtype=pl.String), pl.Series([], dtype=pl.String))
    assert empty.height == 0 and empty.schema == pl.Schema(PARSED_SCHEMA)
    nulls = engine.parse_clean(pl.Series([None, None], dtype=pl.String), pl.Series([None, "CN"], dtype=pl.String))
    assert nulls.get_column("e164").to_list() == [None, None]
    assert nulls.get_column("valid").to_list() == [False, False]
    assert normalize(pl.Series([], dtype=pl.String)).height == 0


def test_phonenumbers_metadata_compiles_for_polars():
    """Every region's metadata runs vectorized (a future phonenumbers could add syntax polars
    rejects; such regions would go to the fallback, so this only has to stay near complete)."""
    from scanner.phone import metadata as md

    keys = sorted(md.SUPPORTED_REGIONS) + [f"001:{cc}" for cc in md.pnu.COUNTRY_CODES_FOR_NON_GEO_REGIONS]
    supported = [k for k in keys if md.meta_for_key(k).supported]
    assert len(keys) > 250
    assert len(supported) / len(keys) > 0.95
    cn = md.meta_for_key("CN")
    assert cn.supported and sorted(cn.accept_lengths) == [7, 8, 9, 10, 11, 12] and cn.too_long_from == 13


def test_residue_parser_equals_the_reference():
    """The fallback shares one region lookup between validity and type; same answers."""
    pairs = corpus(seed=6, fraction=0.02)
    for region, ex in examples():
        cc, nsn = ex.country_code, phonenumbers.national_significant_number(ex)
        pairs += [(f"+{cc} {nsn}", None), (nsn, region if region != "001" else None)]
    clean, region = _series(pairs)
    assert engine.parse_residue(clean, region).equals(parse_reference(clean, region))
