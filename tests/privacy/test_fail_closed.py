"""Numbers in free text are masked; a scan whose outputs would still hold one writes nothing."""

from __future__ import annotations

import json

import polars as pl
import pyarrow.parquet as pq
from click.testing import CliRunner

from scanner.cli import main

REPRODUCER = "phone,source\n13800138000,推荐人 13900139000\n13700137000,13800138000\n"


def _scan(tmp_path, text: str, *extra: str, policy: str | None = None):
    src = tmp_path / "a.csv"
    src.write_text(text, encoding="utf-8")
    args = ["scan", str(src), "--out", str(tmp_path / "out"), "--state-dir", str(tmp_path / "state"),
            "--no-progress", *extra]
    if policy is not None:
        (tmp_path / "policy.toml").write_text(policy, encoding="utf-8")
        args += ["--policy", str(tmp_path / "policy.toml")]
    return CliRunner().invoke(main, args)


def test_the_reproducer_as_read_writes_no_number(tmp_path):
    # (the header mapping reads this source column as a second phone column: its numbers
    # are scanned, never copied)
    res = _scan(tmp_path, REPRODUCER)
    assert res.exit_code in (0, 1), res.output
    for path in (tmp_path / "out").iterdir():
        if path.name != "vault.bin":
            assert b"13900139000" not in path.read_bytes() and b"13800138000" not in path.read_bytes()


def test_the_reproducer_is_masked_and_passes_the_check(tmp_path):
    res = _scan(tmp_path, REPRODUCER, policy='[columns]\nphone = "phone"\nsource = "source"\n')
    assert res.exit_code in (0, 1), res.output
    out = tmp_path / "out"
    rows = pl.read_parquet(out / "rows.parquet")
    assert rows.get_column("source").to_list() == ["推荐人 139****9000", "138****8000"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    exposure = report["exposure"]
    assert exposure["plaintext_numbers_written"] == 0
    # the needles: both phone-column numbers and the number embedded in a source
    assert exposure["checks"]["numbers"] == {"all": 3, "embedded_in_text": 2}
    assert exposure["checks"]["searched"]["rows.parquet"] == ["cells", "column statistics",
                                                              "schema and key-value metadata"]
    assert report["privacy"]["masked_cells"] == {"source": 2}
    assert "phone numbers inside text masked (cells): source 2" in res.output
    for path in out.iterdir():
        if path.name != "vault.bin":
            assert b"13900139000" not in path.read_bytes() and b"13800138000" not in path.read_bytes()


def test_a_verbatim_copy_of_numbers_fails_closed(tmp_path):
    text = "phone,备注,source\n13800138000,wife 13922223333,x\n13700137000,13800138000,y\n"
    res = _scan(tmp_path, text, policy='[columns]\nphone = "phone"\nkeep_verbatim = ["备注"]\n')
    assert res.exit_code == 2
    assert "rows.parquet (column '备注')" in res.output and "nothing was written" in res.output
    assert "13800138000" not in res.output and "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


def test_verbatim_columns_are_kept_as_they_are_and_said_so(tmp_path):
    text = "phone,订单号\n13800138000,ORD13922223333\n13700137000,SO-20240105\n"
    res = _scan(tmp_path, text, policy='[columns]\nkeep = ["订单号"]\nkeep_verbatim = ["订单号"]\n')
    assert res.exit_code in (0, 1), res.output
    rows = pl.read_parquet(tmp_path / "out" / "rows.parquet")
    assert rows.get_column("订单号").to_list() == ["ORD13922223333", "SO-20240105"]
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["privacy"]["keep_verbatim"] == ["订单号"]
    assert "kept verbatim, not masked ([columns] keep_verbatim): 订单号" in res.output


def test_a_masking_that_misses_fails_closed_in_place(tmp_path, monkeypatch):
    """With the masking broken, the check is what stops the leak: exit 2, old outputs kept."""
    import scanner.privacy.texts as texts

    old = tmp_path / "out"
    old.mkdir()
    (old / "notes.txt").write_text("someone else's file")
    monkeypatch.setattr(texts, "mask_and_find", lambda values, region: (values, pl.DataFrame(
        {"e164": ["+8613900139000"], "national_number": ["13900139000"], "digits": ["13900139000"]}), 0))
    res = _scan(tmp_path, REPRODUCER, policy='[columns]\nphone = "phone"\nsource = "source"\n')
    assert res.exit_code == 2, res.output
    assert "rows.parquet (column 'source')" in res.output
    assert sorted(p.name for p in old.iterdir()) == ["notes.txt"]


def test_no_string_column_has_statistics(tmp_path):
    res = _scan(tmp_path, REPRODUCER + "13600136000,推荐人 13900139000\n",
                policy='[columns]\nphone = "phone"\nsource = "source"\n')
    assert res.exit_code in (0, 1), res.output
    meta = pq.ParquetFile(tmp_path / "out" / "rows.parquet").metadata
    for i in range(meta.num_columns):
        column = meta.row_group(0).column(i)
        if column.physical_type == "BYTE_ARRAY":
            assert not (column.is_stats_set and column.statistics.has_min_max), column.path_in_schema
