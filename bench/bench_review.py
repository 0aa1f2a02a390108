"""Benchmark: what stored decisions and a large do-not-contact store add to a re-scan.

Writes a CRM-style list (bench/bench_scan.py, default 1M rows), scans it once to make the
key and the tokens, then fills a second state folder with the same key, ``--decisions``
stored decisions (tokens of the list's rows, each covering that row's findings) and
``--suppressed`` do-not-contact tokens (a tenth of them the list's own numbers, the rest
random). Then, alternating, full CLI scans (child processes, every output written) with the
empty and the filled state folder, and prints the best of each and the difference, all
measured in this run.

    python bench/bench_review.py [--rows 1000000] [--decisions 100000] [--suppressed 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from bench.bench_scan import base_list, scan_seconds, write_list  # noqa: E402


def fill_state(state: Path, rows: pl.DataFrame, key_id: str, decisions: int, suppressed: int) -> None:
    """``decisions`` decisions on the list's tokens and ``suppressed`` store entries."""
    from scanner.review.decisions import store_decisions
    from scanner.suppress.store import add_entries

    numbers = rows.filter(pl.col("phone_token").is_not_null()).unique("phone_token", keep="first")
    chosen = numbers.sample(min(decisions, numbers.height), seed=1)
    kinds = ["approve", "reject", "suppress"]
    store_decisions(state, key_id, chosen.select(
        pl.col("phone_token").alias("token"),
        pl.int_range(pl.len()).mod(3).replace_strict(dict(enumerate(kinds)), return_dtype=pl.String)
        .alias("decision"),
        pl.col("findings").list.sort().list.join(",").alias("codes"),
        pl.lit(None, dtype=pl.String).alias("note")), reviewer="bench", scan_id="bench")
    own = numbers.sample(min(suppressed // 10, numbers.height), seed=2).get_column("phone_token")
    rest = pl.Series([secrets.token_hex(16) for _ in range(suppressed - own.len())], dtype=pl.String)
    add_entries(state, key_id, pl.concat([own, rest]), reason="bench", who="bench")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--suppressed", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-review-"))
    try:
        path = work / "list.csv"
        write_list(args.rows, path, base_list(min(args.rows, 1_000_000)))
        plain, filled = work / "plain", work / "filled"
        seconds, _, code = scan_seconds(path, work, state=plain, out=work / "first")
        if code not in (0, 1):
            raise SystemExit(f"the first scan failed (exit {code})")
        filled.mkdir(mode=0o700)
        shutil.copy2(plain / "key.json", filled / "key.json")
        from scanner.privacy.keys import load_key

        key_id = load_key(plain).key_id
        t = time.perf_counter()
        fill_state(filled, pl.read_parquet(work / "first" / "rows.parquet"), key_id, args.decisions, args.suppressed)
        print(f"{args.rows:,} rows; state filled with {args.decisions:,} decisions and {args.suppressed:,} "
              f"suppressed tokens in {time.perf_counter() - t:.1f} s")
        times: dict[str, list[float]] = {"without": [], "with": []}
        cpu: dict[str, list[float]] = {"without": [], "with": []}
        for _ in range(args.rounds):
            for label, state in (("without", plain), ("with", filled)):
                before = _children_cpu()
                seconds, peak, code = scan_seconds(path, work, state=state, out=work / f"out-{label}")
                if code not in (0, 1):
                    raise SystemExit(f"scan {label} failed (exit {code})")
                times[label].append(seconds)
                cpu[label].append(_children_cpu() - before)
                print(f"  scan {label:<7} decisions/store: {seconds:6.2f} s, {cpu[label][-1]:6.2f} CPU-s, "
                      f"peak {peak:.2f} GiB", flush=True)
        best = {label: min(values) for label, values in times.items()}
        middle = {label: statistics.median(values) for label, values in times.items()}
        print(f"re-scan of {args.rows:,} rows: without {best['without']:.2f} s, with {best['with']:.2f} s "
              f"(best of {args.rounds}): {best['with'] - best['without']:+.2f} s "
              f"({best['with'] / best['without']:.3f}x); medians {middle['without']:.2f} / {middle['with']:.2f} s "
              f"({middle['with'] - middle['without']:+.2f} s)")
        # CPU time is what the work costs; wall time on a shared machine also holds other work's load
        cpu_best = {label: min(values) for label, values in cpu.items()}
        cpu_middle = {label: statistics.median(values) for label, values in cpu.items()}
        print(f"CPU: without {cpu_best['without']:.2f}, with {cpu_best['with']:.2f} CPU-s (best): "
              f"{cpu_best['with'] - cpu_best['without']:+.2f}; medians {cpu_middle['without']:.2f} / "
              f"{cpu_middle['with']:.2f} ({cpu_middle['with'] - cpu_middle['without']:+.2f} CPU-s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
