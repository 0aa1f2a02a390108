"""report.html of a 10M-row scan: under 2 MB and drawn in under a second (-m slow: the list
takes minutes to generate and scan)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_ten_million_rows_page_is_small_and_fast(tmp_path, open_page):
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_scan import write_list

    source = tmp_path / "ten-million.csv"
    write_list(10_000_000, source)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["scan", str(source), "--out", str(out), "--state-dir", str(tmp_path / "s"),
                                       "--no-progress", "--fail-on", "never", "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    page = out / "report.html"
    assert page.stat().st_size < 2 * 1024 * 1024
    times = []
    for _ in range(3):
        opened = open_page(page).page
        times.append(opened.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
    assert min(times) < 1.0, times
