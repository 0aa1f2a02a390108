"""report.html says why a list is (or is not) likely purchased: purchased/v2's explanation,
on English pages (it is written in English in report.json)."""

from __future__ import annotations

import html
from pathlib import Path

from scanner.api import scan
from scanner.report.html import report_html

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def test_the_page_carries_the_explanation(keys):
    report = scan(SAMPLE / "vendor_list.xlsx", SAMPLE / "policy.toml", keys=keys, as_of="2026-11-23",
                  registry=False).report
    why = report["list"]["purchased"]["explanation"]
    assert why.startswith("Likely purchased")
    page = html.unescape(report_html(report, lang="en"))
    assert 'data-explanation="likely"' in page and why in page
    assert "data-explanation" not in report_html(report, lang="zh")
