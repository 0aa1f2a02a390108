"""Fit the purchased-list model ``purchased/v2`` on one seed of the labelled corpus.

    python evaluation/fit_model.py [--seed 0] [--per-kind 100] [--out scanner/data/purchased-v2.json]

Logistic regression (L2-penalised, Newton's method, plain Python: about 30 inputs and a few
thousand lists need no numerical library) over the signal values of :mod:`scanner.analyses.model`.
Every kind of the corpus weighs the same (a kind's lists are weighted by 1 / its count), and
the classes are balanced, so the probability reads as "purchased, among lists like the
corpus's, with purchased and genuine equally likely beforehand".

The ``likely`` threshold is the lowest at which at most ``--target`` / 2 of the fitting
seed's genuine lists score at or above it (so that the rate on new lists, with its sampling
error, stays under ``--target``). The calibration table stored with the model is measured on
the next seed, every kind, not the one fitted.

Every kind is fitted except :data:`NOT_FITTED`: fabricated consent on a human daily curve
spread evenly over the days leaves one trace, days steadier than people's sign-ups, which
the steadier genuine lists share; fitted on, it taught the model to call steady genuine
staff lists purchased (a genuine HR list at 0.997) and pushed the threshold up for every
kind. It stays in the corpus and the evaluation, where its recall is reported.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluation.corpus import KINDS, generate  # noqa: E402
from evaluation.evaluate import KEYS, sample_values  # noqa: E402
from scanner.analyses.model import FEATURES, FLAGS, MODEL_V2, Model, features  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOT_FITTED = ("fabricated-human-times",)
FIT_KINDS = tuple(k for k in KINDS if k not in NOT_FITTED)
SEED_STRIDE = 100_000  # seed s draws lists s * stride + i: seeds never share a list


def raw_dataset(seed: int, per_kind: int, kinds=KINDS, scale: float = 1.0, progress=None):
    """[(kind, purchased, facts, signals)] for ``per_kind`` lists of each kind of ``seed``
    (the facts without their per-block and per-stamp tables: inputs are read from the rest)."""
    out = []
    for kind in kinds:
        for i in range(per_kind):
            sample = generate(kind, seed * SEED_STRIDE + i, KEYS, scale=scale)
            facts, by_code = sample_values(sample)
            facts.blocks = {}
            facts.consent = {k: v for k, v in facts.consent.items() if k not in ("groups", "gaps")}
            out.append((kind, sample.purchased, facts, by_code))
        if progress:
            progress(kind)
    return out


def dataset(seed: int, per_kind: int, kinds=KINDS, scale: float = 1.0, progress=None):
    """[(kind, purchased, model inputs)] for ``per_kind`` lists of each kind of ``seed``."""
    return inputs(raw_dataset(seed, per_kind, kinds, scale, progress))


def inputs(raw):
    return [(kind, purchased, features(facts, by_code)) for kind, purchased, facts, by_code in raw]


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the Newton step's linear system)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            if f:
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def fit(data, *, l2: float = 1.0, iterations: int = 30) -> Model:
    """Weighted, L2-penalised logistic regression on standardized inputs."""
    names = list(FEATURES)
    centre, scale = [], []
    for n in names:
        vals = [(v if v is not None else 0.0) for _, _, x in data for v in [x[n]]] if n in FLAGS else \
               [x[n] for _, _, x in data if x[n] is not None]
        mu = sum(vals) / len(vals) if vals else 0.0
        sd = math.sqrt(sum((v - mu) ** 2 for v in vals) / len(vals)) if vals else 1.0
        centre.append(mu)
        scale.append(sd if sd > 1e-9 else 1.0)
    proto = Model(MODEL_V2, tuple(names), tuple(centre), tuple(scale), tuple([0.0] * len(names)), 0.0, 0.5, {})
    xs = [[1.0] + proto.standardized(x) for _, _, x in data]
    ys = [1.0 if p else 0.0 for _, p, _ in data]
    counts: dict[str, int] = {}
    for k, _, _ in data:
        counts[k] = counts.get(k, 0) + 1
    kinds_of = {p: {k for k, q, _ in data if q == p} for p in (True, False)}
    ws = [1.0 / counts[k] / len(kinds_of[p]) for k, p, _ in data]
    total = sum(ws)
    ws = [w * len(data) / total for w in ws]
    d = len(names) + 1
    beta = [0.0] * d
    for _ in range(iterations):
        grad = [0.0] * d
        hess = [[0.0] * d for _ in range(d)]
        for x, y, w in zip(xs, ys, ws):
            z = sum(b * v for b, v in zip(beta, x))
            p = 1 / (1 + math.exp(-z)) if z > -700 else 0.0
            g, h = w * (p - y), w * p * (1 - p)
            for i in range(d):
                grad[i] += g * x[i]
                if h:
                    hx = h * x[i]
                    row = hess[i]
                    for j in range(i, d):
                        row[j] += hx * x[j]
        for i in range(d):
            for j in range(i):
                hess[i][j] = hess[j][i]
            if i:  # the intercept is not penalised
                grad[i] += l2 * beta[i]
                hess[i][i] += l2
        step = _solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step)]
        if max(abs(s) for s in step) < 1e-8:
            break
    return Model(MODEL_V2, tuple(names), tuple(centre), tuple(scale), tuple(beta[1:]), beta[0], 0.5, {})


def choose_threshold(model: Model, data, target: float) -> float:
    """The lowest threshold at which at most ``target`` / 2 of the genuine lists of ``data``
    score at or above it."""
    scores = sorted((model.probability(x) for _, purchased, x in data if not purchased), reverse=True)
    allowed = int(len(scores) * target / 2)
    return round(min(1.0, scores[allowed] + 1e-6), 6) if len(scores) > allowed else 0.5


def calibration(model: Model, data, bins: int = 10) -> list[dict]:
    """Share purchased per probability bin (``data``: lists not used for the fit)."""
    table = [{"from": i / bins, "to": (i + 1) / bins, "lists": 0, "purchased": 0} for i in range(bins)]
    for _, purchased, x in data:
        b = table[min(int(model.probability(x) * bins), bins - 1)]
        b["lists"] += 1
        b["purchased"] += int(purchased)
    return table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-kind", type=int, default=100)
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--target", type=float, default=0.005, help="false-alarm rate the threshold is chosen for")
    ap.add_argument("--out", type=Path, default=ROOT / "scanner" / "data" / "purchased-v2.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    log = lambda kind: print(f"  {kind} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)  # noqa: E731
    data = dataset(args.seed, args.per_kind, kinds=FIT_KINDS, progress=log)
    check = dataset(args.seed + 1, check_lists(args.per_kind), progress=log)
    final = build(data, check, seed=args.seed, per_kind=args.per_kind, l2=args.l2, target=args.target)
    args.out.write_text(json.dumps(final.as_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"fitted {len(data)} lists in {time.perf_counter() - t0:.0f} s; threshold {final.threshold}; "
          f"wrote {args.out}")
    return 0


def check_lists(per_kind: int) -> int:
    """Lists per kind of the next seed that measure the calibration table."""
    return max(20, per_kind // 3)


def build(data, check, *, seed: int, per_kind: int, l2: float, target: float) -> Model:
    """The model file's content: fitted on ``data``, threshold for ``target``, calibration on ``check``."""
    model = fit(data, l2=l2)
    threshold = choose_threshold(model, data, target)
    doc = {"fitted_on": {"corpus": "evaluation/corpus.py", "seed": seed, "lists_per_kind": per_kind,
                         "kinds": sorted({k for k, _, _ in data}, key=KINDS.index), "l2": l2},
           "false_alarm_target": target,
           "calibration": {"seed": seed + 1, "bins": calibration(model, check)}}
    return Model(model.version, model.names, model.centre, model.scale, model.coef, model.intercept, threshold, doc)


if __name__ == "__main__":
    raise SystemExit(main())
