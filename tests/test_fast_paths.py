"""The scan's fast paths give exactly what the general routes give."""

from __future__ import annotations

import polars as pl

from scanner.ingest.dates import with_parsed_times
from scanner.policy import load_policy
from scanner.prepare import (
    DISTINCT_COLUMNS, by_distinct, distinct_values, source_exprs, vocabulary_class, with_consent_columns,
)

FAST = ["2025-02-23 02:07:00", "2024-02-29 23:59:59", "2023-02-29 10:00:00", "2025-13-01 00:00:00",
        "2025-01-01 24:00:00", "1991-04-14 02:30:00", "2025-12-31 00:00:00", "0001-01-01 00:00:00"]
OTHER = ["２０２５-02-23 02:07:00", "2025-02-23T02:07:00", "2025-2-3 2:07", "2025/02/23 02:07:00",
         "2025-02-23 02:07:00+08:00", "2025-02-23 02:07:00Z", " 2025-02-23 02:07:00", "20250223",
         "2025年2月23日", "", None, "garbage", "2025-02-23 02:07:00.5", "2025-02-23"]


def _parse(values, tz="Asia/Shanghai"):
    lf = pl.LazyFrame({"v": values}, schema={"v": pl.String})
    return with_parsed_times(lf, "v", "out", tz).collect().get_column("out").to_physical().to_list()


def test_direct_iso_parse_equals_the_regex_route():
    # a leading space sends the same value through the regex route (which strips it)
    for tz in ("Asia/Shanghai", "America/New_York", "UTC"):
        assert _parse(FAST, tz) == _parse([" " + v for v in FAST], tz)
    mixed = FAST + OTHER
    assert _parse(mixed) == _parse(FAST) + _parse(OTHER)


def test_by_distinct_equals_row_by_row():
    policy = load_policy(None)
    vocab = policy.vocabulary
    frame = pl.DataFrame({
        "consent": ["是", "是", " YES ", "", None, "退订", "ｙｅｓ", "maybe"],
        "consent_channel": ["短信", None, "SMS", "", "x", "全部", "电话", "短信"],
        "consent_purpose": [None] * 8,
        "consent_evidence": ["a", "", None, " ", "b", "a", "a", "a"],
        "source": ["官网注册", "第三方合作", "", None, "website", "购买名单", "导入", "官网注册"],
        "consent_time": ["2025-02-23 02:07:00", "bad", "", None, "2025/1/2", " ", "x", "2025-01-01 00:00:00"],
        "collected_at": [None] * 8,
    }, schema_overrides={"consent_purpose": pl.String, "collected_at": pl.String})
    distinct = distinct_values(frame, DISTINCT_COLUMNS)
    assert set(distinct) == set(DISTINCT_COLUMNS)
    fast = with_consent_columns(frame.lazy(), policy, distinct).with_columns(source_exprs(policy, distinct))
    slow = with_consent_columns(frame.lazy(), policy).with_columns(source_exprs(policy))
    assert fast.collect().equals(slow.collect())
    derive = lambda c: vocabulary_class(c, vocab.table("consent"))  # noqa: E731
    empty = {"consent": pl.Series([], dtype=pl.String)}
    nulls = pl.DataFrame({"consent": [None, None]}, schema={"consent": pl.String})
    assert nulls.select(by_distinct("consent", derive, empty)).to_series().to_list() == ["missing"] * 2


def test_plaintext_search_finds_every_form_with_the_shortcuts():
    from scanner.privacy.exposure import count_plaintext_by_source
    from scanner.privacy.exposure.needles import Needles

    numbers = pl.DataFrame({"e164": ["+8613800138000", "+85221234567", "+390612345678"],
                            "national_number": ["13800138000", "21234567", "0612345678"]})
    needles = Needles.of(numbers)
    token = "a3" * 32
    texts = {
        "exact": pl.Series(["13800138000", "8613800138000", "008613800138000", "0612345678"]),
        # glued to other digits a number is part of another, not one (phonenumbers reads the
        # whole run); separated, each is found
        "glued": pl.Series(["x13800138000123", "2123456721234567", "99913800138000"]),
        "embedded": pl.Series(["x 13800138000 123", "21234567 21234567", "999 13800138000"]),
        "separators": pl.Series(["138 0013 8000", "138-0013-8000,2123.4567", "row,13800138000,x"]),
        "hex": pl.Series([token, "13800138000" * 3 + "1" * 31, "1" * 32, f"{token},13800138000"]),
        "none": pl.Series(["138****8000", "1380013", None, "", "名13800138000"]),
    }
    counts = count_plaintext_by_source(texts, needles)
    # "1"*32 is a hex word; the 64-digit cell (11*3+31) is one too; "名" is a word character
    # but the digits after it still form a run (runs ignore word boundaries)
    assert counts == {"exact": 4, "glued": 0, "embedded": 4, "separators": 4, "hex": 1, "none": 1}


def test_exposure_counts_each_column_of_the_rows_output():
    from scanner.privacy.exposure.needles import Needles
    from scanner.privacy.exposure.identifiers import direct_identifier_columns

    numbers = pl.DataFrame({"e164": ["+8613800138000"], "national_number": ["13800138000"]})
    rows = pl.DataFrame({"row": [1], "note": ["call 13800138000"], "source": ["web"], "z": ["x"]})
    found, phone = direct_identifier_columns(rows, Needles.of(numbers), pl.Series([], dtype=pl.String))
    assert found == ["note"] and phone


def test_parquet_read_back_counts_equal_a_full_search(tmp_path):
    from scanner.privacy.exposure import count_plaintext_by_source, exposure_metrics
    from scanner.privacy.exposure.needles import Needles
    from scanner.privacy.exposure.outputs import file_text

    numbers = pl.DataFrame({"e164": ["+8613800138000", "+8613900139000"],
                            "national_number": ["13800138000", "13900139000"]})
    rows = pl.DataFrame({"row": [1, 2], "phone_token": ["ab" * 32, None], "phone_masked": ["138****8000", None],
                         "note": ["13800138000", "x 8613900139000"], "findings": [["PH001"], ["13900139000"]]})
    same, other = tmp_path / "rows.parquet", tmp_path / "other.parquet"
    # (without statistics: the metrics also search them, the full search of cells does not)
    rows.write_parquet(same, statistics=False)
    rows.with_columns(pl.lit("13800138000 13900139000").alias("note")).write_parquet(other, statistics=False)
    needles = Needles.of(numbers)
    files = exposure_metrics(rows=rows, files=[same, other], numbers=numbers)["files_checked"]
    searched = count_plaintext_by_source({p.name: file_text(p) for p in (same, other)}, needles)
    assert files == searched == {"rows.parquet": 3, "other.parquet": 5}
