"""Before/after: the scan/core ratio of two checkouts of the scanner, measured in one run.

Each checkout's own core pipeline (``bench/core_pipeline.py``) and full CLI scan run on
the same generated list, alternating between the checkouts round by round so that the
machine's load falls on both alike. A checkout needs its own ``.venv`` (``make install``
in it). The figure to compare is the median scan/core ratio of each; the last line is
the change of the second checkout against the first.

    python bench/compare_scan.py BEFORE_DIR AFTER_DIR [--rows 10000000] [--rounds 2]
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scan import PHONE_COLUMN, _peak_of, write_list  # noqa: E402
from bench.checkouts import before_after_parser, checkout_python  # noqa: E402


def core_seconds(checkout: Path, path: Path) -> float:
    done = subprocess.run([checkout_python(checkout), str(checkout / "bench" / "core_pipeline.py"), str(path), PHONE_COLUMN],
                          capture_output=True, text=True, check=True, cwd=checkout)
    stages = json.loads(done.stdout.strip().splitlines()[-1])["stages"]
    return list(stages.values())[-1]


def scan_seconds(checkout: Path, path: Path, work: Path) -> tuple[float, float]:
    """Wall seconds and peak GiB (the child's VmHWM) of a full CLI scan by ``checkout``."""
    out, state = work / f"out-{checkout.name}", work / f"state-{checkout.name}"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    proc = subprocess.Popen(
        [checkout_python(checkout), "-m", "scanner", "scan", str(path), "--out", str(out), "--state-dir", str(state),
         "--as-of", "2026-11-23", "--fail-on", "never", "--no-progress", "--format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=checkout)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _peak_of(proc.pid))
        time.sleep(0.1)
    seconds = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{checkout}: scan exited {proc.returncode}: {proc.stderr.read()[-2000:]}")
    return seconds, peak / 2**20


def main(argv: list[str] | None = None) -> None:
    args = before_after_parser(__doc__).parse_args(argv)
    checkouts = [args.before.resolve(), args.after.resolve()]
    work = Path(tempfile.mkdtemp(prefix="compare-scan-"))
    try:
        path = work / f"list-{args.rows}.csv"
        write_list(args.rows, path)
        ratios: dict[Path, list[float]] = {c: [] for c in checkouts}
        print(f"{'round':>5} {'checkout':<24} {'core s':>7} {'scan s':>8} {'scan/core':>9} {'peak GiB':>8}")
        for round_ in range(args.rounds):
            order = checkouts if round_ % 2 == 0 else checkouts[::-1]
            for checkout in order:
                core = core_seconds(checkout, path)
                scan, peak = scan_seconds(checkout, path, work)
                ratios[checkout].append(scan / core)
                print(f"{round_ + 1:>5} {checkout.name:<24} {core:>7.2f} {scan:>8.2f} {scan / core:>8.2f}x {peak:>8.2f}",
                      flush=True)
        before, after = (statistics.median(ratios[c]) for c in checkouts)
        print(f"median scan/core: {checkouts[0].name} {before:.2f}x, {checkouts[1].name} {after:.2f}x; "
              f"change {100 * (after / before - 1):+.1f}% ({args.rows:,} rows, {args.rounds} rounds)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
