"""Benchmark: ``scanner.normalize`` vs a per-row phonenumbers loop vs a bare ``polars.read_csv``.

All three baselines are measured in the same run on the same generated CN-heavy list
(bench/data.py: ~20% repeats, some foreign numbers, some junk), so the ratios hold on the
machine at hand. Also reports the fallback share (values phonenumbers had to decide), the
agreement of ``scanner.normalize`` with the per-row loop on the loop's sample, and peak memory.

    python bench/bench_normalize.py [--rows 1000000] [--loop-sample 20000] [--repeat 3] [--enrich]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import phonenumbers  # noqa: E402
import polars as pl  # noqa: E402
from phonenumbers import carrier, geocoder  # noqa: E402

import scanner  # noqa: E402
from bench.data import contact_list  # noqa: E402
from scanner.phone import engine  # noqa: E402
from scanner.phone.enrich import enrich  # noqa: E402
from scanner.phone.preclean import preclean_one  # noqa: E402
from scanner.phone.reference import PARSED_SCHEMA, parse_one  # noqa: E402

_PEAK_CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
import polars as pl, scanner
t = time.perf_counter()
series = pl.read_csv({path!r}, infer_schema=False).get_column("phone")
out = scanner.normalize(series, region={region!r})
print(out.height, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _best(fn, repeat: int) -> tuple[float, float, object]:
    """(first run seconds, best of ``repeat`` seconds, last result)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times[0], min(times), result


def per_row_loop(values: list[str | None], region: str) -> list[tuple]:
    """What a plain script does: preclean and phonenumbers, one row at a time."""
    return [parse_one(preclean_one(v).clean, region) for v in values]


def parsed_numbers(values: list[str | None], region: str) -> list:
    """phonenumbers.parse of each precleaned value (None where it fails)."""
    out = []
    for v in values:
        clean = preclean_one(v).clean
        try:
            out.append(phonenumbers.parse(clean, region) if clean is not None else None)
        except phonenumbers.NumberParseException:
            out.append(None)
    return out


def per_row_enrich_loop(numbers: list) -> list[tuple]:
    """phonenumbers' carrier and geocoder, one parsed number at a time."""
    return [(None, None) if n is None else
            (carrier.name_for_number(n, "zh"), geocoder.description_for_number(n, "zh")) for n in numbers]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--loop-sample", type=int, default=20_000, help="rows timed in the per-row loop")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of normalize and read_csv (best kept)")
    ap.add_argument("--region", default="CN")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--enrich", action="store_true", help="also time enrich() (block, carrier, geo)")
    args = ap.parse_args(argv)

    values = contact_list(args.rows, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "contacts.csv")
        pl.DataFrame({"phone": values}, schema={"phone": pl.String}).write_csv(path)
        size_mb = os.path.getsize(path) / 1e6

        _, read_s, frame = _best(lambda: pl.read_csv(path, infer_schema=False), args.repeat)
        series = frame.get_column("phone")

        def run():
            engine.reset_stats()  # so the stats describe one run
            return scanner.normalize(series, region=args.region)

        first_s, norm_s, out = _best(run, args.repeat)
        stats = engine.stats()

        sample_idx = list(range(0, len(values), max(1, len(values) // args.loop_sample)))[: args.loop_sample]
        sample = [values[i] for i in sample_idx]
        start = time.perf_counter()
        expected = per_row_loop(sample, args.region)
        loop_s = time.perf_counter() - start

        got = out[sample_idx].select(list(PARSED_SCHEMA)).rows()
        agree = sum(1 for a, b in zip(got, expected) if a == b)

        enrich_figures = {}
        if args.enrich:
            _, enrich_s, enriched = _best(lambda: enrich(out, lang="zh"), args.repeat)
            numbers = parsed_numbers(sample, args.region)
            start = time.perf_counter()
            expected_geo = per_row_enrich_loop(numbers)
            enrich_loop_s = time.perf_counter() - start
            got_geo = enriched[sample_idx].select("carrier", "geo").rows()
            enrich_agree = sum(1 for a, b in zip(got_geo, expected_geo) if a == b)
            enrich_figures = {
                "enrich_s": round(enrich_s, 3),
                "enrich_rows_per_s": round(len(values) / enrich_s),
                "enrich_loop_rows_per_s": round(len(sample) / enrich_loop_s),
                "enrich_speedup_vs_loop": round((len(values) / enrich_s) / (len(sample) / enrich_loop_s), 1),
                "enrich_agreement_on_sample": f"{enrich_agree}/{len(sample)}",
            }

        child = subprocess.run(
            [sys.executable, "-c", _PEAK_CHILD.format(root=str(ROOT), path=path, region=args.region)],
            capture_output=True, text=True, check=True,
        )
        _, child_s, child_peak_kb = child.stdout.split()

    rows = len(values)
    loop_rate = len(sample) / loop_s
    norm_rate = rows / norm_s
    result = {
        "rows": rows,
        "distinct": series.n_unique(),
        "csv_mb": round(size_mb, 1),
        "read_csv_s": round(read_s, 4),
        "read_csv_rows_per_s": round(rows / read_s),
        "normalize_first_s": round(first_s, 3),
        "normalize_s": round(norm_s, 3),
        "normalize_rows_per_s": round(norm_rate),
        "loop_sample_rows": len(sample),
        "loop_rows_per_s": round(loop_rate),
        "loop_estimated_s": round(rows / loop_rate, 1),
        "speedup_vs_loop": round(norm_rate / loop_rate, 1),
        "normalize_vs_read_csv": round(norm_s / read_s, 1),
        "agreement_on_sample": f"{agree}/{len(sample)}",
        "fallback_share": round(stats["fallback_share"], 5),
        "fallback_by_reason": {k[len("fallback_"):]: int(v) for k, v in stats.items()
                               if k.startswith("fallback_") and k != "fallback_share"},
        "engine_values": int(stats["rows"]),
        "peak_rss_mb_this_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_rss_mb_read_and_normalize": round(int(child_peak_kb) / 1024),
        "read_and_normalize_child_s": round(float(child_s), 3),
        "cpus": os.cpu_count(),
        **enrich_figures,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"rows {rows:,} ({result['distinct']:,} distinct, {result['csv_mb']} MB CSV), region {args.region}, "
              f"{result['cpus']} CPUs")
        print(f"  polars.read_csv         {read_s:8.3f} s  {result['read_csv_rows_per_s']:>12,} rows/s")
        print(f"  scanner.normalize       {norm_s:8.3f} s  {result['normalize_rows_per_s']:>12,} rows/s"
              f"  (first run {first_s:.3f} s)")
        print(f"  per-row phonenumbers    {rows / loop_rate:8.1f} s  {result['loop_rows_per_s']:>12,} rows/s"
              f"  (timed on {len(sample):,} rows)")
        print(f"  speed-up vs per-row loop: {result['speedup_vs_loop']}x;"
              f" normalize / read_csv: {result['normalize_vs_read_csv']}x")
        print(f"  agreement with the loop on its sample: {result['agreement_on_sample']}")
        print(f"  fallback share: {result['fallback_share']:.3%} of {result['engine_values']:,} engine values"
              f" {result['fallback_by_reason']}")
        print(f"  peak RSS: read_csv + normalize in a fresh process {result['peak_rss_mb_read_and_normalize']} MB"
              f" ({result['read_and_normalize_child_s']} s); this process {result['peak_rss_mb_this_process']} MB")
        if enrich_figures:
            print(f"  enrich (block, carrier, geo in zh) {enrich_figures['enrich_s']:.3f} s"
                  f"  {enrich_figures['enrich_rows_per_s']:,} rows/s vs per-number carrier+geocoder"
                  f" {enrich_figures['enrich_loop_rows_per_s']:,} rows/s:"
                  f" {enrich_figures['enrich_speedup_vs_loop']}x,"
                  f" agreement {enrich_figures['enrich_agreement_on_sample']}")
    return result


if __name__ == "__main__":
    main()
