"""End to end: the registry, list signals and canaries reach the scan's verdict."""

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from scanner.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def _scan(tmp_path, path, *extra):
    res = CliRunner().invoke(main, ["scan", str(path), "--policy", str(SAMPLE / "policy.toml"),
                                    "--out", str(tmp_path / "out"), "--as-of", "2026-11-23",
                                    "--fail-on", "never", "--format", "json", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _signal(report, code):
    return next(s for s in report["list"]["purchased"]["signals"] if s["code"] == code)


def test_register_then_rescan_is_an_exact_copy(tmp_path):
    crm = SAMPLE / "crm_export_gb18030.csv"
    first = _scan(tmp_path, crm, "--register", "crm-2026-11", "--register-source", "crm")
    assert first["findings"].get("DU003") is None
    again = _scan(tmp_path, crm)
    assert _signal(again, "LS013")["fired"]
    assert again["list"]["verdict"] == "fail"
    assert again["findings"]["DU003"] > 1500
    assert again["list"]["overlaps"][0]["list"] == "crm-2026-11"


def test_vendor_list_overlapping_the_crm_gets_du003_and_an_overlap(tmp_path):
    _scan(tmp_path, SAMPLE / "crm_export_gb18030.csv", "--register", "crm", "--register-source", "crm")
    report = _scan(tmp_path, SAMPLE / "vendor_list.xlsx")
    assert report["findings"]["DU003"] == 37  # numbers the vendor list shares with the CRM
    overlap = report["list"]["overlaps"][0]
    assert overlap["list"] == "crm" and 0 < overlap["containment"] < 0.1
    assert report["list"]["purchased"]["likely"] is True


def test_overlap_with_a_leaked_list_fails(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["registry", "add", str(SAMPLE / "vendor_list.txt"), "--name", "dump",
                               "--leaked"])
    assert res.exit_code == 0, res.output
    mixed = tmp_path / "mixed.csv"
    from scanner.phone.normalize import normalize

    lines = (SAMPLE / "vendor_list.txt").read_text().splitlines()
    valid = normalize(lines, region="CN").get_column("valid").to_list()
    txt = [line for line, ok in zip(lines, valid) if ok][:30]
    crm = pl.read_csv(SAMPLE / "crm_export_gb18030.csv", encoding="gb18030", infer_schema=False)
    crm.head(200).vstack(pl.DataFrame({c: [None] * 30 for c in crm.columns}, schema=crm.schema)
                         .with_columns(pl.Series("手机号", txt))).write_csv(mixed)
    report = _scan(tmp_path, mixed)
    assert _signal(report, "LS016")["fired"]
    assert report["list"]["verdict"] == "fail"


def test_canary_in_a_reformatted_copy_names_the_recipient(tmp_path):
    runner = CliRunner()
    pool = tmp_path / "pool.txt"
    pool.write_text("\n".join(f"1350571{i:04d}" for i in range(200)) + "\n")
    issued = tmp_path / "canaries-acme.txt"
    res = runner.invoke(main, ["canary", "issue", "--recipient", "acme", "--pool", str(pool),
                               "--count", "8", "--out", str(issued)])
    assert res.exit_code == 0, res.output
    numbers = [line.strip() for line in issued.read_text().splitlines() if line.strip()][-8:]
    digits = ["".join(ch for ch in n if ch.isdigit())[-11:] for n in numbers]
    leaked = tmp_path / "leak.csv"
    lines = ["phone"] + [f"+86 {d[:3]} {d[3:7]} {d[7:]}" for d in digits]
    lines += [f"139{i:08d}" for i in range(0, 3000, 7)]
    leaked.write_text("\n".join(lines) + "\n")
    report = _scan(tmp_path, leaked)
    canary = _signal(report, "LS017")
    assert canary["fired"]
    assert "acme" in canary["detail"]
    assert report["list"]["verdict"] == "fail"
