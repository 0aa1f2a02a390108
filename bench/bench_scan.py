"""Benchmark: a full ``contact-scanner scan`` against the floor of a bare ``polars.read_csv``.

For each size (default 1M and 10M rows) it writes a realistic CRM-style CSV (phone values
from bench/data.py: CN-heavy, mixed formats, ~20% repeats, some foreign and junk; plus
name, source, consent, channel, purpose and consent-time columns), then measures in the
same run:

* the floor: ``polars.read_csv`` of the file with every column as text;
* the full scan: ``contact-scanner scan FILE --out DIR`` as a child process (all rules,
  tokens, list analyses, every output written), wall time and the child's peak RSS;
* up to :data:`CORE_MAX_ROWS` rows, the core pipeline (bench/core_pipeline.py, a child
  process): only the steps no scan can skip (read, exact normalization of the distinct
  values, token, mask, rows.parquet), the whole list in memory — a lower bound for a scan
  on this machine;

and prints rows/s and the ratios scan / floor and scan / core. A list is made of generated 1M-row chunks, each
from its own seed, so a 10M-row list has the same profile as a 1M-row one (~28% of rows
repeat a value; 7.1M distinct numbers in 10M rows), not ten copies of it. Beyond
:data:`FRESH_CHUNKS` chunks (10M rows) the chunks are reused, so larger sizes
(``--rows 100000000``) show that peak memory does not grow with the rows without an hour
of generation.

    python bench/bench_scan.py [--rows 1000000 10000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from bench.core_pipeline import PHONE_COLUMN  # noqa: E402
from bench.data import contact_list  # noqa: E402

SOURCES = ["官网注册", "门店登记", "活动报名", "", "第三方合作", "website"]
CONSENTS = ["是", "是", "是", "同意", "否", "退订", "", "yes"]
CHANNELS = ["短信", "短信", "SMS", "电话", "全部", ""]
PURPOSES = ["营销", "营销", "推广", "服务", ""]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def base_list(rows: int, seed: int = 7) -> pl.DataFrame:
    rng = random.Random(seed)
    phones = contact_list(rows, seed=seed)
    return pl.DataFrame({
        PHONE_COLUMN: phones,
        "姓名": [rng.choice(SURNAMES) + rng.choice(["先生", "女士", "伟", "芳", "娜", "强"]) for _ in range(rows)],
        "来源": [rng.choice(SOURCES) for _ in range(rows)],
        "是否同意": [rng.choice(CONSENTS) for _ in range(rows)],
        "同意渠道": [rng.choice(CHANNELS) for _ in range(rows)],
        "同意用途": [rng.choice(PURPOSES) for _ in range(rows)],
        "同意时间": [f"20{rng.randint(22, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
                 f"{rng.randint(8, 22):02d}:{rng.randint(0, 59):02d}:00" for _ in range(rows)],
    })


CHUNK_ROWS = 1_000_000
#: Chunks generated fresh (generation is slow); later chunks repeat them in turn.
FRESH_CHUNKS = 10


def write_list(rows: int, path: Path, first: pl.DataFrame | None = None) -> None:
    """Write ``rows`` rows: 1M-row chunks of :func:`base_list`, chunk ``i`` from seed 7 + i
    (``first``: chunk 0 if already made); after :data:`FRESH_CHUNKS` chunks they repeat."""
    chunks: dict[int, pl.DataFrame] = {} if first is None else {0: first}
    with open(path, "wb") as fh:
        for i, start in enumerate(range(0, rows, CHUNK_ROWS)):
            n = min(CHUNK_ROWS, rows - start)
            seed = i % FRESH_CHUNKS
            if seed not in chunks:
                chunks[seed] = base_list(CHUNK_ROWS, seed=7 + seed)
            chunks[seed].head(n).write_csv(fh, include_header=i == 0)
            if rows <= FRESH_CHUNKS * CHUNK_ROWS and seed:
                del chunks[seed]  # never needed again


def floor_seconds(path: Path) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        pl.read_csv(path, infer_schema=False)
        best = min(best, time.perf_counter() - t)
    return best


def _peak_of(pid: int) -> int:
    """The process's peak RSS so far in KiB (VmHWM; 0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith("VmHWM")), 0)
    except OSError:
        return 0


#: The core pipeline holds the whole list in memory, so it runs only up to this size.
CORE_MAX_ROWS = 10_000_000


def core_result(path: Path) -> dict:
    """:func:`~bench.core_pipeline.core_pipeline` on ``path``, in a child process (its own peak)."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "core_pipeline.py"), str(path), PHONE_COLUMN],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def scan_seconds(path: Path, work: Path, *, state: Path | None = None,
                 out: Path | None = None) -> tuple[float, float, int]:
    """(wall seconds, child peak RSS in GiB, exit code) of a full CLI scan.

    The peak is the child's own VmHWM, polled while it runs: ``ru_maxrss`` of children
    can count the parent's memory the child shares between fork and exec (here the
    generated list), far above the scan's own peak.
    """
    out = out or work / f"out-{path.stem}"
    state = state or work / "state"
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", "scan", str(path), "--out", str(out), "--state-dir", str(state),
         "--as-of", "2026-11-23", "--fail-on", "never", "--no-progress", "--format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    peak_kib = 0
    while proc.poll() is None:
        peak_kib = max(peak_kib, _peak_of(proc.pid))
        time.sleep(0.1)
    seconds = time.perf_counter() - t
    stderr = proc.stderr.read()
    if proc.returncode not in (0, 1):
        print(stderr, file=sys.stderr)
    if not peak_kib:  # no /proc (not Linux): fall back to the children's ru_maxrss
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kib / 2**20, proc.returncode


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--keep", type=Path, help="keep the generated files and outputs here")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-scan-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        first = base_list(min(min(args.rows), CHUNK_ROWS))
        print(f"generated the first chunk ({first.height:,} rows) in {time.perf_counter() - t:.1f} s")
        print(f"{'rows':>12} {'MB':>7} {'read_csv s':>10} {'core s':>7} {'scan s':>8} {'scan rows/s':>12} "
              f"{'scan/read':>9} {'scan/core':>9} {'peak GiB':>8}")
        for rows in sorted(args.rows):
            path = work / f"list-{rows}.csv"
            t = time.perf_counter()
            write_list(rows, path, first if first.height == min(rows, CHUNK_ROWS) else None)
            distinct = pl.scan_csv(path, infer_schema=False).select(pl.col(PHONE_COLUMN).n_unique()).collect().item()
            print(f"{'':>12} wrote {rows:,} rows ({distinct:,} distinct phone values) in "
                  f"{time.perf_counter() - t:.0f} s", flush=True)
            floor = floor_seconds(path)
            core = core_result(path) if rows <= CORE_MAX_ROWS else None
            seconds, peak, code = scan_seconds(path, work)
            status = "" if code in (0, 1) else f"  (scan exit {code})"
            core_total = list(core["stages"].values())[-1] if core else None
            core_s, core_ratio = (f"{core_total:>7.2f}", f"{seconds / core_total:>8.1f}x") if core else (
                f"{'-':>7}", f"{'-':>9}")
            print(f"{rows:>12,} {path.stat().st_size / 1e6:>7.0f} {floor:>10.3f} {core_s} {seconds:>8.2f} "
                  f"{rows / seconds:>12,.0f} {seconds / floor:>8.0f}x {core_ratio} {peak:>8.2f}{status}", flush=True)
            if core:
                ends = core["stages"]
                split = ", ".join(f"{stage} {end - before:.2f}"
                                  for (stage, end), before in zip(ends.items(), [0.0, *ends.values()]))
                print(f"{'':>12} core: {split} s; {core['cpu']:.1f} CPU-s, peak {core['peak_gib']:.2f} GiB",
                      flush=True)
            path.unlink()
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
