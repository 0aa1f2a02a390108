"""A month of the data team's loop, end to end through the command line (README, "Review,
decisions and the do-not-contact store"): scan and register the list; export the review
sheet; fill it as a person would; apply it; add complaints to the do-not-contact store;
re-scan a changed copy of the list a month later."""

import json

import openpyxl
import polars as pl

from review_support import ROWS, fill, list_text


def _everything_written(month) -> list[bytes]:
    """Every file of the folder tree except the inputs (and the key and the encrypted vaults)."""
    inputs = {p for p in month.dir.glob("*.csv") if p.name not in ("review.csv",)}
    return [p.read_bytes() for p in month.dir.rglob("*")
            if p.is_file() and p not in inputs and p.name not in ("key.json", "vault.bin")
            and not p.name.endswith(".wal")]


def test_a_month_of_review(month):
    # November: scan, register as our own list, export the rows to review
    rows, report = month.scan(list_text(), "out", "--register", "members")
    assert report["rows"] == {"total": 6, "accept": 1, "review": 3, "reject": 2}
    sheet = month.export()
    # a reviewer checks the evidence of rows 2 and 6 (approve) and drops row 5 (suppress)
    filled = fill(sheet, {2: ("approve", "signed form 2026-05-01"), 6: ("approve", None),
                          5: ("suppress", "asked not to be called")})
    month.run("review", "apply", filled, "--out", month.dir / "out", "--reviewer", "ana")
    # complaints from the SMS platform (real numbers, a file the platform exported)
    complaints = month.dir / "complaints.csv"
    complaints.write_text("mobile\n" + ROWS[0][0] + "\n", encoding="utf-8")
    month.run("suppress", "add", complaints, "--reason", "complaint", "--channel", "sms", "--purpose", "marketing")

    # December: the same list, one row changed (row 6's number says 退订 now), one row gone
    # (row 4), two new rows
    december = [ROWS[0], ROWS[1], ROWS[2], ROWS[4], (ROWS[5][0], ROWS[5][1], "退订", ROWS[5][3]),
                ("13800138007", "官网注册", "同意", "2026-11-01"), ("13800138008", "", "同意", "2026-11-02")]
    again, report = month.scan(list_text(december), "december", "--register", "members")
    # our own list, one month on: the changes are reported, not a copy of a registered list
    fired = {s["code"] for s in report["list"]["purchased"]["signals"] if s["fired"]}
    assert not fired & {"LS013", "LS014", "LS015", "LS016"} and report["list"]["overlaps"] == []
    changes = report["list"]["changes"]
    assert changes["against"]["list"] == "members" and changes["against"]["version"] == 1
    assert changes["numbers"] == {"before": 6, "now": 7, "added": 2, "removed": 1}
    assert changes["rows"] == {"before": 6, "now": 7}
    assert changes["findings"] == {"PR001": {"before": 1, "now": 2}, "SP001": {"before": 0, "now": 2}}
    assert "DU003" not in report["findings"]
    by_number = {n: r for n, r in zip([r[0] for r in december], again.iter_rows(named=True))}
    # decisions honoured: the approval of row 2 (PR002) still counts
    assert (by_number[ROWS[1][0]]["verdict"], by_number[ROWS[1][0]]["decision"]) == ("accept", "approve")
    # ...row 6 is now withdrawn: a new CN002 that no approval covers
    row6 = by_number[ROWS[5][0]]
    assert row6["verdict"] == "reject" and row6["decision"] is None and "CN002" in row6["findings"]
    # suppressed numbers are rejected: the complaint, and the suppress decision
    assert by_number[ROWS[0][0]]["findings"] == ["SP001"] and by_number[ROWS[0][0]]["verdict"] == "reject"
    assert "SP001" in by_number[ROWS[4][0]]["findings"] and by_number[ROWS[4][0]]["decision"] == "suppress"
    # the new rows are judged as usual
    assert by_number["13800138008"]["verdict"] == "review"
    assert report["review"] == {"rows_decided": 2, "approve": 1, "reject": 0, "suppress": 1, "stale": 1}
    summary = month.run("scan", month.dir / "december.csv", "--policy", month.policy, "--out", month.dir / "d2",
                        "--as-of", "2026-11-23T12:00:00+08:00", "--fail-on", "never", "--no-progress").output
    assert "changes since members v1" not in summary  # (not registering: no comparison)
    assert report["suppress"]["store_entries"] == 2

    # nothing in plaintext anywhere: outputs, sheets, the state folder, the audit log
    numbers = [n for n, *_ in december]
    for data in _everything_written(month):
        for number in numbers:
            assert number.encode() not in data and number[3:].encode() not in data
    log = [json.loads(x) for x in (month.state / "audit.log").read_text().splitlines()]
    assert [e["action"] for e in log] == ["review-apply", "suppress-add"]
    month.run("keys", "verify-audit")
    assert openpyxl.load_workbook(filled).active.max_row == 4
    assert pl.read_parquet(month.dir / "december" / "rows.parquet").height == len(december)
