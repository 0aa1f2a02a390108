"""The fitted purchased-list model ``purchased/v2``: signal values -> a probability.

A logistic regression over the values of the list signals (not only whether they fired),
fitted on the labelled corpus (``evaluation/fit_model.py``) and stored as a versioned file
(``scanner/data/purchased-v2.json``: per input its signal, centre, scale and coefficient;
the intercept; the ``likely`` threshold and the false-alarm rate it was chosen for; the
calibration measured on held-out lists). Scoring is a dot product: no dependency.

Inputs a list cannot support (too few numbers, no consent times, no sources, no names, no
registry) are *not judged*: they sit at their centre and contribute nothing, and the
result says which signals were judged and what share of the model's weight that was.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Mapping

from scanner.analyses.clusters import steady_z
from scanner.analyses.signals import CATCH_ALL_SOURCES, ListFacts, SignalResult

MODEL_V2 = "purchased/v2"
MODEL_FILE = "purchased-v2.json"
_CAP = 30.0  # -log10 p beyond this adds nothing


def _log2p(x: float) -> float:
    return math.log2(1.0 + max(x, 0.0))


def _neglog10(p: float | None) -> float | None:
    return None if p is None else min(-math.log10(max(p, 1e-300)), _CAP)


def _numbers(fn):
    """A number feature: judged from 50 distinct numbers (as the run signals)."""
    return lambda facts, res: fn(facts, res) if facts.distinct >= MIN_ROWS else None


def _value(code: str):
    return lambda facts, res: None if res[code].value is None else float(res[code].value)


def _has_sources(facts: ListFacts) -> bool:
    return facts.provenance.get("missing", 0) < facts.rows


def _catch_all(facts, res):
    r = res["LS010"]
    if r.value is None:
        return None
    top = facts.provenance["top"]
    return float(r.value) if (top["unapproved"] or top["_s"] in CATCH_ALL_SOURCES) else 0.0


def _flag(code: str):
    """A registry signal: 1 when fired, 0 when judged and quiet, not judged without a registry."""
    return lambda facts, res: None if res[code].value is None else float(res[code].fired)


def _runs(key: str, fn=_log2p):
    return _numbers(lambda f, r: fn(f.clusters[key]) if f.clusters["runs"] else 0.0)


def _differ_max(facts) -> float | None:
    """The strongest difference between clustered rows and the rest, as -log10 p."""
    c = facts.clusters.get("compare", {})
    if not c.get("judged"):
        return None
    ps = [c[k][1] for k in ("sources", "times", "clock", "stamped", "names") if c.get(k)]
    return _neglog10(min(ps)) if ps else None


def _concentration(facts) -> float:
    """How packed the clusters are: 0 at 8 clustered numbers per block holding them (a few
    colleagues, a family), 1 from 256 (a range)."""
    c = facts.clusters
    if not c["clustered_blocks"]:
        return 0.0
    return min(1.0, max(0.0, (math.log2(c["clustered"] / c["clustered_blocks"]) - 3) / 5))


def _differ_in_blocks(facts, res):
    """Clustered rows that differ from the rest, weighted by how packed the clusters are:
    a bought range padded in differs and is packed; a partner's or an era's customers with
    their own source differ but sit a few to a block."""
    d = _differ_max(facts)
    return None if d is None else d / _CAP * _concentration(facts)


def _steadiness(facts, res):
    z = steady_z(facts.consent) if res["LS024"].value is not None else None
    return None if z is None else min(1.0, max(0.0, z / 8.0))


#: name -> (signal code, how the value is read; None = not judged). Order is the model's.
FEATURES: dict[str, tuple[str, Callable]] = {
    "dense_share": ("LS002", _numbers(lambda f, r: f.extra.get("dense_numbers", 0) / max(f.distinct, 1))),
    "run_median": ("LS018", _runs("run_median")),
    "run_longest": ("LS018", _runs("run_longest")),
    "run_per_block": ("LS019", _numbers(lambda f, r: _log2p(f.clusters["run_numbers"] / f.clusters["run_blocks"])
                                        if f.clusters["runs"] else 0.0)),
    "run_share": ("LS020", _value("LS020")),
    "all_clustered": ("LS020", _numbers(lambda f, r: _concentration(f) * (0.0 - math.log10(max(
        1 - f.clusters["clustered"] / max(f.clusters["numbers"], 1), 0.001))))),
    "differ_in_blocks": ("LS021", _differ_in_blocks),
    "differ_max": ("LS021", lambda f, r: _differ_max(f)),
    "bunched_times": ("LS021", lambda f, r: (max(0.0, -f.clusters["compare"]["spread"])
                                             if f.clusters.get("compare", {}).get("spread") is not None else None)),
    "dense_stretch_share": ("LS022", _numbers(lambda f, r: f.clusters["dense_numbers"] / max(f.clusters["numbers"], 1))),
    "thinning": ("LS022", _numbers(lambda f, r: 1.0 - f.clusters["dense_gap1"] if f.clusters["dense_clusters"] else 0.0)),
    "bulk": ("LS004", _value("LS004")),
    "regular": ("LS005", _value("LS005")),
    "night": ("LS006", _value("LS006")),
    "after_collection": ("LS007", _value("LS007")),
    "before_source": ("LS008", _value("LS008")),
    "even_clock": ("LS023", _value("LS023")),
    "steady_days": ("LS024", _steadiness),
    "missing_source": ("LS009", lambda f, r: float(r["LS009"].value)
                       if r["LS009"].value is not None and _has_sources(f) else None),
    "catch_all": ("LS010", _catch_all),
    "template_names": ("LS011", _value("LS011")),
    "unprovenanced_volume": ("LS012", lambda f, r: float(r["LS012"].fired) if _has_sources(f) else None),
    "near_duplicate": ("LS014", _flag("LS014")),
    "other_source": ("LS015", _flag("LS015")),
}
#: Inputs whose "not judged" value is 0 (not fired), not the corpus centre.
FLAGS = frozenset({"near_duplicate", "other_source"})


#: Below this many rows only the registry inputs are judged (a copy is a copy at any size).
MIN_ROWS = 50


def features(facts: ListFacts, results: Mapping[str, SignalResult]) -> dict[str, float | None]:
    """Every model input of one list (None: not judged)."""
    small = facts.rows < MIN_ROWS
    return {name: None if small and name not in FLAGS else fn(facts, results)
            for name, (_code, fn) in FEATURES.items()}


def not_judged_reason(facts: ListFacts, result: SignalResult) -> str:
    """Why a signal's inputs were not judged, in the words of its detail when it says so."""
    if result.detail.startswith("not judged"):
        return result.detail
    if facts.rows < MIN_ROWS:
        return f"not judged: {facts.rows} rows (judged from {MIN_ROWS})"
    if facts.distinct < MIN_ROWS:
        return f"not judged: {facts.distinct} distinct valid numbers (judged from {MIN_ROWS})"
    return "not judged: " + result.detail


@dataclass(frozen=True)
class Model:
    version: str
    names: tuple[str, ...]
    centre: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    doc: dict[str, Any]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Model":
        inputs = d["inputs"]
        return cls(d["model"], tuple(i["name"] for i in inputs), tuple(float(i["centre"]) for i in inputs),
                   tuple(float(i["scale"]) for i in inputs), tuple(float(i["coef"]) for i in inputs),
                   float(d["intercept"]), float(d["threshold"]),
                   {k: v for k, v in d.items() if k not in ("inputs", "intercept", "threshold", "model")})

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.version, "intercept": self.intercept, "threshold": self.threshold,
                "inputs": [{"name": n, "signal": FEATURES[n][0], "centre": c, "scale": s, "coef": b}
                           for n, c, s, b in zip(self.names, self.centre, self.scale, self.coef)], **self.doc}

    def standardized(self, values: Mapping[str, float | None]) -> list[float]:
        """Each input on the model's scale; a not-judged input at its neutral point."""
        out = []
        for n, c, s in zip(self.names, self.centre, self.scale):
            v = values.get(n)
            out.append(((0.0 if n in FLAGS else c) - c) / s if v is None else (v - c) / s)
        return out

    def contributions(self, values: Mapping[str, float | None]) -> dict[str, float]:
        return {n: b * z for n, b, z in zip(self.names, self.coef, self.standardized(values))}

    def probability(self, values: Mapping[str, float | None]) -> float:
        z = self.intercept + sum(self.contributions(values).values())
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def judged_weight(self, values: Mapping[str, float | None]) -> float:
        """Share of the model's weight (|coefficient| per input, on its scale) that was judged."""
        total = sum(abs(b) for b in self.coef) or 1.0
        return sum(abs(b) for n, b in zip(self.names, self.coef) if values.get(n) is not None) / total


@lru_cache(maxsize=1)
def load_model() -> Model:
    """The shipped ``purchased/v2`` model file."""
    text = resources.files("scanner").joinpath("data/" + MODEL_FILE).read_text(encoding="utf-8")
    return Model.from_dict(json.loads(text))
