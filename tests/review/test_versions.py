"""Re-scanning your own list: versions and owner kinds of registered lists (README)."""

import polars as pl

from review_support import ROWS, list_text
from scanner.registry import open_registry


def _fired(report) -> set[str]:
    return {s["code"] for s in report["list"]["purchased"]["signals"] if s["fired"]}


def test_an_own_list_rescanned_reports_changes_a_received_copy_stays_a_copy(month):
    _, first = month.scan(list_text(), "own1", "--register", "members")
    assert first["list"]["changes"] is None  # nothing to compare with yet
    changed = ROWS[:5] + [("13800138009", "官网注册", "同意", "2026-10-01")]
    _, again = month.scan(list_text(changed), "own2", "--register", "members")
    assert "LS013" not in _fired(again) and again["list"]["overlaps"] == []
    assert again["list"]["changes"]["numbers"] == {"before": 6, "now": 6, "added": 1, "removed": 1}
    text = month.run("scan", month.dir / "own2.csv", "--policy", month.policy, "--out", month.dir / "own3",
                     "--as-of", "2026-11-23T12:00:00+08:00", "--fail-on", "never", "--no-progress",
                     "--register", "members").output
    assert "changes since members v2" in text and "0 numbers added, 0 removed" in text
    infos = {i.name: i for i in open_registry(month.state).list()}
    assert [(i.family, i.version, i.owner) for i in infos.values()] == [
        ("members", 1, "own"), ("members", 2, "own"), ("members", 3, "own")]
    assert list(infos) == ["members", "members@v2", "members@v3"]

    # a list someone else gave us: its copy is a copy, whatever name it is registered under
    month.dir.joinpath("vendor.csv").write_text(list_text(), encoding="utf-8")
    month.run("registry", "add", month.dir / "vendor.csv", "--name", "vendor", "--policy", month.policy)
    _, copied = month.scan(list_text(), "copy", "--register", "vendor")
    assert "LS013" in _fired(copied) and copied["list"]["verdict"] == "fail"
    assert copied["list"]["changes"] is None
    # ...and other lists still count against an own list's new version
    _, own = month.scan(list_text(), "own4", "--register", "members")
    assert [o["list"] for o in own["list"]["overlaps"]] == ["vendor", "vendor@v2"]
    assert "LS013" in _fired(own)


def test_a_leaked_family_is_never_excused(month):
    month.dir.joinpath("leak.csv").write_text(list_text(), encoding="utf-8")
    month.run("registry", "add", month.dir / "leak.csv", "--name", "leak", "--leaked", "--owner", "own",
              "--policy", month.policy)
    _, report = month.scan(list_text(), "again", "--register", "leak")
    assert report["list"]["verdict"] == "fail" and report["list"]["changes"] is None
    rows = pl.read_parquet(month.dir / "again" / "rows.parquet")
    assert rows.get_column("findings").list.contains("DU003").all()
