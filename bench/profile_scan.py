"""Where a scan spends its time: stage wall/CPU seconds and the costliest scanner functions.

Runs ``scanner.scan`` + ``ScanResult.write`` in this process under cProfile. By default
the read-ahead, spill and write threads run inline, so each function's time is its own and
the stages add up; ``--threads`` keeps them (the stages overlap: wall time is lower, CPU
time about the same).

    python bench/profile_scan.py FILE [--threads] [--top 40]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import scanner.api as api  # noqa: E402
import scanner.pipeline.batches as batches  # noqa: E402
import scanner.pipeline.run as run  # noqa: E402
import scanner.report.write as write  # noqa: E402


class _Inline:
    """Stands in for InOrderWorker: each job runs when submitted."""

    def __init__(self, name: str) -> None:
        pass

    def __enter__(self) -> "_Inline":
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def submit(self, job) -> None:
        job()

    def join(self) -> None:
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--threads", action="store_true", help="keep the scan's threads (stages overlap)")
    parser.add_argument("--top", type=int, default=40, help="scanner functions listed")
    args = parser.parse_args(argv)
    if not args.threads:
        batches.read_ahead = lambda items, depth=1: items
        run.InOrderWorker = write.InOrderWorker = _Inline
    marks: list[tuple[str, float, float]] = []
    start, cpu = time.perf_counter(), time.process_time()

    def progress(stage: str, *rows_done) -> None:
        if not rows_done:
            marks.append((stage, time.perf_counter() - start, time.process_time() - cpu))

    profile = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        profile.enable()
        result = api.scan(args.file, state_dir=Path(tmp) / "state", progress=progress, as_of="2026-11-23")
        progress("write")
        result.write(Path(tmp) / "out")
        progress("end")
        profile.disable()
    for (stage, wall, used), (_, next_wall, next_used) in zip(marks, marks[1:]):
        print(f"{stage:10s} wall {next_wall - wall:7.2f} s   CPU {next_used - used:7.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{'total':10s} wall {marks[-1][1]:7.2f} s   CPU {marks[-1][2]:7.2f} s   peak {peak:.2f} GiB")
    print("\ncostliest scanner functions (cumulative wall seconds):")
    stats = pstats.Stats(profile)
    rows = [(cum, calls, f"{Path(file).relative_to(ROOT)}:{line}({name})")
            for (file, line, name), (calls, _, _, cum, _) in stats.stats.items()
            if file.startswith(str(ROOT / "scanner"))]
    for cum, calls, where in sorted(rows, reverse=True)[: args.top]:
        print(f"  {cum:8.2f} {calls:6d}  {where}")


if __name__ == "__main__":
    main()
