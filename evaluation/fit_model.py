"""Fit the current purchased-list model (``purchased/v4``) on one seed of the labelled corpus.

    python evaluation/fit_model.py [--seed 0] [--per-kind 100] [--out scanner/data/purchased-v4.json]

Logistic regression (L2-penalised, Newton's method, plain Python: about 30 inputs and a few
thousand lists need no numerical library) over the signal values of :mod:`scanner.analyses.model`.
Every kind of the corpus weighs the same (a kind's lists are weighted by 1 / its count), and
the classes are balanced, so the probability reads as "purchased, among lists like the
corpus's, with purchased and genuine equally likely beforehand". Each input is centred on
the median of the genuine lists (its scale is its spread over every list): a signal that
cannot be judged then counts as looking genuine, and a one-sided input counts only above it.

The ``likely`` threshold is the lowest at which at most ``--target`` / 2 of the fitting
seed's genuine lists score at or above it (so that the rate on new lists, with its sampling
error, stays under ``--target``). The calibration table stored with the model is measured on
the next seed, every kind, not the one fitted.

Every kind of the corpus is fitted, consent fabricated on a human daily curve included: its
trace, days as even as a script's random dates, is read against a steadier genuine list than
any in the corpus (``scanner.analyses.clusters.STEADIEST_SHAPE``), so steady genuine lists are
not taught to look fabricated.
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
from scanner.analyses.model import (  # noqa: E402
    FEATURE_TABLES, FLAGS, MODEL_CURRENT, MODEL_FILE, ONE_SIDED, Model, features,
)

ROOT = Path(__file__).resolve().parents[1]
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


#: Inputs whose coefficient may take either sign: how a list's dense stretches are sized and
#: filled (organisations' nearly full ranges speak for a genuine list). Every other input
#: measures a pattern of bought or fabricated lists and may only add to the evidence: the fit
#: keeps its coefficient at zero or above, so that no pattern ever counts *for* a list because
#: it happens to correlate with another input.
SIGN_FREE_PREFIX = "stretch_"


def fit(data, *, l2: float = 1.0, iterations: int = 30, version: str = MODEL_CURRENT) -> Model:
    """Weighted, L2-penalised logistic regression on standardized inputs, the coefficients
    of pattern inputs held at zero or above (an input whose coefficient comes out negative is
    fixed at zero and the rest refitted, until none does)."""
    names = list(FEATURE_TABLES[version])
    centre, scale = [], []
    for n in names:
        vals = [(v if v is not None else 0.0) for _, _, x in data for v in [x[n]]] if n in FLAGS else \
               [x[n] for _, _, x in data if x[n] is not None]
        mu = sum(vals) / len(vals) if vals else 0.0
        sd = math.sqrt(sum((v - mu) ** 2 for v in vals) / len(vals)) if vals else 1.0
        genuine = sorted(x[n] for _, purchased, x in data if not purchased and x[n] is not None)
        centre.append(mu if n in FLAGS or not genuine else genuine[len(genuine) // 2])
        scale.append(sd if sd > 1e-9 else 1.0)
    sides = tuple(n in ONE_SIDED[version] for n in names)
    proto = Model(version, tuple(names), tuple(centre), tuple(scale), tuple([0.0] * len(names)), 0.0, 0.5, {},
                  sides)
    xs = [[1.0] + proto.standardized(x) for _, _, x in data]
    ys = [1.0 if p else 0.0 for _, p, _ in data]
    counts: dict[str, int] = {}
    for k, _, _ in data:
        counts[k] = counts.get(k, 0) + 1
    kinds_of = {p: {k for k, q, _ in data if q == p} for p in (True, False)}
    ws = [1.0 / counts[k] / len(kinds_of[p]) for k, p, _ in data]
    total = sum(ws)
    ws = [w * len(data) / total for w in ws]
    beta = [0.0] * (len(names) + 1)
    fixed: set[int] = set()
    while True:
        active = [i for i in range(len(beta)) if i not in fixed]
        sub = _newton([[x[i] for i in active] for x in xs], ys, ws, [beta[i] for i in active], l2, iterations)
        beta = [0.0] * len(beta)
        for i, b in zip(active, sub):
            beta[i] = b
        negative = {i for i in active if i and beta[i] < 0 and not names[i - 1].startswith(SIGN_FREE_PREFIX)}
        if not negative:
            break
        fixed |= negative
    return Model(version, tuple(names), tuple(centre), tuple(scale), tuple(beta[1:]), beta[0], 0.5, {}, sides)


def _newton(xs, ys, ws, beta, l2: float, iterations: int) -> list[float]:
    """Newton's method for the weighted, L2-penalised log-likelihood (column 0: the intercept,
    not penalised), from ``beta``."""
    d = len(beta)
    beta = list(beta)
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
    return beta


def choose_threshold(model: Model, data, target: float) -> float:
    """The lowest threshold at which, on every genuine kind of ``data``, at most ``target`` / 2
    of its lists score at or above it (with 100 lists a kind: above every genuine list)."""
    by_kind: dict[str, list[float]] = {}
    for kind, purchased, x in data:
        if not purchased:
            by_kind.setdefault(kind, []).append(model.probability(x))
    if not by_kind:
        return 0.5
    worst = 0.0
    for scores in by_kind.values():
        scores.sort(reverse=True)
        allowed = int(len(scores) * target / 2)
        worst = max(worst, scores[allowed] if len(scores) > allowed else 0.0)
    return round(min(1.0, worst + 1e-6), 6)


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
    ap.add_argument("--out", type=Path, default=ROOT / "scanner" / "data" / MODEL_FILE)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    log = lambda kind: print(f"  {kind} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)  # noqa: E731
    data = dataset(args.seed, args.per_kind, progress=log)
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
    return Model(model.version, model.names, model.centre, model.scale, model.coef, model.intercept, threshold, doc,
                 model.one_sided)


if __name__ == "__main__":
    raise SystemExit(main())
