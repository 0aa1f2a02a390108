"""``review export``: the sheet people work in (docs/PRIVACY.md, "Review decisions")."""

import re
import stat

import openpyxl
import polars as pl

from review_support import NUMBERS, list_text


def test_the_sheet_lists_the_review_rows_with_their_lines_findings_and_a_decision_list(month):
    rows, report = month.scan(list_text())
    path = month.export()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header == ["line", "row", "phone_masked", "phone_token", "findings", "verdict", "source", "consent",
                      "consent_time", "decision", "note", "scan_id", "key_id"]
    listed = [dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    review = rows.filter(pl.col("verdict") == "review")
    assert [r["row"] for r in listed] == review.get_column("row").to_list() == [2, 5, 6]
    # the title line, the header and a blank line come first: row 2 is line 5 of the file
    assert [r["line"] for r in listed] == review.get_column("line").to_list() == [5, 8, 9]
    assert [r["phone_token"] for r in listed] == review.get_column("phone_token").to_list()
    assert listed[0]["findings"] == "PR002 unapproved-source: source \u201c朋友介绍\u201d is not an approved source"
    assert listed[1]["findings"] == "PR001 missing-source: no source recorded"
    assert listed[0]["consent_time"] == "2026-05-01 00:00" and listed[0]["consent"] == "granted"
    assert all(r["decision"] is None and r["note"] is None for r in listed)
    assert {r["scan_id"] for r in listed} == {report["scan"]["id"]}
    [validation] = sheet.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"approve,reject,suppress"'
    assert "J2" in str(validation.sqref)


def test_rows_chooses_the_verdicts_and_each_finding_is_said_for_its_row(month):
    month.scan(list_text())
    path = month.export("rejected.csv", "out", "--rows", "reject")
    sheet = pl.read_csv(path, infer_schema=False)
    assert sheet.get_column("row").to_list() == ["3", "4"]
    expired, refused = sheet.get_column("findings").to_list()
    # 2023-05-02 to 2026-11-23 (the scan's day in its zone)
    assert expired == "CN003 consent-expired: consent given 2023-05-02, 1301 days before the scan; limit 730"
    assert refused == "CN002 consent-refused-or-withdrawn: consent says withdrawn"


def test_no_plaintext_number_and_formulas_neutralized(month):
    text = list_text().replace("朋友介绍", "=HYPERLINK(\"x\")", 1)
    month.scan(text)
    for name in ("review.xlsx", "review.csv"):
        data = month.export(name).read_bytes()
        for number in NUMBERS:
            assert number.encode() not in data and number[3:].encode() not in data
    csv = pl.read_csv(month.dir / "review.csv", infer_schema=False)
    assert csv.get_column("source").to_list()[0].startswith("'=")
    book = openpyxl.load_workbook(month.dir / "review.xlsx")
    cell = book.active["G2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")  # a string, never a formula


def test_a_sheet_that_would_hold_a_number_is_not_written(month, monkeypatch):
    from scanner.review import sheet as sheet_module

    month.scan(list_text())
    real = sheet_module.review_frame

    def leaky(*args, **kwargs):
        return real(*args, **kwargs).with_columns(pl.lit("call 13800138002").alias("note"))

    monkeypatch.setattr(sheet_module, "review_frame", leaky)
    monkeypatch.setattr("scanner.review.roundtrip.review_frame", leaky)
    result = month.run("review", "export", month.dir / "out", "--to", month.dir / "leak.xlsx", code=1)
    assert "plaintext number" in result.output and not (month.dir / "leak.xlsx").exists()


def test_the_sheet_explains_in_chinese_and_still_applies(month):
    """``--lang zh``: each finding is said in Chinese (its code and name stay, as do the row's
    values and the column names and decision words ``review apply`` reads back)."""
    from review_support import fill

    month.scan(list_text())
    month.run("--lang", "zh", "review", "export", month.dir / "out", "--to", month.dir / "zh.csv", "--rows", "all")
    sheet = pl.read_csv(month.dir / "zh.csv", infer_schema=False)
    assert sheet.columns[:5] == ["line", "row", "phone_masked", "phone_token", "findings"]
    said = "\n".join(sheet.get_column("findings").drop_nulls().to_list())
    assert "PR002 unapproved-source: 来源\u201c朋友介绍\u201d不是批准的来源" in said
    assert "CN003 consent-expired: 同意于 2023-05-02 给出，距扫描 1301 天；上限 730 天" in said
    assert "CN002 consent-refused-or-withdrawn: 同意取值为 withdrawn" in said
    # nothing of the English sentences is left: what is Latin is codes, rule names and the row's values
    prose = re.sub(r"[A-Z]{2}\d{3} [a-z-]+:|withdrawn|granted", " ", said)
    assert re.findall(r"[A-Za-z]{3,}", prose) == []
    xlsx = month.run("--lang", "zh", "review", "export", month.dir / "out", "--to", month.dir / "zh.xlsx")
    assert "已将 3 行写入" in xlsx.stdout
    book = openpyxl.load_workbook(month.dir / "zh.xlsx").active
    [validation] = book.data_validations.dataValidation
    assert validation.formula1 == '"approve,reject,suppress"' and "留空" in validation.error
    applied = month.run("--lang", "zh", "review", "apply", fill(month.dir / "zh.xlsx", {2: ("approve", None)}),
                        "--out", month.dir / "out", "--policy", month.policy)
    assert "已保存扫描" in applied.stdout


def test_more_review_rows_than_a_sheet_holds_are_refused_not_cut(month, monkeypatch):
    # xlsxwriter drops rows past a sheet's end without a word; the export refuses instead
    from scanner.privacy import safe_files

    rows, _ = month.scan(list_text())
    review = rows.filter(pl.col("verdict") == "review").height
    monkeypatch.setattr(safe_files, "XLSX_MAX_ROWS", review)   # one row short: the header takes one
    result = month.run("review", "export", month.dir / "out", "--to", month.dir / "big.xlsx", code=2)
    assert "rows do not fit in one XLSX sheet" in result.output and not (month.dir / "big.xlsx").exists()
    monkeypatch.setattr(safe_files, "XLSX_MAX_ROWS", review + 1)
    month.run("review", "export", month.dir / "out", "--to", month.dir / "fits.xlsx", code=0)
    assert openpyxl.load_workbook(month.dir / "fits.xlsx").active.max_row == review + 1
