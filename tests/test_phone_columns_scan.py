"""Several phone columns: every number scanned with its row and column, the rows output one
row per input row with its contact number and a ``phones`` list, reveal of every number.

The lists are shaped like real exports: a HubSpot contacts export (``Phone Number`` and
``Mobile Phone Number``, US numbers in HubSpot's display form) and a Chinese sheet saved by
Excel/WPS as UTF-8 with a BOM (手机号 + 备用电话, landlines with area codes, blanks).
"""

from __future__ import annotations

import json
from collections import Counter

import polars as pl
import pytest
from click.testing import CliRunner

from scanner.api import scan
from scanner.cli import main
from scanner.phone.normalize import normalize
from scanner.policy import policy_from_dict
from scanner.privacy.audit import read_audit_log
from scanner.privacy.keys import HOME_ENV, write_new_key
from scanner.privacy.tokens import token_one
from scanner.privacy.vault import read_vault
from tests.test_no_plaintext import _found, _texts

AS_OF = "2026-11-23"

# 姓名, 手机号, 备用电话, 是否同意, 来源 (and a consent time, 同意时间)
SHEET = [
    ("张伟", "13800138000", "13912345678", "是", "官网注册"),        # 1 two mobiles
    ("王芳", "", "13700137000", "是", "官网注册"),                  # 2 only the backup column
    ("李娜", "0755-86013388", "13600136000", "是", "官网注册"),     # 3 landline + suppressed mobile
    ("刘洋", "13500135000", "138 0013 8000", "是", "官网注册"),     # 4 backup repeats row 1's mobile
    ("陈静", "13700137000", "", "退订", "官网注册"),                # 5 row 2's number, withdrawn
    ("杨磊", "", "", "是", "官网注册"),                             # 6 no number at all
    ("赵敏", "18612345678", "18612345678", "是", "官网注册"),       # 7 the same number twice
    ("黄军", "not a number", "15012345678", "是", "官网注册"),      # 8 garbage, then a mobile
]
SUPPRESSED = "13600136000"
CN_POLICY = {"columns": {"phone": ["手机号", "备用电话"]},
             "sources": [{"name": "web", "aliases": ["官网注册"]}]}

HUBSPOT_HEADER = ("Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,"
                  "Lifecycle Stage,Create Date,Marketing contact status")
HUBSPOT = [
    "51,Maria,Johnson,maria@example.com,+1 (212) 736-3100,(650) 253-0000,lead,2025-03-14 09:12,Marketing contact",
    "52,Brian,Halligan,brian@example.com,(617) 555-0135,,subscriber,2025-03-15 16:40,Non-marketing contact",
    "53,Dharmesh,Shah,dharmesh@example.com,,+1 415-656-6300,customer,2025-04-01 11:05,Marketing contact",
    "54,Kipp,Bodnar,kipp@example.com,212.736.3100,,lead,2025-04-02 08:30,Marketing contact",
]


def _write_sheet(path, rows=SHEET):
    lines = ["姓名,手机号,备用电话,是否同意,来源,同意时间"] + [",".join((*r, f"2026-0{i % 9 + 1}-12 10:3{i % 10}:00"))
                                                         for i, r in enumerate(rows)]
    path.write_bytes("\ufeff".encode() + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


@pytest.fixture
def sheet(tmp_path):
    suppress = tmp_path / "dnc.csv"
    suppress.write_text(f"手机号\n{SUPPRESSED}\n", encoding="utf-8")
    return _write_sheet(tmp_path / "客户名单.csv"), suppress


def _scan_sheet(sheet, keys, **kwargs):
    path, suppress = sheet
    return scan(path, policy_from_dict(CN_POLICY), keys=keys, as_of=AS_OF, suppress=[suppress], **kwargs)


def _e164(raw: str, region="CN") -> str:
    return normalize(pl.Series([raw]), region=region).item(0, "e164")


def _phones(rows: pl.DataFrame) -> list[list[dict]]:
    return rows.get_column("phones").to_list()


def test_every_number_of_every_phone_column_is_judged(sheet, keys):
    result = _scan_sheet(sheet, keys)
    report, rows = result.report, result.rows
    assert report["input"]["columns"]["phone"] == "手机号"
    assert report["input"]["phone_columns"] == ["手机号", "备用电话"]
    assert rows.height == report["rows"]["total"] == len(SHEET)
    assert rows.get_column("row").to_list() == list(range(1, len(SHEET) + 1))
    phones = _phones(rows)
    # one element per non-empty phone cell; a row without any keeps one, of the primary column
    assert [[p["column"] for p in ps] for ps in phones] == [
        ["手机号", "备用电话"], ["备用电话"], ["手机号", "备用电话"], ["手机号", "备用电话"], ["手机号"],
        ["手机号"], ["手机号", "备用电话"], ["手机号", "备用电话"]]
    # each number's token is the keyed token of its own number
    assert phones[1][0]["token"] == token_one(keys, "phone", "+8613700137000")
    assert phones[2][1]["token"] == token_one(keys, "phone", "+86" + SUPPRESSED)
    assert phones[2][1]["mask"] == "136****6000"

    # the suppressed number in the second column is caught; the row keeps its landline
    assert "SP001" in phones[2][1]["findings"] and phones[2][1]["verdict"] == "reject"
    assert rows.row(2, named=True)["contact_column"] == "手机号"
    assert "SP001" not in rows.row(2, named=True)["findings"]
    # the backup column alone gives the row its contact number
    assert rows.row(1, named=True)["contact_column"] == "备用电话"
    assert rows.row(1, named=True)["phone_token"] == phones[1][0]["token"]

    # duplicates over (row, number) pairs in row, then column order
    assert "DU001" not in phones[0][0]["findings"]
    assert "DU001" in phones[3][1]["findings"]          # row 1's mobile again, in row 4's backup
    assert phones[6][0]["findings"] == [] and "DU001" in phones[6][1]["findings"]  # twice in one row
    # row 2's number withdrawn in row 5: both pairs conflict, the most restrictive consent wins
    assert {"DU002", "CN002"} <= set(phones[1][0]["findings"]) and {"DU002", "CN002"} <= set(phones[4][0]["findings"])
    assert rows.row(1, named=True)["verdict"] == "reject"

    # no number at all: PH001 on the primary column, as with one column
    assert phones[5] == [{"column": "手机号", "token": None, "mask": None, "type": None,
                          "findings": ["PH001"], "verdict": "reject"}]
    # garbage then a mobile: the mobile is the contact number
    assert rows.row(7, named=True)["contact_column"] == "备用电话" and rows.row(7, named=True)["verdict"] == "accept"

    # the row is its contact number; findings count (row, number) pairs
    for row, ps in zip(rows.iter_rows(named=True), phones):
        contact = next(p for p in ps if p["column"] == row["contact_column"])
        assert (row["phone_token"], row["phone_masked"], row["findings"], row["verdict"]) == (
            contact["token"], contact["mask"], contact["findings"], contact["verdict"])
    pair_counts = Counter(code for ps in phones for p in ps for code in p["findings"])
    assert report["findings"] == {c: pair_counts[c] for c in report["findings"]}
    assert sum(report["rows"][v] for v in ("accept", "review", "reject")) == len(SHEET)
    assert report["list"]["duplicates"]["rows"] == pair_counts["DU001"]


def test_contact_number_prefers_a_passing_mobile(keys, scan_frame):
    records = [
        {"phone": "010-62345678", "phone_2": "13800138000", "consent": "是"},   # landline, mobile
        {"phone": "13800138001", "phone_2": "13900139000", "consent": "是"},    # both mobile: column order
        {"phone": "10086", "phone_2": "010-62345679", "consent": "是"},        # service number, landline
    ]
    frame = pl.DataFrame(records)
    result = scan(frame, policy_from_dict({"campaign": {"channel": "voice"},
                                           "columns": {"phone": ["phone", "phone_2"]}}),
                  keys=keys, as_of=AS_OF)
    assert result.rows.get_column("contact_column").to_list() == ["phone_2", "phone", "phone_2"]
    assert result.rows.get_column("type").to_list() == ["MOBILE", "MOBILE", "FIXED_LINE"]


def test_an_empty_second_column_changes_nothing(tmp_path, keys):
    rows = [(n, p, "", c, s) for n, p, _, c, s in SHEET]
    path = _write_sheet(tmp_path / "l.csv", rows)
    one = scan(path, policy_from_dict({**CN_POLICY, "columns": {"phone": "手机号"}}), keys=keys, as_of=AS_OF)
    two = scan(path, policy_from_dict(CN_POLICY), keys=keys, as_of=AS_OF)
    assert two.rows.drop("phones").equals(one.rows)
    for section in ("rows", "findings", "list"):
        assert two.report[section] == one.report[section]


@pytest.mark.parametrize("cut_by", [{"batch_rows": 1}, {"batch_rows": 3}])
def test_batches_give_the_same_results(sheet, keys, tmp_path, cut_by):
    whole = _scan_sheet(sheet, keys)
    cut = _scan_sheet(sheet, keys, **cut_by)
    assert len(cut._store.parts) > 1
    assert cut.rows.equals(whole.rows)
    for section in ("input", "rows", "findings", "list", "columns"):
        assert cut.report[section] == whole.report[section] or section == "input"
    assert {k: v for k, v in cut.report["input"].items() if k != "path"} == \
           {k: v for k, v in whole.report["input"].items() if k != "path"}
    cut.write(tmp_path / "cut")
    whole.write(tmp_path / "whole")
    assert pl.read_parquet(tmp_path / "cut" / "rows.parquet").equals(pl.read_parquet(tmp_path / "whole" / "rows.parquet"))


def test_hubspot_export_with_phone_and_mobile_columns(tmp_path, keys):
    path = tmp_path / "hubspot-crm-exports-all-contacts-2025-04-03.csv"
    path.write_text(HUBSPOT_HEADER + "\n" + "\n".join(HUBSPOT) + "\n", encoding="utf-8")
    policy = policy_from_dict({"campaign": {"region": "US", "allowed_regions": ["US"], "channel": "voice"},
                               "columns": {"phone": ["Mobile Phone Number", "Phone Number"]}})
    result = scan(path, policy, keys=keys, as_of=AS_OF)
    report, rows = result.report, result.rows
    assert report["input"]["phone_columns"] == ["Mobile Phone Number", "Phone Number"]
    assert report["input"]["columns"]["phone"] == "Mobile Phone Number"
    phones = _phones(rows)
    assert [[p["column"] for p in ps] for ps in phones] == [
        ["Mobile Phone Number", "Phone Number"], ["Phone Number"], ["Mobile Phone Number"], ["Phone Number"]]
    assert phones[0][0]["token"] == token_one(keys, "phone", "+16502530000")
    assert phones[0][1]["token"] == token_one(keys, "phone", "+12127363100")
    # the same office number in two spellings (rows 1 and 4) is one number
    assert "DU001" in phones[3][0]["findings"] and "DU001" not in phones[0][1]["findings"]
    assert rows.get_column("contact_column").to_list() == [
        "Mobile Phone Number", "Phone Number", "Mobile Phone Number", "Phone Number"]
    assert {t for ps in phones for p in ps if (t := p["token"])} <= set(result.valid_tokens().to_list()) | {
        token_one(keys, "phone", _e164("(617) 555-0135", "US"))}


def test_outputs_hold_no_number_of_any_column(sheet, keys, tmp_path):
    result = _scan_sheet(sheet, keys)
    out = tmp_path / "out"
    result.write(out)
    needles = set()
    for _, p1, p2, *_ in SHEET:
        for raw in (p1, p2):
            e164 = _e164(raw) if raw else None
            if e164:
                national = e164.removeprefix("+86")
                needles |= {e164, e164.lstrip("+"), national}
    assert "+8613600136000" in needles and "+8613912345678" in needles
    for path in out.iterdir():
        if path.name != "vault.bin":
            assert _found(needles, _texts(path)) == set(), path.name
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["exposure"]["plaintext_numbers_written"] == 0
    # the vault holds every number of every column, each with its row
    vault = read_vault(out / "vault.bin", scan_id=report["scan"]["id"], keys=keys)
    pairs = {(r, e) for r, e in vault.select("row", "e164").iter_rows()}
    assert (3, "+86" + SUPPRESSED) in pairs and (1, "+8613912345678") in pairs and (2, "+8613700137000") in pairs
    listed = {(r["row"], p["token"]) for r in result.rows.iter_rows(named=True) for p in r["phones"] if p["token"]}
    assert {(r, token_one(keys, "phone", e)) for r, e in pairs} == listed


def test_a_kept_phone_column_is_scanned_not_copied(sheet, keys):
    path, suppress = sheet
    policy = policy_from_dict({**CN_POLICY, "columns": {"phone": ["手机号", "备用电话"], "keep": ["备用电话"]}})
    result = scan(path, policy, keys=keys, as_of=AS_OF, suppress=[suppress])
    assert "备用电话" not in result.rows.columns and "phone_2" not in result.rows.columns
    assert _phones(result.rows)[0][1]["mask"] == "139****5678"


def _reveal(*args):
    return CliRunner().invoke(main, ["reveal", *map(str, args)], catch_exceptions=False)


def test_reveal_contact_numbers_and_all_numbers(sheet, tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "state"))
    keys = write_new_key(tmp_path / "state" / "key.json")
    result = _scan_sheet(sheet, keys)
    out = tmp_path / "out"
    result.write(out)

    assert _reveal(out, "--to", tmp_path / "contact.csv", "--reason", "campaign 12").exit_code == 0
    contact = pl.read_csv(tmp_path / "contact.csv", infer_schema=False)
    assert contact.columns == ["row", "line", "phone"]
    accepted = result.rows.filter(pl.col("verdict") == "accept")
    assert contact.get_column("row").cast(pl.Int64).to_list() == accepted.get_column("row").to_list()
    by_row = dict(contact.select("row", "phone").iter_rows())
    assert by_row["1"] == "+8613800138000" and by_row["8"] == "+8615012345678" and "3" not in by_row

    run = _reveal(out, "--to", tmp_path / "all.csv", "--reason", "campaign 12", "--all-numbers")
    assert run.exit_code == 0 and "revealed" in run.output
    every = pl.read_csv(tmp_path / "all.csv", infer_schema=False)
    assert every.columns == ["row", "line", "column", "phone"]
    expected = [(str(r["row"]), p["column"]) for r in result.rows.iter_rows(named=True)
                for p in r["phones"] if p["verdict"] == "accept"]
    assert list(every.select("row", "column").iter_rows()) == expected
    assert ("1", "备用电话", "+8613912345678") in set(every.select("row", "column", "phone").iter_rows())
    assert "+86" + SUPPRESSED not in every.get_column("phone").to_list()
    entries = read_audit_log(tmp_path / "state")
    assert [e["all_numbers"] for e in entries if e.get("action") == "reveal"] == [False, True]


def test_exposure_search_reads_the_phones_list(tmp_path):
    from scanner.privacy.exposure import exposure_metrics

    numbers = pl.DataFrame({"e164": ["+8613912345678"], "national_number": ["13912345678"]})
    clean = {"column": "备用电话", "token": "ab" * 16, "mask": "139****5678", "type": "MOBILE",
             "findings": ["PH004"], "verdict": "review"}
    for leaked, expected in ((None, 0), ("13912345678", 1), ("+86 139-1234-5678", 1)):
        element = clean if leaked is None else {**clean, "mask": leaked}
        rows = pl.DataFrame({"row": [1], "phone_token": ["cd" * 16], "phones": [[clean, element]]})
        rows.write_parquet(tmp_path / "rows.parquet", statistics=False)  # (statistics are searched too)
        out = exposure_metrics(rows=pl.scan_parquet(tmp_path / "rows.parquet"), files=[tmp_path / "rows.parquet"],
                               numbers=numbers)
        assert out["plaintext_numbers_written"] == expected, leaked


def test_phone_columns_found_without_columns_policy(sheet, keys, tmp_path):
    path, suppress = sheet
    result = scan(path, None, keys=keys, as_of=AS_OF, suppress=[suppress])
    assert result.report["input"]["phone_columns"] == ["手机号", "备用电话"]
    assert "SP001" in _phones(result.rows)[2][1]["findings"]
    hub = tmp_path / "hubspot.csv"
    hub.write_text(HUBSPOT_HEADER + "\n" + "\n".join(HUBSPOT) + "\n", encoding="utf-8")
    us = scan(hub, policy_from_dict({"campaign": {"region": "US", "allowed_regions": ["US"]}}),
              keys=keys, as_of=AS_OF)
    assert sorted(us.report["input"]["phone_columns"]) == ["Mobile Phone Number", "Phone Number"]


def test_a_kept_column_of_numbers_is_a_phone_column(tmp_path, keys):
    """A column whose header names no role but whose values are phone numbers, named in
    ``keep``: scanned, tokenized and masked like the primary one, never copied."""
    lines = ["姓名,手机号,订单号,其他,是否同意,同意时间"] + [
        f"客户{i},1380013{i:04d},ORD2026{i:06d},1391234{i:04d},是,2026-05-01 10:00" for i in range(40)]
    path = tmp_path / "l.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = scan(path, policy_from_dict({"columns": {"keep": ["其他", "订单号"]}}), keys=keys, as_of=AS_OF)
    assert result.report["input"]["phone_columns"] == ["手机号", "其他"]
    assert "其他" not in result.rows.columns and "订单号" in result.rows.columns
    assert _phones(result.rows)[5][1] == {"column": "其他", "token": token_one(keys, "phone", "+8613912340005"),
                                          "mask": "139****0005", "type": "MOBILE", "findings": ["PR001"],
                                          "verdict": "review"}   # no source column: PR001
    out = tmp_path / "out"
    result.write(out)
    assert json.loads((out / "report.json").read_text("utf-8"))["exposure"]["plaintext_numbers_written"] == 0
    assert _found({"13912340005", "+8613912340005", "8613912340005"}, _texts(out / "rows.parquet")) == set()


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_certificate_and_registry_cover_the_second_column(sheet, tmp_path, monkeypatch):
    monkeypatch.delenv(HOME_ENV, raising=False)
    path, _ = sheet
    state, sig = tmp_path / "state", tmp_path / "sig"
    assert _cli("keys", "signing", "--out", sig).exit_code == 0
    cert = tmp_path / "cert.json"
    made = _cli("certify", path, "--signing-key", sig / "signing-key.pem", "--out", cert, "--state-dir", state,
                "--as-of", "2026-11-23T10:00:00+08:00", "--fail-on", "never")
    assert made.exit_code == 0, made.output
    doc = json.loads(cert.read_text("utf-8"))
    distinct = {_e164(raw) for _, p1, p2, *_ in SHEET for raw in (p1, p2) if raw} - {None}
    assert doc["list"]["numbers"] == len(distinct) == 8
    verified = _cli("verify", cert, path, "--public-key", sig / "signing-key.pub.pem")
    assert verified.exit_code == 0, verified.output
    # one number changed in the backup column only: the certificate no longer matches
    altered = [r if i != 0 else (r[0], r[1], "13912345670", *r[3:]) for i, r in enumerate(SHEET)]
    _write_sheet(path, altered)
    failed = _cli("verify", cert, path, "--public-key", sig / "signing-key.pub.pem")
    assert failed.exit_code == 1 and "13912345670" not in failed.output

    # a registered list's number found in another list's second column (DU003)
    first = tmp_path / "first.csv"
    first.write_text("手机号\n13912345678\n", encoding="utf-8")
    registered = _cli("scan", first, "--out", tmp_path / "o1", "--state-dir", state, "--register", "vendor-a",
                      "--fail-on", "never", "--no-progress")
    assert registered.exit_code == 0, registered.output
    _write_sheet(path)
    again = _cli("scan", path, "--out", tmp_path / "o2", "--state-dir", state, "--fail-on", "never",
                 "--no-progress", "--policy", _policy_file(tmp_path))
    assert again.exit_code == 0, again.output
    assert "findings count every number of the 2 phone columns" in again.output
    rows = pl.read_parquet(tmp_path / "o2" / "rows.parquet")
    assert "DU003" in _phones(rows)[0][1]["findings"] and "DU003" not in _phones(rows)[0][0]["findings"]


def _policy_file(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('[columns]\nphone = ["手机号", "备用电话"]\n', encoding="utf-8")
    return path


def test_a_suppression_file_with_two_phone_columns(keys, tmp_path):
    """Every phone column of a do-not-contact file suppresses (here the number the list
    holds is only in the file's second column)."""
    path = _write_sheet(tmp_path / "l.csv")
    dnc = tmp_path / "退订名单.csv"
    dnc.write_text("姓名,手机号,备用电话\n某人,13300133000,13600136000\n", encoding="utf-8")
    result = scan(path, policy_from_dict(CN_POLICY), keys=keys, as_of=AS_OF, suppress=[dnc])
    assert "SP001" in _phones(result.rows)[2][1]["findings"] and result.report["findings"]["SP001"] == 1
