"""Before/after: the list-analysis stage of a scan (purchased-list signals, column findings,
registry and canaries, the report), in two checkouts, measured in one run.

The list is bench/bench_scan.py's (``write_list``: CN-heavy CRM export, 1M-row chunks of
their own seed). Each round runs a scan in each checkout (its own ``.venv``) in a child
process and times the stage from the scan's ``analyses`` step to the end of ``scan()``
(in-process, no output written); the checkouts alternate so the machine's load falls on
both alike. Prints each round and the median of each checkout.

    python bench/bench_list_analyses.py BEFORE_DIR AFTER_DIR [--rows 10000000] [--rounds 2]
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scan import write_list  # noqa: E402
from bench.checkouts import before_after_parser, checkout_python  # noqa: E402

CHILD = """
import json, sys, time
from scanner.api import scan
marks = {}
def progress(stage, *rest):
    marks.setdefault(stage, time.perf_counter())
t0 = time.perf_counter()
scan(sys.argv[1], state_dir=sys.argv[2], as_of="2026-11-23", progress=progress, registry=False)
end = time.perf_counter()
print(json.dumps({"analyses": end - marks["analyses"], "scan": end - t0}))
"""


def measure(checkout: Path, path: Path, work: Path) -> dict:
    state = work / f"state-{checkout.name}"
    done = subprocess.run([checkout_python(checkout), "-c", CHILD, str(path), str(state)],
                          capture_output=True, text=True, cwd=checkout)
    if done.returncode:
        raise SystemExit(f"{checkout}: {done.stderr.strip().splitlines()[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    args = before_after_parser(__doc__).parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-list-"))
    try:
        path = work / "list.csv"
        write_list(args.rows, path)
        times: dict[str, list[float]] = {"before": [], "after": []}
        for r in range(args.rounds):
            for label, checkout in (("before", args.before), ("after", args.after)):
                got = measure(checkout.resolve(), path, work)
                times[label].append(got["analyses"])
                print(f"round {r + 1} {label:<6} list analyses {got['analyses']:.2f} s (scan {got['scan']:.1f} s)",
                      flush=True)
        b, a = statistics.median(times["before"]), statistics.median(times["after"])
        print(f"median list analyses at {args.rows:,} rows: before {b:.2f} s, after {a:.2f} s ({a / b:.2f}x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
