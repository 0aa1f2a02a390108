"""The fitted purchased-list models (``purchased/v4``, and ``purchased/v2`` and ``v3`` kept for
their certificates): signal values -> a probability.

A logistic regression over the values of the list signals (not only whether they fired),
fitted on the labelled corpus (``evaluation/fit_model.py``) and stored as a versioned file
(``scanner/data/purchased-v4.json``: per input its signal, centre, scale and coefficient,
and whether it reads one side only; the intercept; the ``likely`` threshold and the
false-alarm rate it was chosen for; the calibration measured on held-out lists). Scoring is
a dot product: no dependency. Each version reads its own inputs (:data:`FEATURE_TABLES`):
a model file is only ever scored with the inputs it was fitted on.

Inputs a list cannot support (too few numbers, no consent times, no sources, no names, no
registry) are *not judged*: they sit at their centre and contribute nothing, and the
result says which signals were judged and what share of the model's weight that was. Since
``purchased/v3`` the centre is what a genuine list typically shows (the median of the
fitting corpus's genuine lists), so a signal that cannot be judged counts as if it looked
genuine, and a one-sided input (a consent-time pattern) counts only beyond that centre:
consent times less even than people's, or a clock busier by day, are no evidence of
anything. ``purchased/v4`` reads the dense stretches on a grid of sizes and fills without
edges, reaching the thousands of numbers of a scanned segment.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Mapping

from scanner.analyses.clusters import STEADY_SE, STRETCH_CLASSES, STRETCH_GRID, steady_se, steady_z
from scanner.analyses.signals import CATCH_ALL_SOURCES, ListFacts, SignalResult

MODEL_V2 = "purchased/v2"
MODEL_V3 = "purchased/v3"
MODEL_V4 = "purchased/v4"
MODEL_FILES = {MODEL_V2: "purchased-v2.json", MODEL_V3: "purchased-v3.json", MODEL_V4: "purchased-v4.json"}
#: the current model
MODEL_CURRENT = MODEL_V4
MODEL_FILE = MODEL_FILES[MODEL_CURRENT]
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


#: purchased/v2's inputs: name -> (signal code, how the value is read; None = not judged).
#: Order is the model's. Frozen: certificates made under v2 re-scan with exactly these.
FEATURES_V2: dict[str, tuple[str, Callable]] = {
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
#: Clustered rows against the rest, as purchased/v3 reads them: registration (collection)
#: times too, where a list has them.
_COMPARED_V3 = ("sources", "times", "clock", "stamped", "names", "collected")
def _differ_max_v3(facts) -> float | None:
    c = facts.clusters.get("compare", {})
    if not c.get("judged"):
        return None
    ps = [c[k][1] for k in _COMPARED_V3 if c.get(k)]
    return _neglog10(min(ps)) if ps else None


def _differ_in_blocks_v3(facts, res):
    d = _differ_max_v3(facts)
    return None if d is None else d / _CAP * _concentration(facts)


def _bunched_v3(facts, res):
    """How much more bunched the clustered rows' consent or registration times are than the
    rest's (log ratio of spreads; 0 when not)."""
    c = facts.clusters.get("compare", {})
    spreads = [v for v in (c.get("spread"), c.get("collected_spread")) if v is not None]
    return max(0.0, -min(spreads)) if spreads else None


def _stretches(key: str):
    """The share of the list in dense stretches of one size and fill class, as its square root
    (a few hundred numbers in a class already tell)."""
    return _numbers(lambda f, r: math.sqrt(f.clusters["stretch_classes"][key] / max(f.clusters["numbers"], 1)))


def _steady_v3(facts, res):
    """:func:`scanner.analyses.clusters.steady_se`, 0 to :data:`STEADY_SE` standard errors,
    as 0 to 1: beyond that many chance no longer explains the steady days."""
    z = steady_se(facts.consent) if res["LS024"].value is not None else None
    return None if z is None else min(STEADY_SE, max(0.0, z)) / STEADY_SE


#: purchased/v3's inputs (as :data:`FEATURES_V2`). Each dense stretch is read by its size and
#: fill (:data:`scanner.analyses.clusters.STRETCH_CLASSES`): an empty-number check leaves
#: large stretches thinned at random, organisations small to mid-sized ones with a few holes,
#: and raw enumeration complete ones. Dense blocks (LS002) and the share of the list in
#: clusters are not read: staff lists held on company cards fill blocks and can be clustered
#: through and through; how the stretches are filled is what tells them from a range.
FEATURES_V3: dict[str, tuple[str, Callable]] = {
    "run_median": FEATURES_V2["run_median"],
    "run_longest": FEATURES_V2["run_longest"],
    "run_per_block": FEATURES_V2["run_per_block"],
    "run_share": FEATURES_V2["run_share"],
    "differ_in_blocks": ("LS021", _differ_in_blocks_v3),
    "differ_max": ("LS021", lambda f, r: _differ_max_v3(f)),
    "bunched_times": ("LS021", _bunched_v3),
    **{"stretch_" + k: ("LS022", _stretches(k)) for k in STRETCH_CLASSES},
    "largest_stretch": ("LS022", _numbers(lambda f, r: _log2p(f.clusters["dense_largest"]))),
    "thinning": FEATURES_V2["thinning"],
    "bulk": FEATURES_V2["bulk"],
    "regular": FEATURES_V2["regular"],
    "night": FEATURES_V2["night"],
    "after_collection": FEATURES_V2["after_collection"],
    "before_source": FEATURES_V2["before_source"],
    "even_clock": FEATURES_V2["even_clock"],
    "steady_days": ("LS024", _steady_v3),
    "missing_source": FEATURES_V2["missing_source"],
    "catch_all": FEATURES_V2["catch_all"],
    "template_names": FEATURES_V2["template_names"],
    "unprovenanced_volume": FEATURES_V2["unprovenanced_volume"],
    "near_duplicate": FEATURES_V2["near_duplicate"],
    "other_source": FEATURES_V2["other_source"],
}
def _grid(key: str):
    """The share of the list at one point of the dense stretches' size and fill grid, as its
    square root (:data:`scanner.analyses.clusters.STRETCH_GRID`)."""
    return _numbers(lambda f, r: math.sqrt(f.clusters["stretch_grid"][key] / max(f.clusters["numbers"], 1)))


#: purchased/v4's inputs: v3's, with the dense stretches read on a grid without edges
#: (a stretch shared between its nearest sizes and fills) that reaches segments of
#: thousands of numbers, beyond any organisation's range.
_V3_NAMES = list(FEATURES_V3)
_FIRST_STRETCH, _LARGEST = _V3_NAMES.index("stretch_" + STRETCH_CLASSES[0]), _V3_NAMES.index("largest_stretch")
FEATURES_V4: dict[str, tuple[str, Callable]] = {
    **{k: FEATURES_V3[k] for k in _V3_NAMES[:_FIRST_STRETCH]},
    **{"stretch_" + k: ("LS022", _grid(k)) for k in STRETCH_GRID},
    **{k: FEATURES_V3[k] for k in _V3_NAMES[_LARGEST:]},
}

#: purchased/v3's inputs that read one side only: consent-time patterns count beyond what a
#: genuine list shows, never below it.
ONE_SIDED_V3 = frozenset({"bulk", "regular", "night", "even_clock", "after_collection", "before_source"})
FEATURE_TABLES = {MODEL_V2: FEATURES_V2, MODEL_V3: FEATURES_V3, MODEL_V4: FEATURES_V4}
#: purchased/v4 reads the same sides as v3.
ONE_SIDED = {MODEL_V3: ONE_SIDED_V3, MODEL_V4: ONE_SIDED_V3}
#: The current model's inputs.
FEATURES = FEATURE_TABLES[MODEL_CURRENT]


#: Inputs whose "not judged" value is 0 (not fired), not the corpus centre.
FLAGS = frozenset({"near_duplicate", "other_source"})


#: Below this many rows only the registry inputs are judged (a copy is a copy at any size).
MIN_ROWS = 50


def features(facts: ListFacts, results: Mapping[str, SignalResult],
             version: str = MODEL_CURRENT) -> dict[str, float | None]:
    """Every input of model ``version`` for one list (None: not judged)."""
    small = facts.rows < MIN_ROWS
    return {name: None if small and name not in FLAGS else fn(facts, results)
            for name, (_code, fn) in FEATURE_TABLES[version].items()}


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
    one_sided: tuple[bool, ...] = ()   # per input: only values above the centre count

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Model":
        inputs = d["inputs"]
        return cls(d["model"], tuple(i["name"] for i in inputs), tuple(float(i["centre"]) for i in inputs),
                   tuple(float(i["scale"]) for i in inputs), tuple(float(i["coef"]) for i in inputs),
                   float(d["intercept"]), float(d["threshold"]),
                   {k: v for k, v in d.items() if k not in ("inputs", "intercept", "threshold", "model")},
                   tuple(bool(i.get("one_sided", False)) for i in inputs) if any(
                       "one_sided" in i for i in inputs) else ())

    def as_dict(self) -> dict[str, Any]:
        table = FEATURE_TABLES[self.version]
        sides = self.one_sided or (None,) * len(self.names)
        return {"model": self.version, "intercept": self.intercept, "threshold": self.threshold,
                "inputs": [{"name": n, "signal": table[n][0], "centre": c, "scale": s, "coef": b,
                            **({} if one is None else {"one_sided": one})}
                           for n, c, s, b, one in zip(self.names, self.centre, self.scale, self.coef, sides)],
                **self.doc}

    def signal_of(self, name: str) -> str:
        """The signal code an input belongs to."""
        return FEATURE_TABLES[self.version][name][0]

    def standardized(self, values: Mapping[str, float | None]) -> list[float]:
        """Each input on the model's scale; a not-judged input at its neutral point, a
        one-sided input no lower than its centre."""
        out = []
        sides = self.one_sided or (False,) * len(self.names)
        for n, c, s, one in zip(self.names, self.centre, self.scale, sides):
            v = values.get(n)
            if v is None:
                v = 0.0 if n in FLAGS else c
            out.append(((max(v, c) if one else v) - c) / s)
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


@lru_cache(maxsize=None)
def load_model(version: str = MODEL_CURRENT) -> Model:
    """A shipped model file (the current model by default)."""
    text = resources.files("scanner").joinpath("data/" + MODEL_FILES[version]).read_text(encoding="utf-8")
    model = Model.from_dict(json.loads(text))
    if model.version != version or list(model.names) != list(FEATURE_TABLES[version]):
        raise ValueError(f"{MODEL_FILES[version]} does not hold the inputs of {version}")
    return model
