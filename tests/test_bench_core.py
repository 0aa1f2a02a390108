"""The benchmark's core pipeline (bench/core_pipeline.py) does the scan's own core work:
its rows.parquet agrees with a scan's rows on every row, so the lower bound it measures
is a bound for the same answers, and its output holds no plaintext number."""

import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.core_pipeline import CORE_COLUMNS, core_pipeline  # noqa: E402
from scanner import scan  # noqa: E402
from scanner.privacy.keys import KeyMaterial  # noqa: E402
from tests.test_no_plaintext import _found, _needles, _texts  # noqa: E402


def test_core_pipeline_agrees_with_scan(tmp_path):
    values = ["13812345678", "+86 138 1234 5678", "010-6552 9988", "12345", "", "+44 20 7946 0958",
              "13812345678", "abc", "400-810-8888", "+1 650-253-0000"]
    source = tmp_path / "list.csv"
    pl.DataFrame({"手机号": values}).write_csv(source)
    keys = KeyMaterial.from_master(bytes(range(32)))
    result = core_pipeline(source, "手机号", tmp_path / "rows.parquet", keys=keys)
    assert list(result["stages"]) == ["read", "distinct", "normalize", "token_mask", "rows", "write"]
    assert result["cpu"] > 0
    core = pl.read_parquet(tmp_path / "rows.parquet")
    assert core.columns == list(CORE_COLUMNS)
    scanned = scan(source, keys=keys, registry=False, state_dir=tmp_path / "state", as_of="2026-11-23").rows
    assert core.height == scanned.height == len(values)
    assert core.equals(scanned.select(CORE_COLUMNS))
    assert not _found(_needles(source), _texts(tmp_path / "rows.parquet"))
