"""Exposure metrics in bounded memory: the rows output as a LazyFrame (a scan of the written
rows.parquet), the numbers as distinct values, and the exact shortcuts taken on the way, all
give the same report as the in-memory DataFrame inputs."""

from __future__ import annotations

import statistics

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import scanner.privacy.exposure.kanonymity as x_kanonymity
import scanner.privacy.exposure.outputs as x_outputs
import scanner.privacy.exposure.reidentification as x_reidentification
import scanner.privacy.exposure.runs as x_runs
from scanner.privacy.exposure import count_plaintext_by_source, exposure_metrics
from scanner.privacy.exposure.runs import LOOSE_RUN
from scanner.privacy.exposure.needles import Needles
from tests.privacy.test_exposure import NUMBERS, ROWS


def _distinct(numbers: pl.DataFrame) -> pl.DataFrame:
    """The numbers as distinct values per column (no row alignment), as a streaming scan holds them."""
    return pl.concat([numbers.select(pl.col(c).unique()) for c in ("e164", "national_number", "name")],
                     how="diagonal")


def _both_ways(rows: pl.DataFrame, files, numbers: pl.DataFrame, rows_path, **kwargs) -> dict:
    eager = exposure_metrics(rows=rows, files=files, numbers=numbers, **kwargs)
    lazy = exposure_metrics(rows=pl.scan_parquet(rows_path), files=files, numbers=_distinct(numbers),
                            rows_with_number=int(numbers.get_column("e164").is_not_null().sum()), **kwargs)
    assert lazy == eager
    return eager


@pytest.mark.parametrize("name", ["crm_export_gb18030.csv", "vendor_list.txt"])
def test_sample_outputs_give_the_same_metrics_from_a_scan(tmp_path, keys, name):
    from scanner.api import scan

    result = scan(f"sample_data/{name}", "sample_data/policy.toml", keys=keys, as_of="2026-11-23")
    out = tmp_path / "out"
    result.write(out)
    files = [out / "rows.parquet", out / "contactable.csv"]
    from scanner.ingest import read_input

    frame = read_input(f"sample_data/{name}").frame  # the scan keeps no names per row
    names = frame.get_column("name") if "name" in frame.columns else pl.lit(None, dtype=pl.String)
    numbers = result._numbers.with_columns(name=names)
    clean = _both_ways(result.rows, files, numbers, out / "rows.parquet")
    assert clean["plaintext_numbers_written"] == 0 and clean["reidentification"]["rows"] > 0
    # and outputs that leak: a plaintext column, integers, lists, names, a narrowing carrier
    leaky = result.rows.with_columns(
        note=pl.concat_str(pl.lit("tel "), numbers.get_column("national_number")),
        mobile_int=numbers.get_column("national_number").cast(pl.Int64, strict=False),
        tags=pl.concat_list(pl.col("findings"), pl.lit("13"), numbers.get_column("national_number").str.slice(2)),
        who=numbers.get_column("name"),
    )
    leaky.write_parquet(out / "leaky.parquet")
    files = [out / "leaky.parquet", out / "contactable.csv"]
    leaked = _both_ways(leaky, files, numbers, out / "leaky.parquet")
    assert leaked["files_checked"]["leaky.parquet"] >= 2 * clean["baseline_plaintext"]["plaintext_numbers_written"]
    assert {"note", "mobile_int"} <= set(leaked["direct_identifier_columns"])
    narrowed = result.rows.with_columns(carrier=pl.lit("移动"))
    narrowed.write_parquet(out / "narrowed.parquet")
    result = _both_ways(narrowed, [out / "narrowed.parquet"], numbers, out / "narrowed.parquet")
    assert result["reidentification"]["basis"] == ["phone_masked", "carrier"]


def test_small_frames_both_ways(tmp_path):
    rows = ROWS.with_columns(city=pl.Series(["北京市", "西藏拉萨市", None, None]),
                             carrier=pl.Series(["移动", "移动", None, None]),
                             note=pl.Series(["13800138000 x", None, "李四", "王小明"]))
    rows.write_parquet(tmp_path / "rows.parquet", statistics=False)  # (a min/max would count too)
    out = _both_ways(rows, [tmp_path / "rows.parquet"], NUMBERS, tmp_path / "rows.parquet")
    assert out["files_checked"] == {"rows.parquet": 1} and out["direct_identifier_columns"] == ["note"]


def test_rows_with_number_is_the_baseline():
    out = exposure_metrics(rows=ROWS, files=[], numbers=_distinct(NUMBERS), rows_with_number=1234)
    assert out["baseline_plaintext"]["plaintext_numbers_written"] == 1234
    out = exposure_metrics(rows=ROWS, files=[], numbers=NUMBERS)
    assert out["baseline_plaintext"]["plaintext_numbers_written"] == 3


def test_identified_rows_without_masks(tmp_path):
    rows = pl.DataFrame({"row": [1, 2], "phone_masked": [None, None], "mobile": ["13800138000", None]},
                        schema={"row": pl.Int64, "phone_masked": pl.String, "mobile": pl.String})
    reid = exposure_metrics(rows=rows, files=[], numbers=NUMBERS)["reidentification"]
    assert reid == {"basis": ["plaintext number"], "rows": 0, "candidates_min": None, "candidates_median": None,
                    "candidates_max": None, "rows_below_100": 0, "rows_identified": 0}


def test_a_scan_of_a_written_file_is_not_read_twice(tmp_path, monkeypatch):
    path = tmp_path / "rows.parquet"
    ROWS.write_parquet(path)
    assert x_outputs._is_scan_of(pl.scan_parquet(path), path)
    assert x_outputs._is_scan_of(pl.scan_parquet(str(path.absolute())), path)
    for other in (pl.scan_parquet(path).select("row", "phone_token"), pl.scan_parquet(path, n_rows=2),
                  pl.scan_parquet(path).filter(pl.col("row") > 1), pl.scan_parquet(path).with_row_index(),
                  pl.scan_parquet(tmp_path / "other.parquet")):
        assert not x_outputs._is_scan_of(other, path)
    # the same content through another plan reads back column by column
    assert x_outputs.reads_back_as(path, pl.scan_parquet(path).select(ROWS.columns).with_columns(pl.col("row")))
    assert x_outputs.reads_back_as(path, pl.scan_parquet(path).map_batches(lambda df: df))  # no plan to compare
    assert not x_outputs.reads_back_as(path, pl.scan_parquet(path).filter(pl.col("row") > 1))
    reads = []
    real = pl.read_parquet
    monkeypatch.setattr(pl, "read_parquet", lambda *a, **k: reads.append(a) or real(*a, **k))
    out = exposure_metrics(rows=pl.scan_parquet(path), files=[path], numbers=NUMBERS)
    assert reads == [] and out["files_checked"] == {"rows.parquet": 0}


def test_k_anonymity_falls_back_when_hashes_collide(monkeypatch):
    columns = ["region", "type", "phone_masked"]
    honest = x_kanonymity.smallest_group(ROWS.lazy(), columns)
    real = x_kanonymity._hash
    monkeypatch.setattr(x_kanonymity, "_hash", lambda columns, seed: real(columns, seed) % 2 if seed == 0 else real(columns, seed))
    assert x_kanonymity.smallest_group(ROWS.lazy(), columns) == x_kanonymity.smallest_group(ROWS, columns) == honest
    assert honest == {"quasi_identifiers": columns, "k": 1, "rows_k_lt_5": 4}
    assert x_kanonymity.smallest_group(ROWS.head(0), columns)["k"] == 0 and x_kanonymity.smallest_group(ROWS, [])["k"] == 4


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1.0, 12.0, 100.0, 1e4, 1e6, 1e32]), st.integers(1, 4)), max_size=6,
                unique_by=lambda t: t[0]))
def test_median_of_counted_values(pairs):
    pairs = sorted(pairs)
    values = pl.Series([v for v, _ in pairs], dtype=pl.Float64)
    counts = pl.Series([n for _, n in pairs], dtype=pl.UInt32)
    expanded = pl.Series([v for v, n in pairs for _ in range(n)], dtype=pl.Float64)
    assert x_reidentification._median(values, counts) == expanded.median()
    if pairs:
        assert x_reidentification._median(values, counts) == statistics.median(expanded.to_list())


def test_needles_hold_every_form_once():
    numbers = pl.DataFrame({
        "e164": ["+8613800138000", "+8613800138000", "+390612345678", "+1234", None, "+123456789012345678901"],
        "national_number": ["13800138000", "13800138000", "0612345678", None, "0000000", "-1234567"],
    })
    needles = Needles.of(numbers)
    forms = pl.concat([numbers["e164"].drop_nulls().str.strip_prefix("+"), numbers["national_number"].drop_nulls()])
    forms = forms.filter(forms.str.len_chars() >= 7)
    assert needles.texts.sort().to_list() == forms.unique().sort().to_list()
    assert needles.ints.to_list() == forms.str.to_integer(strict=False).drop_nulls().unique().sort().to_list()
    assert needles.count == forms.n_unique() and needles.texts.is_unique().all()
    assert needles.lengths == sorted(forms.str.len_chars().unique().to_list(), reverse=True)
    assert needles.hits(pl.Series([612345678, None, 13800138000, 5, -1234567])).to_list() == [
        True, False, True, False, True]
    assert needles.present_in(["x0612345678x", "99913800138000"]) == {"0612345678", "13800138000"}
    assert needles.present_in(["008613800138000"]) == {"8613800138000", "13800138000"}
    assert Needles.of(numbers.head(0)).count == 0


def _runs(values: pl.Series) -> list[str]:
    return sorted(x_runs.digit_runs(values).cast(pl.String).to_list())


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.integers(-10**7, 10**7)), max_size=8),
       st.sampled_from([pl.Int16, pl.Int32, pl.Int64, pl.UInt32, pl.UInt64]))
def test_integer_runs_are_the_text_runs(values, dtype):
    series = pl.Series(values, dtype=pl.Int64).cast(dtype, strict=False)
    assert _runs(series) == _runs(series.cast(pl.String))


CELL = st.text(alphabet=st.sampled_from("0123456789" * 4 + " -.,a*王"), max_size=9)  # mostly digits


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), CELL), max_size=6))
@example(["1234567", "abc"])
@example(["12 34-5.67"])
def test_skipped_text_holds_no_run(cells):
    text = pl.Series(cells, dtype=pl.String).drop_nulls()
    if not x_runs._may_hold_run(text):
        assert not text.str.contains(LOOSE_RUN).any()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.one_of(st.none(), CELL), max_size=4)), max_size=5))
@example([["123", "4567"]])
@example([["DU001", None, "12", "34567", "a"]])
@example([["a12345", "67"]])
def test_skipped_lists_hold_no_run(cells):
    values = pl.Series(cells, dtype=pl.List(pl.String))
    if not x_runs._list_may_hold_run(values):
        assert not x_runs.cell_text(values).str.contains(LOOSE_RUN).any()
    needles = Needles.of(pl.DataFrame({"e164": ["+861234567", "+8612345678"],
                                       "national_number": ["1234567", "12345678"]}))
    as_lists = count_plaintext_by_source({"c": values}, needles)
    assert as_lists == count_plaintext_by_source({"c": x_runs.cell_text(values)}, needles)


@pytest.mark.parametrize("block", [1, 2, 3, 5, 1 << 20])
def test_text_files_are_read_in_whole_lines(tmp_path, monkeypatch, block):
    raw = ("a,b\r\n138 0013 8000,x\r\n王13912345678\n\n" + "9" * 40 + "\r13800138000\n").encode()
    raw += b"\xe7\x8e\n\xff13800138000\nno newline 8613912345678"
    path = tmp_path / "leak.csv"
    path.write_bytes(raw)
    monkeypatch.setattr(x_outputs, "TEXT_BLOCK_BYTES", block)
    parts = list(x_outputs.file_text(path))
    assert pl.concat(parts).to_list() == raw.decode("utf-8", errors="replace").splitlines()
    needles = Needles.of(NUMBERS)
    assert count_plaintext_by_source({"f": x_outputs.file_text(path)}, needles) == {"f": 5}
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert count_plaintext_by_source({"e": x_outputs.file_text(empty)}, needles) == {"e": 0}


def test_row_numbers_of_a_long_list_are_not_taken_for_numbers(tmp_path):
    """Row 1,234,567 of a long list is not the 7-digit number 1234567."""
    from scanner.privacy.exposure import exposure_metrics
    from scanner.privacy.exposure.needles import Needles

    numbers = pl.DataFrame({"e164": ["+3521234567"], "national_number": ["1234567"]})
    rows = pl.DataFrame({"row": [1_234_566, 1_234_567], "phone_token": ["a" * 32, "b" * 32],
                         "phone_masked": ["+352***4567", "+352***4567"]})
    rows.write_parquet(tmp_path / "rows.parquet")
    rows.select("row", "phone_token").write_csv(tmp_path / "contactable.csv")
    metrics = exposure_metrics(rows=pl.scan_parquet(tmp_path / "rows.parquet"),
                               files=[tmp_path / "rows.parquet", tmp_path / "contactable.csv"],
                               numbers=numbers, needles=Needles.of(numbers), rows_with_number=2)
    assert metrics["plaintext_numbers_written"] == 0
    # ...but the same digits in any other column, or out of order, still count
    leaky = rows.with_columns(note=pl.lit("call 1234567"))
    leaky.write_parquet(tmp_path / "leaky.parquet", statistics=False)  # (a min/max would count too)
    assert exposure_metrics(rows=leaky, files=[tmp_path / "leaky.parquet"], numbers=numbers,
                            rows_with_number=2)["plaintext_numbers_written"] == 2
    shuffled = pl.DataFrame({"row": [1_234_567, 5]})
    shuffled.write_parquet(tmp_path / "shuffled.parquet")
    assert exposure_metrics(rows=shuffled, files=[tmp_path / "shuffled.parquet"], numbers=numbers,
                            rows_with_number=1)["plaintext_numbers_written"] >= 1


def test_line_numbers_of_a_long_file_are_not_taken_for_numbers(tmp_path):
    """Line 1,234,567 of a long file (the ``line`` index beside ``row``) is no number either."""
    from scanner.privacy.exposure import exposure_metrics
    from scanner.privacy.exposure.needles import Needles

    numbers = pl.DataFrame({"e164": ["+3521234567"], "national_number": ["1234567"]})
    rows = pl.DataFrame({"row": [5, 6], "line": [1_234_566, 1_234_567], "phone_token": ["a" * 32, "b" * 32]})
    rows.write_parquet(tmp_path / "rows.parquet")
    rows.write_csv(tmp_path / "contactable.csv")
    metrics = exposure_metrics(rows=pl.scan_parquet(tmp_path / "rows.parquet"),
                               files=[tmp_path / "rows.parquet", tmp_path / "contactable.csv"],
                               numbers=numbers, needles=Needles.of(numbers), rows_with_number=2)
    assert metrics["plaintext_numbers_written"] == 0
    # a third leading number field is searched
    rows.with_columns(other=pl.lit(1_234_567)).select("row", "line", "other").write_csv(tmp_path / "more.csv")
    assert exposure_metrics(rows=rows, files=[tmp_path / "more.csv"], numbers=numbers, needles=Needles.of(numbers),
                            rows_with_number=2)["files_checked"]["more.csv"] == 2


def test_lazy_rows_read_in_chunks_give_the_same_metrics(tmp_path, keys, monkeypatch):
    from scanner.api import scan

    result = scan("sample_data/crm_export_gb18030.csv", "sample_data/policy.toml", keys=keys, as_of="2026-11-23")
    out = tmp_path / "out"
    result.write(out)
    files = [out / "rows.parquet", out / "contactable.csv"]
    numbers = result.distinct_numbers()
    leaky = result.rows.with_columns(note=pl.concat_str(pl.lit("tel "), result._numbers.get_column("national_number")))
    leaky.write_parquet(out / "leaky.parquet")

    def metrics(path):
        return exposure_metrics(rows=pl.scan_parquet(path), files=[path, files[1]], numbers=numbers,
                                rows_with_number=result.rows_with_number)

    whole = [metrics(out / "rows.parquet"), metrics(out / "leaky.parquet")]
    monkeypatch.setattr(x_outputs, "CHUNK_ROWS", 97)
    assert [metrics(out / "rows.parquet"), metrics(out / "leaky.parquet")] == whole
    assert whole[0]["plaintext_numbers_written"] == 0 and whole[1]["plaintext_numbers_written"] > 1000
