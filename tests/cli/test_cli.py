"""CLI behaviour: exit codes, one-line errors, nothing written on bad input, docs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.rules import RULES

README = Path(__file__).resolve().parents[2] / "README.md"
CSV = "手机号,来源,是否同意,同意渠道,同意用途,同意时间\n13800138000,官网注册,是,短信,营销,2026-01-05\n"


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTACT_SCANNER_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("CONTACT_SCANNER_KEY", raising=False)
    return CliRunner()


def _csv(tmp_path, text=CSV, name="list.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_rules_lists_every_code(runner):
    out = runner.invoke(main, ["rules"])
    assert out.exit_code == 0
    for code in RULES:
        assert code in out.output


def test_rules_explains_one(runner):
    out = runner.invoke(main, ["rules", "cn002"])
    assert out.exit_code == 0
    assert "consent-refused-or-withdrawn" in out.output and "Why it matters" in out.output


def test_rules_unknown_code_exits_2(runner):
    out = runner.invoke(main, ["rules", "XX001"])
    assert out.exit_code == 2
    assert "unknown rule code" in out.output


def test_scan_passes_and_writes_outputs(runner, tmp_path):
    out_dir = tmp_path / "out"
    res = runner.invoke(main, ["scan", str(_csv(tmp_path)), "--out", str(out_dir), "--as-of", "2026-11-23"])
    assert res.exit_code == 0, res.output
    assert {p.name for p in out_dir.iterdir()} >= {"report.json", "rows.parquet", "contactable.csv"}
    for p in out_dir.iterdir():
        assert p.stat().st_mode & 0o777 == 0o600
    assert "list verdict" in res.output


def test_scan_json_format_prints_report(runner, tmp_path):
    res = runner.invoke(main, ["scan", str(_csv(tmp_path)), "--out", str(tmp_path / "o"),
                               "--format", "json", "--as-of", "2026-11-23"])
    report = json.loads(res.stdout)
    assert report["schema"] == "contact-scanner/report/v1"
    assert report["rows"]["total"] == 1


def test_fail_on_levels(runner, tmp_path):
    bad = CSV + "13900139000,官网注册,退订,短信,营销,2026-01-05\n"
    path = _csv(tmp_path, bad)
    args = ["scan", str(path), "--out", str(tmp_path / "o"), "--as-of", "2026-11-23"]
    # 1 of 2 rows rejected: share 0.5 > 0.2 -> fail
    assert runner.invoke(main, args).exit_code == 1
    assert runner.invoke(main, args + ["--fail-on", "never"]).exit_code == 0


def test_fail_on_warning_catches_review(runner, tmp_path):
    text = CSV + "17012345678,官网注册,是,短信,营销,2026-01-05\n" + "13900139000,,是,短信,营销,2026-01-05\n" * 0
    path = _csv(tmp_path, CSV.replace("官网注册", ""))  # missing source -> warning -> review
    args = ["scan", str(path), "--out", str(tmp_path / "o"), "--as-of", "2026-11-23"]
    assert runner.invoke(main, args).exit_code == 0
    assert runner.invoke(main, args + ["--fail-on", "warning"]).exit_code == 1
    del text


@pytest.mark.parametrize("content", [None, b"", b"\x00\x01\x02\xff" * 100])
def test_bad_input_exit_2_one_line_nothing_written(runner, tmp_path, content):
    path = tmp_path / "input.csv"
    if content is not None:
        path.write_bytes(content)
    out_dir = tmp_path / "out"
    res = runner.invoke(main, ["scan", str(path), "--out", str(out_dir)])
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "input.csv" in lines[0], res.output
    assert "Traceback" not in res.output
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_no_phone_column_exit_2(runner, tmp_path):
    path = _csv(tmp_path, "name,city\nAlice,Hangzhou\nBob,Ningbo\n")
    res = runner.invoke(main, ["scan", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "phone" in res.output


def test_bad_policy_exit_2(runner, tmp_path):
    pol = tmp_path / "p.toml"
    pol.write_text("[campaign]\nchanel = 'sms'\n")
    res = runner.invoke(main, ["scan", str(_csv(tmp_path)), "--policy", str(pol), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "campaign.chanel" in res.output


def test_python_dash_m_entry_point(tmp_path):
    res = subprocess.run([sys.executable, "-m", "scanner", "rules", "PH001"], capture_output=True, text=True)
    assert res.returncode == 0 and "unparseable" in res.stdout


def test_every_command_is_documented_in_readme():
    text = README.read_text(encoding="utf-8")
    for name in main.commands:
        assert f"contact-scanner {name}" in text, f"README does not document `contact-scanner {name}`"


def test_broken_quoting_keeps_the_rest_and_reports_the_bad_row(runner, tmp_path):
    text = (CSV + '"13900139000,官网注册,是,短信,营销,2026-01-05\n'
            + "13700137000,官网注册,是,短信,营销,2026-01-05\n")
    out_dir = tmp_path / "o"
    res = runner.invoke(main, ["scan", str(_csv(tmp_path, text)), "--out", str(out_dir),
                               "--as-of", "2026-11-23", "--fail-on", "never", "--format", "json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["rows"]["total"] == 3
    assert report["findings"].get("IN001") == 1
    assert [b["row"] for b in report["input"]["bad_records"]] == [2]
    import polars as pl

    rows = pl.read_parquet(out_dir / "rows.parquet")
    assert rows.get_column("row").to_list() == [1, 2, 3]
    assert rows.filter(pl.col("row") == 2).get_column("findings").to_list() == [["IN001"]]


def test_undecodable_bytes_name_the_row(runner, tmp_path):
    path = tmp_path / "bad.csv"
    # valid UTF-8 header and rows, then a byte sequence neither UTF-8 nor GB18030 decodes
    path.write_bytes("phone\n13800138000\n13900139000\n".encode() + b"\x80\x80\xff\xfe\n")
    res = runner.invoke(main, ["scan", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "bad.csv: line 4: undecodable bytes" in res.output
    assert "13800138000" not in res.output


def test_a_single_huge_field_is_an_input_error(runner, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_bytes(b"phone\n" + b"1" * (3 << 20) + b"\n")  # one 3 MiB field (limit 1 MiB)
    out_dir = tmp_path / "o"
    res = runner.invoke(main, ["scan", str(path), "--out", str(out_dir)])
    assert res.exit_code == 2, res.output
    assert "huge.csv" in res.output and "Traceback" not in res.output
    assert len([line for line in res.output.splitlines() if line.strip()]) == 1
    assert not out_dir.exists()


def test_scan_reads_stdin(runner, tmp_path):
    res = runner.invoke(main, ["scan", "-", "--out", str(tmp_path / "o"), "--as-of", "2026-11-23",
                               "--format", "json"], input=CSV.encode("utf-8"))
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rows"]["total"] == 1
