"""A small list with a title line, one problem per row, scanned into a folder through the CLI."""

import json
from pathlib import Path

import openpyxl
import polars as pl
from click.testing import CliRunner

from scanner.cli import main

AS_OF = "2026-11-23T12:00:00+08:00"
TITLE = "2026年11月会员名单\n"
HEADER = "手机号,姓名,来源,同意,同意时间\n"
#: (number, source, consent, consent time): accept, PR002, CN003, CN002, PR001, PR002 again
ROWS = [
    ("13800138001", "官网注册", "同意", "2026-05-01"),
    ("13800138002", "朋友介绍", "同意", "2026-05-01"),
    ("13800138003", "官网注册", "同意", "2023-05-02"),
    ("13800138004", "官网注册", "退订", "2026-05-01"),
    ("13800138005", "", "同意", "2026-05-01"),
    ("13800138006", "朋友介绍", "同意", "2026-06-01"),
]
NUMBERS = [r[0] for r in ROWS]
POLICY = """
[campaign]
channel = "sms"
purpose = "marketing"
[consent]
max_age_days = 730
[[sources]]
name = "web-signup"
aliases = ["官网注册"]
"""


def list_text(rows=ROWS, blank_after_header=True) -> str:
    body = "".join(f"{n},名{k},{s},{c},{t}\n" for k, (n, s, c, t) in enumerate(rows))
    return TITLE + HEADER + ("\n" if blank_after_header else "") + body


class Month:
    """One state folder and the CLI around it."""

    def __init__(self, tmp_path: Path, monkeypatch):
        self.dir = tmp_path
        self.state = tmp_path / "state"
        monkeypatch.setenv("CONTACT_SCANNER_HOME", str(self.state))
        monkeypatch.delenv("CONTACT_SCANNER_KEY", raising=False)
        self.runner = CliRunner()
        self.policy = tmp_path / "policy.toml"
        self.policy.write_text(POLICY, encoding="utf-8")

    def run(self, *args, code=0):
        result = self.runner.invoke(main, [str(a) for a in args])
        assert result.exit_code == code, (result.output, result.exception)
        return result

    def scan(self, text: str, out: str = "out", *extra, policy=None):
        path = self.dir / f"{out}.csv"
        path.write_text(text, encoding="utf-8")
        self.run("scan", path, "--policy", policy or self.policy, "--out", self.dir / out, "--as-of", AS_OF,
                 "--fail-on", "never", "--no-progress", *extra)
        return self.rows(out), self.report(out)

    def rows(self, out="out") -> pl.DataFrame:
        return pl.read_parquet(self.dir / out / "rows.parquet")

    def report(self, out="out") -> dict:
        return json.loads((self.dir / out / "report.json").read_text(encoding="utf-8"))

    def export(self, name="review.xlsx", out="out", *extra):
        self.run("review", "export", self.dir / out, "--to", self.dir / name, *extra)
        return self.dir / name


def fill(path: Path, decisions: dict[int, tuple[str, str | None]], to: Path | None = None) -> Path:
    """Fill an exported XLSX as a person would (openpyxl): ``{scan row: (decision, note)}``."""
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    at = {name: header.index(name) + 1 for name in header}
    for r in range(2, sheet.max_row + 1):
        row = sheet.cell(r, at["row"]).value
        if row in decisions:
            decision, note = decisions[row]
            sheet.cell(r, at["decision"]).value = decision
            sheet.cell(r, at["note"]).value = note
    to = to or path.with_name("filled.xlsx")
    book.save(to)
    return to

