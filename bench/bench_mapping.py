"""Benchmark: the column mapping (title rows, header, roles from header words and value
profiles) on first records of growing size.

The mapping reads a bounded window of records and profiles a bounded sample of them, so
its cost must not grow with the input. For each size the first records of a 12-column
Chinese CRM-style sheet (two phone columns, look-alike order numbers, QQ numbers and
amounts, consent, times, source, email) are mapped three times; the best wall time and
the process's CPU time (all threads) are printed.

    python bench/bench_mapping.py [--rows 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from scanner.ingest.headers import decide_layout  # noqa: E402
from scanner.ingest.model import Table  # noqa: E402


def first_records(n: int) -> Table:
    cols = {
        "客户姓名": [f"张{i % 100}" for i in range(n)],
        "手机": [f"138{i % 10**8:08d}" for i in range(n)],
        "备用电话": [f"159{(7 * i) % 10**8:08d}" if i % 2 else "" for i in range(n)],
        "订单号": [f"2023{i:014d}" for i in range(n)],
        "QQ": [str(10_000_000 + 7 * i) for i in range(n)],
        "金额": [f"{i % 9999}.{i % 100:02d}" for i in range(n)],
        "是否订阅": ["是", "否"] * (n // 2),
        "订阅时间": ["2023-05-17 10:00"] * n,
        "获客渠道": ["地推", "电销"] * (n // 2),
        "添加时间": ["2023/5/17"] * n,
        "email": [f"a{i}@example.com" for i in range(n)],
        "备注": ["", "vip"] * (n // 2),
    }
    head = pl.DataFrame({f"c{j}": [h] for j, h in enumerate(cols)})
    return Table(pl.concat([head, pl.DataFrame({f"c{j}": v for j, v in enumerate(cols.values())})]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args(argv)
    decide_layout(first_records(100), overrides=None, path=None)  # normalizer metadata, once
    for n in args.rows:
        table = first_records(n)
        wall, cpu = [], []
        for _ in range(3):
            w, c = time.perf_counter(), time.process_time()
            layout, _ = decide_layout(table, overrides=None, path=None)
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
        print(f"{n:>10,} records: mapping {min(wall):.3f} s wall, {min(cpu):.3f} CPU-s "
              f"({len(layout.columns)} roles)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
