"""``contact-scanner reveal``: audited, formula-safe, refuses tampered or foreign vaults."""

from __future__ import annotations

import json
import os
import stat

import polars as pl
import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.manifest import build_manifest, manifest_bytes
from scanner.privacy.audit import read_audit_log
from scanner.privacy.keys import ENV_KEY, HOME_ENV, KeyMaterial, write_new_key
from scanner.privacy.tokens import token_expr
from scanner.privacy.vault import write_vault

NUMBERS = ["+8613800138000", "+8613912345678", "+8619200000001", "+8618912345678", "+14155550100"]
NAMES = ["王小明", "=cmd|' /C calc'!A0", "李四", "张三", "Bob"]
VERDICTS = ["accept", "accept", "review", "reject", "accept"]
SCAN_ID = "5ca0" * 8


def _digits(e164: str) -> str:
    return e164.lstrip("+")


def make_out_dir(out, keys: KeyMaterial, *, scan_id=SCAN_ID, names=True):
    """A scan output directory as the scan writes it (report.json, rows.parquet, vault.bin)."""
    out.mkdir(parents=True, exist_ok=True)
    base = pl.DataFrame({"row": pl.Series(range(1, 6), dtype=pl.Int64), "e164": NUMBERS,
                         "name": NAMES, "verdict": VERDICTS})
    base = base.with_columns(phone_token=token_expr(keys, "phone", pl.col("e164")))
    base.select("row", "phone_token", "verdict").write_parquet(out / "rows.parquet")
    (out / "report.json").write_text(json.dumps(
        {"scan": {"id": scan_id}, "input": {"sha256": "ab" * 32}}))
    write_vault(out / "vault.bin", base.select("row", "phone_token", "e164", *(["name"] if names else [])),
                scan_id=scan_id, keys=keys, chunk_rows=2)
    return seal(out, keys, scan_id=scan_id)


def seal(out, keys: KeyMaterial, *, scan_id=SCAN_ID):
    """Write the folder's manifest.json, as the scan's commit does."""
    manifest = build_manifest(out, ["report.json", "rows.parquet", "vault.bin"], scan_id=scan_id, keys=keys)
    (out / "manifest.json").write_bytes(manifest_bytes(manifest, keys))
    return out


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    keys = write_new_key(tmp_path / "state" / "key.json")
    out = make_out_dir(tmp_path / "scan-out", keys)
    return tmp_path, keys, out


def run(*args):
    return CliRunner().invoke(main, ["reveal", *map(str, args)], catch_exceptions=False)


def _csv(path, encoding="utf-8") -> pl.DataFrame:
    return pl.read_csv(path.read_bytes().decode(encoding).encode(), infer_schema=False)


def _assert_audit_clean(state, count):
    log = state / "audit.log"
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    text = log.read_text("utf-8")
    for number in NUMBERS:
        assert _digits(number) not in text and _digits(number)[-8:] not in text
    assert len(read_audit_log(state)) == count


def test_reveal_accept_rows_default(env):
    tmp, keys, out = env
    result = run(out, "--to", tmp / "dial.csv", "--reason", "campaign 2026-11 SMS import")
    assert result.exit_code == 0, result.output
    frame = _csv(tmp / "dial.csv")
    assert frame.columns == ["row", "phone", "name"]
    assert frame["row"].to_list() == ["1", "2", "5"]
    assert frame["phone"].to_list() == [NUMBERS[0], NUMBERS[1], NUMBERS[4]]  # E.164 stays as is
    assert frame["name"][1] == "'" + NAMES[1]  # formula neutralized
    assert stat.S_IMODE(os.stat(tmp / "dial.csv").st_mode) == 0o600
    _assert_audit_clean(tmp / "state", 1)
    entry = read_audit_log(tmp / "state")[0]
    assert entry["rows"] == 3 and entry["scan_id"] == SCAN_ID and entry["key_id"] == keys.key_id
    assert entry["input_sha256"] == "ab" * 32 and entry["reason"] == "campaign 2026-11 SMS import"
    assert entry["outputs"] == [str((tmp / "dial.csv").resolve())] and entry["user"]
    assert _digits(NUMBERS[0]) not in result.output


def test_reveal_to_xlsx_writes_a_workbook_with_numbers_as_text(env):
    import openpyxl

    tmp, _, out = env
    result = run(out, "--to", tmp / "dial.XLSX", "--reason", "import into the SMS platform")
    assert result.exit_code == 0, result.output
    assert (tmp / "dial.XLSX").read_bytes()[:2] == b"PK"       # a workbook, not CSV text
    assert stat.S_IMODE(os.stat(tmp / "dial.XLSX").st_mode) == 0o600
    sheet = openpyxl.load_workbook(tmp / "dial.XLSX").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("row", "phone", "name")
    assert [r[0] for r in rows[1:]] == [1, 2, 5]
    assert [r[1] for r in rows[1:]] == [NUMBERS[0], NUMBERS[1], NUMBERS[4]]   # text, not 8.6E+12
    assert rows[2][2] == NAMES[1]                      # a string cell: no formula is ever made
    assert sheet.cell(3, 3).data_type == "s"
    assert sheet.column_dimensions["B"].width >= len(NUMBERS[0])   # a number is shown whole


def test_reveal_refuses_more_rows_than_an_xlsx_sheet_holds(env, monkeypatch):
    from scanner.privacy import safe_files

    tmp, _, out = env
    monkeypatch.setattr(safe_files, "XLSX_MAX_ROWS", 3)   # 3 accepted rows and a header: one too many
    result = run(out, "--to", tmp / "dial.xlsx", "--reason", "import")
    assert result.exit_code == 2 and "3 rows do not fit in one XLSX sheet (at most 2)" in result.output
    assert not (tmp / "dial.xlsx").exists() and not (tmp / "state" / "audit.log").exists()


@pytest.mark.parametrize("name", ["dial.txt", "dial.xls", "dial.tsv"])
def test_reveal_refuses_a_format_it_does_not_write(env, name):
    tmp, _, out = env
    result = run(out, "--to", tmp / name, "--reason", "import")
    assert result.exit_code == 2 and "reveal writes .csv or .xlsx" in result.output
    assert not (tmp / name).exists() and not (tmp / "state" / "audit.log").exists()


@pytest.mark.parametrize(("rows", "expected"), [("review", ["3"]), ("all", ["1", "2", "3", "4", "5"])])
def test_reveal_row_choice(env, rows, expected):
    tmp, _, out = env
    assert run(out, "--to", tmp / "x.csv", "--reason", "review", "--rows", rows).exit_code == 0
    assert _csv(tmp / "x.csv")["row"].to_list() == expected


def test_reveal_national_gbk(env):
    tmp, _, out = env
    result = run(out, "--to", tmp / "n.csv", "--reason", "sms platform", "--format", "national",
                 "--encoding", "gbk", "--rows", "all")
    assert result.exit_code == 0, result.output
    frame = _csv(tmp / "n.csv", "gbk")
    assert frame["phone"].to_list() == ["13800138000", "13912345678", "19200000001", "18912345678",
                                        "+14155550100"]
    assert frame["name"][0] == "王小明"
    assert "outside CN kept in E.164" in result.output


def test_reveal_utf8_sig_has_bom(env):
    tmp, _, out = env
    assert run(out, "--to", tmp / "b.csv", "--reason", "excel", "--encoding", "utf-8-sig").exit_code == 0
    assert (tmp / "b.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_reveal_split_by_carrier(env):
    tmp, _, out = env
    result = run(out, "--to", tmp / "dial.csv", "--reason", "per-carrier channels", "--rows", "all",
                 "--split-by", "carrier")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in tmp.glob("dial.*.csv"))
    assert files == sorted(["dial.移动.csv", "dial.广电.csv", "dial.电信.csv", "dial.其他.csv"])
    assert _csv(tmp / "dial.移动.csv")["row"].to_list() == ["1", "2"]
    assert _csv(tmp / "dial.其他.csv")["phone"].to_list() == [NUMBERS[4]]
    assert "携号转网" in result.output and not (tmp / "dial.csv").exists()
    assert len(read_audit_log(tmp / "state")[0]["outputs"]) == 4


@pytest.mark.parametrize("reason", ["", "   ", "call back 138 0013 8000", "id 13800138000"])
def test_reason_required_and_number_free(env, reason):
    tmp, _, out = env
    result = run(out, "--to", tmp / "x.csv", "--reason", reason)
    assert result.exit_code == 2 and "--reason" in result.output
    assert not (tmp / "x.csv").exists() and not (tmp / "state" / "audit.log").exists()


def test_reason_option_missing_is_usage_error(env):
    tmp, _, out = env
    assert run(out, "--to", tmp / "x.csv").exit_code == 2


def test_missing_vault_and_not_a_scan_dir(env):
    tmp, _, out = env
    (out / "vault.bin").unlink()
    result = run(out, "--to", tmp / "x.csv", "--reason", "r")
    assert result.exit_code == 1 and "vault.bin is missing" in result.output
    build = build_manifest(out, ["report.json", "rows.parquet"], scan_id=SCAN_ID, keys=env[1])
    (out / "manifest.json").write_bytes(manifest_bytes(build, env[1]))  # a scan without a vault
    result = run(out, "--to", tmp / "x.csv", "--reason", "r")
    assert result.exit_code == 2 and "wrote no vault" in result.output
    result = run(tmp / "nowhere", "--to", tmp / "x.csv", "--reason", "r")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_tampered_vault_exit_1_nothing_written(env):
    tmp, _, out = env
    data = bytearray((out / "vault.bin").read_bytes())
    data[-3] ^= 0x10
    (out / "vault.bin").write_bytes(bytes(data))
    result = run(out, "--to", tmp / "x.csv", "--reason", "r")
    assert result.exit_code == 1 and "vault.bin does not match manifest.json" in result.output
    seal(out, env[1])  # past the manifest (an editor with the key), the vault's own check holds
    result = run(out, "--to", tmp / "x.csv", "--reason", "r")
    assert result.exit_code == 1 and "failed authentication" in result.output
    assert "Traceback" not in result.output
    assert not (tmp / "x.csv").exists() and not (tmp / "state" / "audit.log").exists()


def test_vault_from_another_scan_exit_1(env):
    tmp, keys, out = env
    other = make_out_dir(tmp / "other-out", keys, scan_id="0ther" * 6)
    (out / "vault.bin").write_bytes((other / "vault.bin").read_bytes())
    result = run(out, "--to", tmp / "x.csv", "--reason", "r")
    assert result.exit_code == 1 and "vault.bin does not match manifest.json" in result.output
    seal(out, keys)
    result = run(out, "--to", tmp / "x.csv", "--reason", "r")
    assert result.exit_code == 1 and "belongs to scan" in result.output


def test_rows_parquet_from_another_key_exit_1(env):
    tmp, _, out = env
    stranger = KeyMaterial.from_master(b"\x05" * 32)
    pl.read_parquet(out / "rows.parquet").with_columns(
        phone_token=pl.lit("0" * 32)).write_parquet(out / "rows.parquet")
    result = run(out, "--to", tmp / "x.csv", "--reason", "r")
    assert result.exit_code == 1 and "rows.parquet does not match manifest.json" in result.output
    seal(out, env[1])
    result = run(out, "--to", tmp / "x.csv", "--reason", "r")
    assert result.exit_code == 1 and "disagree with the vault" in result.output
    assert stranger.key_id not in result.output


def test_wrong_key_exit_2_names_both_ids(env, monkeypatch):
    tmp, keys, out = env
    other = tmp / "other.key"
    other_keys = write_new_key(other)
    result = run(out, "--to", tmp / "x.csv", "--reason", "r", "--key-file", other)
    assert result.exit_code == 2
    assert f"written with key {keys.key_id}, you have key {other_keys.key_id}" in result.output
    assert "manifest.json" in result.output  # refused at the manifest, before any file is read


def test_audit_chain_verifies_and_detects_edits(env):
    tmp, _, out = env
    for i in range(3):
        assert run(out, "--to", tmp / f"x{i}.csv", "--reason", f"batch {i}").exit_code == 0
    ok = CliRunner().invoke(main, ["keys", "verify-audit"])
    assert ok.exit_code == 0 and "3 entries, 3 verified" in ok.output
    log = tmp / "state" / "audit.log"
    lines = log.read_text("utf-8").splitlines()
    lines[1] = lines[1].replace('"rows":3', '"rows":1')
    log.write_text("\n".join(lines) + "\n")
    bad = CliRunner().invoke(main, ["keys", "verify-audit"])
    assert bad.exit_code == 1 and "row 2" in bad.output
    log.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert CliRunner().invoke(main, ["keys", "verify-audit"]).exit_code == 1


def test_end_to_end_through_real_scan(tmp_path, monkeypatch):
    api = pytest.importorskip("scanner.api", exc_type=ImportError)
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "list.csv"
    source.write_text("手机号,姓名,来源,同意\n13800138000,王小明,官网注册,营销\n"
                      "138 0013 8001,李四,官网注册,营销\nabc,张三,官网注册,营销\n", "utf-8")
    scanned = CliRunner().invoke(main, ["scan", str(source), "--out", "out", "--no-progress",
                                        "--fail-on", "never"])
    assert scanned.exit_code == 0, scanned.output
    verdicts = pl.read_parquet(tmp_path / "out" / "rows.parquet").select("row", "verdict")
    result = run(tmp_path / "out", "--to", tmp_path / "all.csv", "--reason", "e2e", "--rows", "all",
                 "--format", "national")
    assert result.exit_code == 0, result.output
    revealed = _csv(tmp_path / "all.csv")
    assert sorted(revealed["phone"].to_list()) == ["13800138000", "13800138001"]
    assert verdicts.height == 3 and api is not None
    for written in (tmp_path / "out").iterdir():
        assert b"13800138000" not in written.read_bytes()
