"""Exposure metrics: plaintext copies found in written files, identifiers, candidate sets, k."""

from __future__ import annotations

import polars as pl

from scanner.privacy.exposure import exposure_metrics

NUMBERS = pl.DataFrame({
    "row": [1, 2, 3, 4],
    "e164": ["+8613800138000", "+8613912345678", "+14155550100", None],
    "national_number": ["13800138000", "13912345678", "4155550100", None],
    "name": ["王小明", "李四", "Bob", None],
})
ROWS = pl.DataFrame({
    "row": [1, 2, 3, 4],
    "phone_token": ["a" * 32, "b" * 32, "c" * 32, None],
    "phone_masked": ["138****8000", "139****5678", "+1******0100", None],
    "region": ["CN", "CN", "US", None],
    "type": ["MOBILE", "MOBILE", "FIXED_LINE_OR_MOBILE", None],
    "findings": [[], ["DU001"], [], ["PH001"]],
})


def test_clean_outputs_have_no_plaintext(tmp_path):
    ROWS.write_parquet(tmp_path / "rows.parquet")
    ROWS.select("row", "phone_token", "phone_masked").write_csv(tmp_path / "contactable.csv")
    (tmp_path / "report.json").write_text('{"scan": {"id": "x"}, "rows": {"total": 4}}')
    files = [tmp_path / n for n in ("rows.parquet", "contactable.csv", "report.json")]
    out = exposure_metrics(rows=ROWS, files=files, numbers=NUMBERS)
    assert out["plaintext_numbers_written"] == 0
    assert out["files_checked"] == {"rows.parquet": 0, "contactable.csv": 0, "report.json": 0}
    assert out["direct_identifiers"] == 0 and out["direct_identifier_columns"] == []
    reid = out["reidentification"]
    assert reid["basis"] == ["phone_masked"] and reid["rows"] == 3
    assert reid["candidates_min"] == 10_000 and reid["candidates_max"] == 1_000_000
    assert reid["rows_identified"] == 0
    assert out["k_anonymity"]["quasi_identifiers"] == ["region", "type"]
    assert out["k_anonymity"]["with_mask"]["k"] == 1
    assert out["baseline_plaintext"] == {"plaintext_numbers_written": 3, "direct_identifiers": 2,
                                         "candidates": 1, "k": 1}
    text = repr(out)
    assert "13800138000" not in text and "王小明" not in text


def test_leaks_in_any_form_are_counted(tmp_path):
    (tmp_path / "leak.csv").write_text(
        "a,b\n138 0013 8000,x\n+8613912345678,tel:008613800138000\n12345,2026-11-22,x4 (138) 0013-8000\n", "utf-8")
    leaky = ROWS.with_columns(mobile=pl.Series(["13800138000", None, None, None]),
                              note=pl.Series(["王小明", "李四", "Bob", None]))
    leaky.write_parquet(tmp_path / "rows.parquet", statistics=False)  # (statistics: next test)
    out = exposure_metrics(rows=leaky, files=[tmp_path / "leak.csv", tmp_path / "rows.parquet"],
                           numbers=NUMBERS)
    assert out["files_checked"] == {"leak.csv": 4, "rows.parquet": 1}
    assert out["plaintext_numbers_written"] == 5
    assert out["direct_identifier_columns"] == ["mobile", "note"]
    assert out["reidentification"]["rows_identified"] == 3


def test_parquet_statistics_and_metadata_are_searched(tmp_path):
    rows = ROWS.with_columns(note=pl.Series(["ok", "fine", None, None]))
    path = tmp_path / "rows.parquet"
    rows.write_parquet(path)  # with statistics: a string column's min/max
    clean = exposure_metrics(rows=rows, files=[path], numbers=NUMBERS)
    assert clean["plaintext_numbers_written"] == 0
    leaky = rows.with_columns(note=pl.Series(["ok", "13800138000", None, None]))
    leaky.write_parquet(path)
    out = exposure_metrics(rows=leaky, files=[path], numbers=NUMBERS)
    assert out["checks"]["found_in"] == {"note": 1, "rows.parquet column statistics": 1}
    import pyarrow.parquet as pq

    table = rows.to_arrow().replace_schema_metadata({"origin": "exported from 139 1234 5678"})
    pq.write_table(table, path, write_statistics=False)
    out = exposure_metrics(rows=rows, files=[path], numbers=NUMBERS)
    assert out["checks"]["found_in"] == {"rows.parquet schema and key-value metadata": 2}  # and in ARROW:schema
    assert out["files_checked"] == {"rows.parquet": 2}


def test_revealed_city_and_carrier_shrink_the_candidate_set():
    rows = ROWS.with_columns(city=pl.Series(["北京市", "西藏拉萨市", None, None]),
                             carrier=pl.Series(["移动", "移动", None, None]))
    out = exposure_metrics(rows=rows, files=[], numbers=NUMBERS)
    reid = out["reidentification"]
    assert reid["basis"] == ["phone_masked", "carrier", "city"]
    assert reid["candidates_min"] == 12  # 139 + Lhasa: 12 of 10,000 blocks; the mask keeps 4 digits
    assert reid["rows_below_100"] >= 1
    assert out["k_anonymity"]["quasi_identifiers"] == ["region", "type", "carrier", "city"]


def test_numbers_are_whole_digit_groups():
    from scanner.privacy.exposure import plaintext_in_text

    # glued to other digits, a number is part of another (phonenumbers reads the whole run,
    # as the masking does): long ids would otherwise hold list numbers by chance
    assert plaintext_in_text("x413800138000 2024113800138000123", NUMBERS) == 0
    assert plaintext_in_text("x4 13800138000, 2024-11-22 13800138000", NUMBERS) == 2
    assert plaintext_in_text("010-12345678 13800138000 0086 139 1234 5678", NUMBERS) == 2
    assert plaintext_in_text("１３８００１３８０００", NUMBERS) == 1


def test_plaintext_in_text():
    from scanner.privacy.exposure import plaintext_in_text

    assert plaintext_in_text('{"detail": "13800138000 seen"}', NUMBERS) == 1
    assert plaintext_in_text('{"rows": {"total": 4}}', NUMBERS) == 0


def test_digits_inside_tokens_are_not_numbers():
    from scanner.privacy.exposure import plaintext_in_text

    token = "ab13800138000cdef0123456789abcde"  # 32 hex: a token, not a leak
    assert plaintext_in_text(f"{token},1\n", NUMBERS) == 0
    assert plaintext_in_text("ab13800138000,1\n", NUMBERS) == 1  # not token-shaped: counted
