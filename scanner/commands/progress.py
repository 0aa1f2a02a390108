"""The scan's progress bar on stderr: a percentage and an ETA when the input's size is
known (bytes read of a file), its phases only when it is not (standard input).

:func:`progress_view` is the model (pure, so tests drive it with a fake clock);
:func:`progress_bar` draws it with rich. Nothing shown comes from the list's contents:
stage names, a row count, a percentage and a time.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from rich.console import Console

from scanner.i18n import _

STAGES = ("ingest", "normalize", "rules", "analyses", "write")
#: The share of the whole scan done when a stage starts. Reading the input (ingest and
#: normalize) is most of a scan; the stages after it go over what was read.
STAGE_START = {"ingest": 0.0, "normalize": 0.0, "rules": 0.8, "analyses": 0.85, "write": 0.9}
#: The share the reading stages end at.
READ_SHARE = STAGE_START["rules"]


@dataclass(frozen=True)
class ProgressView:
    """What the bar shows: a ``label``; with a known size, ``percent`` (0..100) and ``eta``
    (seconds left, None until there is a rate); else the stage's place among the phases."""

    label: str
    completed: float
    total: float
    percent: float | None = None
    eta: float | None = None


def progress_view(stage: str, rows: int | None = None, done_bytes: int | None = None,
                  total_bytes: int | None = None, elapsed: float = 0.0) -> ProgressView:
    label = stage if rows is None else _("{rows:,} rows").format(rows=rows)
    if not total_bytes:
        return ProgressView(label, float(STAGES.index(stage) if stage in STAGES else 0), float(len(STAGES)))
    share = STAGE_START.get(stage, 0.0)
    if stage in ("ingest", "normalize") and done_bytes is not None:
        share = READ_SHARE * min(done_bytes / total_bytes, 1.0)
    eta = elapsed * (1.0 - share) / share if share > 0 and elapsed > 0 else None
    return ProgressView(label, share * 100, 100.0, share * 100, eta)


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def describe(view: ProgressView) -> str:
    if view.percent is None:
        return _("scanning: {stage}").format(stage=view.label)
    return _("scanning: {stage} {percent:3.0f}%, {eta} left").format(stage=view.label, percent=view.percent,
                                                                     eta=format_eta(view.eta))


@contextlib.contextmanager
def progress_bar(enabled: bool, console: Console, *, total_bytes: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> Iterator[Callable | None]:
    """``step(stage, rows=None, done_bytes=None)`` for :func:`scanner.scan`'s ``progress``
    (None when not ``enabled``); the bar goes away when the block ends."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn

    bar = Progress(TextColumn("{task.description:<44}"), BarColumn(), console=console, transient=True)
    start = clock()
    first = progress_view("ingest", total_bytes=total_bytes)
    task = bar.add_task(describe(first), total=first.total)

    size = [total_bytes]

    def step(stage: str, rows: int | None = None, done_bytes: int | None = None) -> None:
        if rows is not None and done_bytes is None:
            size[0] = None  # a workbook or Parquet file: its bytes do not measure the rows read
        view = progress_view(stage, rows, done_bytes, size[0], clock() - start)
        bar.update(task, completed=view.completed, total=view.total, description=describe(view))

    bar.start()
    try:
        yield step
    finally:
        bar.stop()
