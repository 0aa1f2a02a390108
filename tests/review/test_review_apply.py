"""``review apply`` and scans honouring decisions (docs/PRIVACY.md, "Review decisions")."""

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from review_support import POLICY, ROWS, fill, list_text
from scanner.review.decisions import decision_history, load_decisions


def _audit(month) -> list[dict]:
    return [json.loads(line) for line in (month.state / "audit.log").read_text().splitlines()]


def test_approved_warnings_are_accepted_by_the_next_scan_and_stored_by_token(month):
    rows, _ = month.scan(list_text())
    sheet = fill(month.export(), {2: ("approve", "called back, consent on the phone 13800138002"),
                                  5: ("reject", None), 6: ("suppress", None)})
    out = month.run("review", "apply", sheet, "--out", month.dir / "out", "--reviewer", "ana")
    assert "stored 3 decisions (1 approve, 1 reject, 1 suppress)" in out.output
    stored = decision_history(month.state)
    assert stored.get_column("token").to_list() == rows.filter(pl.col("row").is_in([2, 5, 6])).get_column(
        "phone_token").to_list()
    assert stored.get_column("codes").to_list() == ["PR002", "PR001", "PR002"]
    assert stored.get_column("reviewer").unique().to_list() == ["ana"]
    note = stored.get_column("note").to_list()[0]
    assert "13800138002" not in note and "138****8002" in note  # a note's numbers are masked
    entry = _audit(month)[-1]
    assert entry["action"] == "review-apply" and entry["counts"] == {"approve": 1, "reject": 1, "suppress": 1}
    assert [d["token"] for d in entry["decisions"]] == stored.get_column("token").to_list()
    assert "13800138002" not in (month.state / "audit.log").read_text()

    again, report = month.scan(list_text(), "next")
    by_row = {r["row"]: r for r in again.iter_rows(named=True)}
    assert (by_row[2]["verdict"], by_row[2]["decision"], by_row[2]["findings"]) == ("accept", "approve", ["PR002"])
    assert (by_row[5]["verdict"], by_row[5]["decision"]) == ("reject", "reject")
    # the suppress decision fed the do-not-contact store: SP001, and the decision still counts
    assert by_row[6]["findings"] == ["PR002", "SP001"] and by_row[6]["decision"] == "suppress"
    assert by_row[1]["decision"] is None and by_row[1]["decided_at"] is None
    assert by_row[2]["decided_at"] is not None
    assert report["review"] == {"rows_decided": 3, "approve": 1, "reject": 1, "suppress": 1, "stale": 0}
    assert report["rows"]["accept"] == 2


def test_an_approval_does_not_cover_a_new_finding_and_errors_need_the_policy(month):
    rows, _ = month.scan(list_text())
    # CN003 is an error: approving it needs [review] approvable
    sheet = fill(month.export("all.xlsx", "out", "--rows", "all"), {3: ("approve", "paper form seen")})
    refused = month.run("review", "apply", sheet, "--out", month.dir / "out", code=2)
    assert "sheet row 4: approve: CN003 is not in [review] approvable; nothing was stored" in refused.output
    assert not load_decisions(month.state).height
    never = fill(month.export("all.xlsx", "out", "--rows", "all"), {4: ("approve", None)}, month.dir / "n.xlsx")
    assert "CN002 can never be approved" in month.run("review", "apply", never, "--out", month.dir / "out",
                                                      code=2).output
    lenient = month.dir / "lenient.toml"
    lenient.write_text(POLICY + '[review]\napprovable = ["CN003"]\n', encoding="utf-8")
    month.run("review", "apply", sheet, "--out", month.dir / "out", "--policy", lenient)
    again, _ = month.scan(list_text(), "next", policy=lenient)
    assert again.filter(pl.col("row") == 3).select("verdict", "decision").row(0) == ("accept", "approve")
    # next month the same number says 退订: CN002 is new, the approval no longer counts
    changed = [r if r[0] != ROWS[2][0] else (r[0], r[1], "退订", r[3]) for r in ROWS]
    later, report = month.scan(list_text(changed), "later", policy=lenient)
    row = later.filter(pl.col("row") == 3).row(0, named=True)
    assert (row["verdict"], row["decision"]) == ("reject", None) and "CN002" in row["findings"]
    assert report["review"]["stale"] == 1 and report["review"]["rows_decided"] == 0


def test_approvals_expire(month):
    month.scan(list_text())
    month.run("review", "apply", fill(month.export(), {2: ("approve", None)}), "--out", month.dir / "out")
    expiring = month.dir / "expiring.toml"
    expiring.write_text(POLICY + "[review]\napproval_max_age_days = 30\n", encoding="utf-8")
    month.dir.joinpath("l.csv").write_text(list_text(), encoding="utf-8")
    later = month.run("scan", month.dir / "l.csv", "--policy", expiring, "--out", month.dir / "later",
                      "--as-of", "2027-03-01", "--fail-on", "never", "--no-progress")
    assert later.exit_code == 0
    row = month.rows("later").filter(pl.col("row") == 2).row(0, named=True)
    assert (row["verdict"], row["decision"]) == ("review", None)
    assert month.report("later")["review"]["stale"] == 1


def _edited(path: Path, to: Path, edit) -> Path:
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    edit(sheet, {name: header.index(name) + 1 for name in header})
    book.save(to)
    return to


def test_a_sheet_edited_in_excel_still_applies(month):
    """Reordered and extra columns, row numbers turned into floats: the decisions stand."""
    month.scan(list_text())
    sheet = fill(month.export(), {2: ("Approve ", None), 5: ("approve", None)})
    book = openpyxl.load_workbook(sheet)
    old = book.active
    new = book.create_sheet("edited", 0)
    header = [c.value for c in old[1]]
    order = list(reversed(header)) + ["my own column"]
    for r, values in enumerate(old.iter_rows(values_only=True), start=1):
        record = dict(zip(header, values))
        for c, name in enumerate(order, start=1):
            value = name if r == 1 else record.get(name, "x")
            new.cell(r, c).value = float(value) if r > 1 and name in ("row", "line") else value
    del book["review"]
    book.save(month.dir / "edited.xlsx")
    out = month.run("review", "apply", month.dir / "edited.xlsx", "--out", month.dir / "out")
    assert "stored 2 decisions (2 approve" in out.output


BAD = [
    ("decision", lambda s, c: s.cell(2, c["decision"]).__setattr__("value", "maybe"),
     "sheet row 2: decision 'maybe' is not one of approve, reject, suppress"),
    ("token", lambda s, c: s.cell(2, c["phone_token"]).__setattr__("value", "0" * 32),
     "sheet row 2: the number of row 2 changed"),
    ("unknown", lambda s, c: (s.cell(2, c["phone_token"]).__setattr__("value", "0" * 32),
                              s.cell(2, c["row"]).__setattr__("value", 99)),
     "sheet row 2: unknown phone token"),
    ("mask", lambda s, c: s.cell(2, c["phone_masked"]).__setattr__("value", "138****0000"),
     "sheet row 2: the masked number was edited"),
    ("scan", lambda s, c: [s.cell(r, c["scan_id"]).__setattr__("value", "f" * 32) for r in (2, 3, 4)],
     "sheet row 2: from scan ffffffffffffffffffffffffffffffff"),
    ("key", lambda s, c: s.cell(3, c["key_id"]).__setattr__("value", "0123456789abcdef"),
     "sheet row 3: made with key 0123456789abcdef"),
    ("same number twice", lambda s, c: (s.cell(3, c["phone_token"]).__setattr__("value", s.cell(2, c["phone_token"]).value),
                                        s.cell(3, c["row"]).__setattr__("value", 2),
                                        s.cell(3, c["phone_masked"]).__setattr__("value", s.cell(2, c["phone_masked"]).value),
                                        s.cell(3, c["decision"]).__setattr__("value", "reject")),
     "sheet row 2: another row of the sheet decides the same number differently"),
]


@pytest.mark.parametrize("name,edit,message", BAD, ids=[b[0] for b in BAD])
def test_bad_sheets_are_refused_before_anything_is_stored(month, name, edit, message):
    month.scan(list_text())
    sheet = fill(month.export(), {2: ("approve", None), 5: ("approve", None)})
    bad = _edited(sheet, month.dir / "bad.xlsx", edit)
    out = month.run("review", "apply", bad, "--out", month.dir / "out", code=2)
    assert message in out.output and "nothing was stored" in out.output
    assert len(out.output.strip().splitlines()) == 2  # the state line, then one error line
    assert "Traceback" not in out.output
    assert not load_decisions(month.state).height
    assert not (month.state / "audit.log").exists()


def test_a_sheet_without_its_decision_column_is_refused_naming_it(month):
    month.scan(list_text())
    sheet = pl.read_csv(month.export("review.csv"), infer_schema=False).drop("decision")
    sheet.write_csv(month.dir / "cut.csv")
    out = month.run("review", "apply", month.dir / "cut.csv", "--out", month.dir / "out", code=2)
    assert "the sheet has no 'decision' column" in out.output


def test_a_csv_sheet_applies_too(month):
    month.scan(list_text())
    sheet = pl.read_csv(month.export("review.csv"), infer_schema=False)
    sheet = sheet.with_columns(pl.when(pl.col("row") == "5").then(pl.lit("reject")).alias("decision"))
    sheet.write_csv(month.dir / "filled.csv")
    assert "stored 1 decisions (0 approve, 1 reject" in month.run(
        "review", "apply", month.dir / "filled.csv", "--out", month.dir / "out").output


def test_two_reviewers_applying_at_once_both_land(month):
    month.scan(list_text())
    first = fill(month.export(), {2: ("approve", "first")}, month.dir / "a.xlsx")
    second = fill(month.export("other.xlsx"), {5: ("reject", "second")}, month.dir / "b.xlsx")
    env = {**os.environ, "CONTACT_SCANNER_HOME": str(month.state)}
    runs = [subprocess.Popen([sys.executable, "-m", "scanner", "review", "apply", str(sheet), "--out",
                              str(month.dir / "out"), "--reviewer", who], env=env, stderr=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
            for sheet, who in ((first, "ana"), (second, "bo"))]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    assert sorted(decision_history(month.state).get_column("reviewer").to_list()) == ["ana", "bo"]
    assert sorted(e["reviewer"] for e in [json.loads(x) for x in (month.state / "audit.log").read_text().splitlines()]
                  if e["action"] == "review-apply") == ["ana", "bo"]
    month.run("keys", "verify-audit")
