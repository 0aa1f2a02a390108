"""The scan's progress bar: a percentage and an ETA when the input's size is known, the
phases when it is not; driven by a fake clock, and never showing a number of the list."""

from __future__ import annotations

import io
import re

from rich.console import Console

import scanner
from scanner.commands.progress import STAGES, format_eta, progress_bar, progress_view


def test_known_size_gives_a_percentage_and_an_eta():
    half = progress_view("normalize", rows=1000, done_bytes=500, total_bytes=1000, elapsed=40.0)
    assert half.percent == 40.0 and half.eta == 60.0  # 40% in 40 s: 60 s left
    assert progress_view("normalize", done_bytes=2000, total_bytes=1000, elapsed=1.0).percent == 80.0
    later = [progress_view(s, total_bytes=1000, elapsed=10.0).percent for s in ("rules", "analyses", "write")]
    assert later == sorted(later) and later[0] >= 80.0 and later[-1] < 100.0
    start = progress_view("ingest", done_bytes=0, total_bytes=1000, elapsed=0.0)
    assert start.percent == 0.0 and start.eta is None


def test_unknown_size_shows_the_phases_only():
    views = [progress_view(s, rows=10) for s in STAGES]
    assert all(v.percent is None and v.eta is None for v in views)
    assert [v.completed for v in views] == list(range(len(STAGES))) and views[0].total == len(STAGES)


def test_eta_is_written_as_a_time():
    assert (format_eta(None), format_eta(59.6), format_eta(3725)) == ("--:--", "01:00", "1:02:05")


class FakeClock:
    def __init__(self, tick: float = 0.0):
        self.now = 100.0
        self.tick = tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def _draw(total_bytes, steps) -> str:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120, color_system=None)
    clock = FakeClock()
    with progress_bar(True, console, total_bytes=total_bytes, clock=clock) as step:
        for seconds, args in steps:
            clock.now += seconds
            step(*args)
            console.file.flush()
    return buf.getvalue()


def test_the_bar_shows_percent_and_time_left_with_a_known_size():
    out = _draw(1000, [(10, ("normalize", 500, 500))])
    assert "40%" in out and "00:15 left" in out


def test_an_input_whose_bytes_do_not_measure_its_rows_gets_the_phases():
    out = _draw(1000, [(10, ("normalize", 500, None)), (1, ("rules",))])
    assert "scanning: rules" in out and "%" not in out.split("scanning: rules")[-1]


def test_the_bar_shows_the_phase_without_a_size():
    out = _draw(None, [(10, ("normalize", 500)), (1, ("rules",))])
    assert "scanning: rules" in out and "%" not in out


def test_a_real_scan_shows_no_number_of_the_list(tmp_path, monkeypatch):
    monkeypatch.delenv("CONTACT_SCANNER_KEY", raising=False)
    numbers = [f"1380013{i:04d}" for i in range(200)]
    source = tmp_path / "l.csv"
    source.write_text("手机号\n" + "\n".join(numbers) + "\n", encoding="utf-8")
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120, color_system=None)
    calls = []
    with progress_bar(True, console, total_bytes=source.stat().st_size, clock=FakeClock(tick=1.0)) as step:
        scanner.scan(source, state_dir=tmp_path / "state", as_of="2026-11-23",
                     progress=lambda *args: (calls.append(args), step(*args)))
    shown = buf.getvalue()
    assert ("normalize", 200, source.stat().st_size) in calls  # the scan says how much of the file it read
    assert re.search(r"\b\d+%, \d\d:\d\d left", shown), shown
    digits = set(re.findall(r"\d{5,}", shown))
    assert not digits & {n[i:i + 5] for n in numbers for i in range(len(n) - 4)} - {"00000"}, digits
