"""Fuzz ``contact-scanner scan`` and print the hostile-input targets.

    python evaluation/fuzz_targets.py [--cases N] [--seed K] [--workers W] [--scale S]
                                      [--keep DIR] [--json]

Draws N malformed inputs (tests/fuzz/cases.py: CSV, TSV, JSON, NDJSON, XLSX, Parquet and
the seed corpus, broken every way the strategies know), scans each through the real
command line in driver processes (tests/fuzz/driver.py: one process scans many inputs,
each with its own stderr, exit code and peak resident memory, ``VmHWM``) and prints:
cases, tracebacks, failing cases, exits by code, the highest VmHWM and the VmHWM of the
largest input. ``--scale`` grows the largest hostile inputs. Failing inputs are copied to
``--keep`` with their recipe. Exit 1 when any case fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.cases import draw_specs  # noqa: E402
from tests.fuzz.harness import MEMORY_BOUND_KIB, Outcome, run_cases, summary  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="copy failing inputs here")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args(argv)

    started = time.monotonic()
    specs = draw_specs(args.cases, args.seed, args.scale)
    names = {f"case{i:05d}-{spec.kind}": spec for i, spec in enumerate(specs)}
    done = 0
    outcomes_so_far: list[Outcome] = []

    def report(outcome: Outcome) -> None:
        nonlocal done
        done += 1
        outcomes_so_far.append(outcome)
        if outcome.problems:
            print(f"FAIL {outcome.name}: {', '.join(outcome.problems)}: {names[outcome.name].describe()[:300]}",
                  file=sys.stderr)
            print("  " + "\n  ".join(outcome.stderr.strip().splitlines()[-6:]), file=sys.stderr)
        if done % 250 == 0:
            print(f"... {done}/{len(names)} cases, {time.monotonic() - started:.0f} s: "
                  f"{json.dumps(summary(outcomes_so_far))}", file=sys.stderr)

    outcomes = run_cases(((name, spec.suffix, spec.write) for name, spec in names.items()),
                         workers=args.workers, keep_failures=args.keep, on_outcome=report)
    if args.keep is not None:
        for outcome in outcomes:
            if outcome.problems:
                (args.keep / f"{outcome.name}.recipe.txt").write_text(names[outcome.name].describe() + "\n")
    counts = summary(outcomes)
    counts["memory_bound_mib"] = MEMORY_BOUND_KIB // 1024
    counts["seconds"] = round(time.monotonic() - started)
    if args.json:
        print(json.dumps(counts, indent=2))
    else:
        for key, value in counts.items():
            print(f"{key:>24}: {value}")
    return 1 if counts["failing"] else 0


if __name__ == "__main__":
    sys.exit(main())
