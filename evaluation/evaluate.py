"""Evaluate the purchased-list detector on the labeled corpus (evaluation/corpus.py).

    python evaluation/evaluate.py [--lists N] [--scale S] [--seed K] [--signals]

Prints, per kind, how many lists were called ``likely`` purchased (detection rate for
purchased kinds, false-alarm rate for genuine ones), then overall precision, recall and
false-alarm rate, and with ``--signals`` how often each LS signal fired per kind.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from evaluation.corpus import KINDS, Sample, generate  # noqa: E402
from scanner.analyses.purchased import DetectPolicy, PurchasedResult, evaluate_list  # noqa: E402
from scanner.privacy.keys import KeyMaterial  # noqa: E402
from scanner.privacy.tokens import token_expr  # noqa: E402
from scanner.registry import open_registry  # noqa: E402

KEYS = KeyMaterial.from_master(bytes(32))


def run_sample(sample: Sample, policy: DetectPolicy | None = None, keys: KeyMaterial = KEYS) -> PurchasedResult:
    """Evaluate one sample, with a private registry holding its ``registered`` lists."""
    with tempfile.TemporaryDirectory() as state:
        registry = None
        if sample.registered:
            registry = open_registry(state, key_id=keys.key_id)
            for name, source, leaked, e164 in sample.registered:
                toks = pl.DataFrame({"e": e164}).select(token_expr(keys, "phone", pl.col("e"))).to_series()
                registry.add(name, toks, source=source, leaked=leaked, row_count=len(e164))
        return evaluate_list(sample.rows.lazy(), policy=policy or DetectPolicy(), registry=registry,
                             list_source=sample.list_source)


def evaluate(lists: int, scale: float, seed: int = 0, kinds=KINDS):
    tally: dict[str, Counter] = defaultdict(Counter)
    fired: dict[str, Counter] = defaultdict(Counter)
    for kind in kinds:
        for i in range(lists):
            sample = generate(kind, seed + i, KEYS, scale=scale)
            result = run_sample(sample)
            tally[kind]["lists"] += 1
            tally[kind]["likely"] += result.likely
            tally[kind]["purchased"] += sample.purchased
            for code in result.fired:
                fired[kind][code] += 1
    return tally, fired


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lists", type=int, default=20, help="lists per kind (default 20)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies list sizes (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--signals", action="store_true", help="also print how often each signal fired")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    tally, fired = evaluate(args.lists, args.scale, args.seed)
    print(f"{'kind':<28} {'label':<10} {'lists':>5} {'likely':>6}  rate")
    tp = fp = fn = tn = 0
    for kind, t in tally.items():
        label = "purchased" if t["purchased"] else "genuine"
        rate = t["likely"] / t["lists"]
        what = "recall" if t["purchased"] else "false-alarm rate"
        print(f"{kind:<28} {label:<10} {t['lists']:>5} {t['likely']:>6}  {what} {rate:.3f}")
        if t["purchased"]:
            tp += t["likely"]
            fn += t["lists"] - t["likely"]
        else:
            fp += t["likely"]
            tn += t["lists"] - t["likely"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    far = fp / (fp + tn) if fp + tn else 0.0
    print(f"\noverall: precision {precision:.3f}  recall {recall:.3f}  false-alarm rate {far:.3f}  "
          f"({tp + fn} purchased, {fp + tn} genuine lists; {time.perf_counter() - t0:.1f} s)")
    if args.signals:
        print("\nsignals fired (lists per kind):")
        for kind, counts in fired.items():
            print(f"  {kind:<28} " + ", ".join(f"{c}:{k}" for c, k in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
