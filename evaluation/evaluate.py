"""Evaluate the purchased-list detector: on the labelled corpus, or on any labelled set of files.

    python evaluation/evaluate.py [--per-kind N] [--seeds 1 2] [--scale S] [--model M] [--signals] [--jobs N]
    python evaluation/evaluate.py --lists DIR --labels FILE [--policy POLICY] [--jobs N]

Corpus mode (evaluation/corpus.py) draws ``--per-kind`` lists of every kind from each
held-out seed (seed 0 fitted ``purchased/v4``: evaluation/fit_model.py). File mode scans every
file named in ``--labels`` (CSV: ``file,label,kind``; label ``purchased`` or ``genuine``;
files relative to ``--lists``) with the full scanner and reads its ``list.purchased``.

Both print, per kind, how many lists were called ``likely`` purchased with a Clopper–Pearson
95% interval (recall for purchased kinds, false-alarm rate for genuine ones), precision,
recall and false-alarm rate overall with their intervals, and the calibration curve (share
purchased per probability bin).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from evaluation.corpus import KINDS, Sample, generate  # noqa: E402
from scanner.analyses.purchased import (  # noqa: E402
    DetectPolicy, PurchasedResult, evaluate_list, list_facts, signal_values,
)
from scanner.analyses.signals_stats import clopper_pearson  # noqa: E402
from scanner.privacy.keys import KeyMaterial  # noqa: E402
from scanner.privacy.tokens import token_expr  # noqa: E402
from scanner.registry import open_registry  # noqa: E402

KEYS = KeyMaterial.from_master(bytes(32))
SEED_STRIDE = 100_000


def _with_registry(sample: Sample, keys: KeyMaterial, fn):
    """``fn(registry)`` with a private registry holding the sample's ``registered`` lists."""
    with tempfile.TemporaryDirectory() as state:
        registry = None
        if sample.registered:
            registry = open_registry(state, key_id=keys.key_id)
            for name, source, leaked, e164 in sample.registered:
                toks = pl.DataFrame({"e": e164}).select(token_expr(keys, "phone", pl.col("e"))).to_series()
                registry.add(name, toks, source=source, leaked=leaked, row_count=len(e164))
        return fn(registry)


def run_sample(sample: Sample, policy: DetectPolicy | None = None, keys: KeyMaterial = KEYS,
               model: str | None = None) -> PurchasedResult:
    """Evaluate one sample, with a private registry holding its ``registered`` lists."""
    return _with_registry(sample, keys, lambda registry: evaluate_list(
        sample.rows.lazy(), policy=policy or DetectPolicy(), registry=registry, list_source=sample.list_source,
        model=model))


def sample_values(sample: Sample, policy: DetectPolicy | None = None, keys: KeyMaterial = KEYS):
    """(facts, signals by code) of one sample (for fitting the model)."""
    policy = policy or DetectPolicy()

    def values(registry):
        facts, _, _ = list_facts(sample.rows.lazy(), policy=policy, registry=registry,
                                 list_source=sample.list_source)
        return facts, signal_values(facts, policy)[0]
    return _with_registry(sample, keys, values)


def _corpus_chunk(job):
    """(kind, purchased, likely, score, fired) of lists ``lo``..``hi`` of one kind and seed."""
    kind, seed, lo, hi, scale, model = job
    out = []
    for i in range(lo, hi):
        sample = generate(kind, seed * SEED_STRIDE + i, KEYS, scale=scale)
        r = run_sample(sample, model=model)
        out.append((kind, sample.purchased, r.likely, r.score, r.fired))
    return out


def _map(fn, work: list, jobs: int, chunksize: int) -> list:
    """``fn`` of each of ``work``, in order: in this process, or ``jobs`` fresh ones."""
    if jobs <= 1:
        return [fn(job) for job in work]
    from multiprocessing import get_context

    with get_context("spawn").Pool(jobs) as pool:
        return pool.map(fn, work, chunksize=chunksize)


def corpus_results(per_kind: int, seeds, scale: float = 1.0, kinds=KINDS, model: str | None = None,
                   jobs: int = 1):
    """[(kind, purchased, result)] over the held-out ``seeds`` (``jobs`` processes)."""
    from types import SimpleNamespace

    work = [(kind, seed, lo, min(per_kind, lo + 25), scale, model)
            for seed in seeds for kind in kinds for lo in range(0, per_kind, 25)]
    chunks = _map(_corpus_chunk, work, jobs, chunksize=1)
    return [(kind, purchased, SimpleNamespace(likely=likely, score=score, fired=fired))
            for chunk in chunks for kind, purchased, likely, score, fired in chunk]


def _interval(k: int, n: int) -> str:
    lo, hi = clopper_pearson(k, n)
    return f"{k / n if n else 0:.3f} [{lo:.3f}, {hi:.3f}]"


def summarize(results, *, signals: bool = False, out=print) -> dict:
    """Print the per-kind table, the overall rates and the calibration curve; return the counts."""
    tally: dict[str, Counter] = defaultdict(Counter)
    fired: dict[str, Counter] = defaultdict(Counter)
    for kind, purchased, r in results:
        t = tally[kind]
        t["lists"] += 1
        t["likely"] += bool(r.likely)
        t["purchased"] = int(purchased)
        for code in r.fired:
            fired[kind][code] += 1
    out(f"{'kind':<28} {'label':<10} {'lists':>5} {'likely':>6}  rate [95% CI]")
    tp = fp = fn = tn = 0
    for kind, t in tally.items():
        what = "recall" if t["purchased"] else "false-alarm"
        out(f"{kind:<28} {'purchased' if t['purchased'] else 'genuine':<10} {t['lists']:>5} {t['likely']:>6}  "
            f"{what} {_interval(t['likely'], t['lists'])}")
        if t["purchased"]:
            tp, fn = tp + t["likely"], fn + t["lists"] - t["likely"]
        else:
            fp, tn = fp + t["likely"], tn + t["lists"] - t["likely"]
    out(f"\noverall ({tp + fn} purchased, {fp + tn} genuine lists):")
    out(f"  precision   {_interval(tp, tp + fp)}")
    out(f"  recall      {_interval(tp, tp + fn)}")
    out(f"  false-alarm {_interval(fp, fp + tn)}")
    out("\ncalibration (probability bin: lists, share purchased):")
    bins = [[0, 0] for _ in range(10)]
    for _, purchased, r in results:
        b = bins[min(int(r.score * 10), 9)]
        b[0] += 1
        b[1] += int(purchased)
    for i, (n, k) in enumerate(bins):
        if n:
            out(f"  {i / 10:.1f}-{(i + 1) / 10:.1f}  {n:>5}  {k / n:.3f}")
    if signals:
        out("\nsignals fired (lists per kind):")
        for kind, counts in fired.items():
            out(f"  {kind:<28} " + ", ".join(f"{c}:{k}" for c, k in sorted(counts.items())))
    return {"tally": tally, "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def _scan_file(job):
    """(kind, purchased, likely, score, fired) of one labelled file, scanned by the full scanner."""
    from scanner.api import scan

    path, policy, row = job
    with tempfile.TemporaryDirectory() as state:
        report = scan(path, policy, keys=KEYS, state_dir=state, registry=False).report
    p = report["list"]["purchased"]
    return (row.get("kind") or row["label"], row["label"].strip().lower() == "purchased", p["likely"], p["score"],
            [s["code"] for s in p["signals"] if s.get("fired")])


def file_results(lists: Path, labels: Path, policy: Path | None, jobs: int = 1):
    """[(kind, purchased, result)] from scanning each labelled file with the full scanner
    (``jobs`` files at a time, each in its own process)."""
    from types import SimpleNamespace

    with open(labels, newline="", encoding="utf-8") as fh:
        work = [(lists / row["file"], policy, row) for row in csv.DictReader(fh)]
    scanned = _map(_scan_file, work, jobs, chunksize=4)
    return [(kind, purchased, SimpleNamespace(likely=likely, score=score, fired=fired))
            for kind, purchased, likely, score, fired in scanned]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-kind", type=int, default=20, help="lists per kind and seed (default 20)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1], help="held-out corpus seeds (default 1)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies list sizes (default 1)")
    ap.add_argument("--model", default=None, help="purchased/v1 to v4 (default: the current)")
    ap.add_argument("--signals", action="store_true", help="also print how often each signal fired")
    ap.add_argument("--lists", type=Path, help="a folder of labelled list files (with --labels)")
    ap.add_argument("--labels", type=Path, help="CSV file,label,kind for the files of --lists")
    ap.add_argument("--policy", type=Path, help="policy for scanning --lists files")
    ap.add_argument("--jobs", type=int, default=1, help="processes scanning lists at a time (default 1)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.lists or args.labels:
        if not (args.lists and args.labels):
            ap.error("--lists and --labels go together")
        results = file_results(args.lists, args.labels, args.policy, args.jobs)
    else:
        results = corpus_results(args.per_kind, args.seeds, args.scale, model=args.model, jobs=args.jobs)
    summarize(results, signals=args.signals)
    print(f"\n({len(results)} lists, {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
