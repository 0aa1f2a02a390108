"""Registry timings: register lists, exact overlaps and DU003 lookups at scale.

    python evaluation/bench_registry.py [--lists 20] [--per-list 1000000] [--query 1000000]

Tokens are random 128-bit values (what HMAC tokens look like); nothing here is a number.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402
import polars_hash  # noqa: E402,F401  (registers .chash)

from scanner.registry import open_registry  # noqa: E402


def random_tokens(n: int, seed: int) -> pl.Series:
    """``n`` distinct uniform 32-hex tokens (sha256 of a counter: shaped like HMAC tokens)."""
    ids = pl.int_range(0, n, eager=True).cast(pl.String)
    return pl.DataFrame({"i": ids}).select(
        pl.concat_str(pl.lit(f"{seed}:"), pl.col("i")).chash.sha2_256().str.slice(0, 32)).to_series()


def _reader(state: str, queue, stop):
    reg = open_registry(state, timeout=120)
    q = random_tokens(1000, 99)
    worst = 0.0
    n = 0
    while not stop.is_set():
        t = time.perf_counter()
        reg.overlaps(q)
        worst = max(worst, time.perf_counter() - t)
        n += 1
    queue.put((n, worst))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lists", type=int, default=20)
    ap.add_argument("--per-list", type=int, default=1_000_000)
    ap.add_argument("--query", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as state:
        reg = open_registry(state)
        t = time.perf_counter()
        first = None
        for i in range(args.lists):
            toks = random_tokens(args.per_list, i)
            first = toks if first is None else first
            reg.add(f"list-{i}", toks, source=f"vendor-{i % 3}")
        total = args.lists * args.per_list
        add_s = time.perf_counter() - t
        size = (Path(state) / "registry.duckdb").stat().st_size
        print(f"register {args.lists} x {args.per_list:,} tokens: {add_s:.1f} s "
              f"({add_s / args.lists:.2f} s a list), file {size / 1e6:.0f} MB")
        query = pl.concat([first.head(args.query // 2), random_tokens(args.query - args.query // 2, 777)])
        for label, kw in (("exact join", {}), ("sketch shortlist", {"exact_limit": 1})):
            r = open_registry(state, **kw)
            t = time.perf_counter()
            top = r.overlaps(query, top=3)
            print(f"overlaps {args.query:,} vs {total:,} ({label}): {time.perf_counter() - t:.2f} s; "
                  f"best containment {top[0]['containment']:.3f}")
        t = time.perf_counter()
        mask = reg.contains(query)
        print(f"contains (DU003) {args.query:,} vs {total:,}: {time.perf_counter() - t:.2f} s; "
              f"{int(mask.sum()):,} registered")
        ctx = mp.get_context("spawn")
        queue, stop = ctx.Queue(), ctx.Event()
        reader = ctx.Process(target=_reader, args=(state, queue, stop))
        reader.start()
        time.sleep(2)
        t = time.perf_counter()
        reg.add("concurrent", random_tokens(args.per_list, 555))
        write_s = time.perf_counter() - t
        time.sleep(1)
        stop.set()
        n, worst = queue.get(timeout=120)
        reader.join()
        print(f"while a reader loops on overlaps: a {args.per_list:,}-token registration took {write_s:.2f} s; "
              f"the reader ran {n} queries, slowest {worst:.2f} s (waits while the writer holds the file)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
