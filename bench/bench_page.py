"""Benchmark: what report.html costs a scan, before against after, measured in one run.

For each checkout (its own ``.venv``), interleaved round by round:

* in a scan: ``contact-scanner scan LIST`` (a bench_scan.py list of ``--rows`` rows, and the
  sample CRM export) in a child process whose ``report_html`` is timed from the moment the
  report is complete to the page's text: what the page adds to the scan's end;
* outside a scan, from that scan's report.json: a fresh process building the page with no
  warm-up (cold), and the same process building it again once the chart renderer has run
  (warm, best of 3), wall and the process's CPU.

Prints each figure and the after/before ratio of the best in-scan times.

    python bench/bench_page.py BEFORE AFTER [--rows 1000000] [--rounds 2]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scan import write_list  # noqa: E402
from bench.checkouts import before_after_parser, checkout_python  # noqa: E402

# Run in the checkout (its scanner first on the path): the scan, its page timed.
IN_SCAN = """
import sys, time
import scanner.report.html as H
real = H.report_html
def timed(report, **kw):
    start = time.perf_counter()
    page = real(report, **kw)
    print(f"PAGE {time.perf_counter() - start:.4f}", file=sys.stderr)
    return page
H.report_html = timed
from scanner.cli import main
main(sys.argv[1:])
"""
# The page from report.json in a fresh process: cold, then warm (best of 3).
STANDALONE = """
import json, sys, time
report = json.load(open(sys.argv[1]))
from scanner.report.html import report_html
def build():
    wall, cpu = time.perf_counter(), time.process_time()
    report_html(report, lang="en")
    return time.perf_counter() - wall, time.process_time() - cpu
cold = build()
warm = min(build() for _ in range(3))
print(json.dumps({"cold": cold, "warm": warm}))
"""


def in_scan(checkout: Path, source: Path, work: Path) -> float:
    out = subprocess.run([checkout_python(checkout), "-c", IN_SCAN, "scan", str(source), "--out", str(work / "out"),
                          "--state-dir", str(work / "state"), "--no-progress", "--fail-on", "never",
                          "--as-of", "2026-11-23"], cwd=checkout, capture_output=True, text=True)
    found = re.search(r"^PAGE ([\d.]+)$", out.stderr, re.M)
    if not found:
        raise SystemExit(f"{checkout}: scan failed:\n{out.stderr[-2000:]}")
    return float(found.group(1))


def standalone(checkout: Path, report: Path) -> dict:
    out = subprocess.run([checkout_python(checkout), "-c", STANDALONE, str(report)], cwd=checkout,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    args = before_after_parser(__doc__).parse_args()
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    with tempfile.TemporaryDirectory(prefix="bench-page-") as tmp:
        work = Path(tmp)
        generated = work / f"list-{args.rows}.csv"
        write_list(args.rows, generated)
        lists = {"sample": ROOT / "sample_data" / "crm_export_gb18030.csv", f"{args.rows:,} rows": generated}
        best: dict[tuple[str, str], float] = {}
        for r in range(args.rounds):
            order = ("before", "after") if r % 2 == 0 else ("after", "before")
            for name, source in lists.items():
                for which in order:
                    place = work / f"{which}-{r}"
                    seconds = in_scan(checkouts[which], source, place)
                    best[(name, which)] = min(best.get((name, which), seconds), seconds)
                    print(f"round {r + 1} {name:>14} {which:6}: page in the scan {seconds:.3f} s", flush=True)
                    if name == "sample" and r == 0:
                        page = standalone(checkouts[which], place / "out" / "report.json")
                        print(f"{'':>23}{which:6}: outside a scan cold {page['cold'][0]:.3f} s wall "
                              f"{page['cold'][1]:.3f} s CPU, warm {page['warm'][0]:.3f} s wall "
                              f"{page['warm'][1]:.3f} s CPU", flush=True)
        for name in lists:
            before, after = best[(name, "before")], best[(name, "after")]
            print(f"{name}: page in the scan, best of {args.rounds}: before {before:.3f} s, after {after:.3f} s "
                  f"(after/before {after / before:.2f})")


if __name__ == "__main__":
    main()
