"""Is this list bought, scraped, generated or a copy? ``list.purchased`` of report.json.

:func:`evaluate_list` computes every ``LS…`` signal (:mod:`scanner.analyses.signals`,
:mod:`scanner.analyses.signals_clusters`) over the scan's row frame, looks the list up in
the registry, and scores it with a versioned model:

* :data:`MODEL` (``purchased/v3``, the default): a logistic regression over the signal
  values fitted on the labelled corpus (:mod:`scanner.analyses.model`); ``score`` is the
  probability that the list is purchased, ``likely`` means it reaches the threshold stored
  with the model (chosen for a stated false-alarm rate on genuine lists), and the result
  explains the strongest evidence and the innocent explanation it rules out
  (:mod:`scanner.analyses.explain`);
* ``purchased/v2``: the previous fitted model with its own inputs and file, kept so that
  certificates made under it re-scan to the same answer;
* ``purchased/v1``: the noisy-or of hand weights over the fired signals ``LS001``–``LS016``
  (``score = 1 - Π (1 - weight_i)``, ``likely = score >= DetectPolicy.likely_score``), kept
  so that certificates made under it re-scan to the same answer.

Hard signals (exact copy of a registered list, overlap with a leaked list, and the scan's
canary hits) fail the list whatever the score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import polars as pl

from scanner.analyses.overlap import find_overlaps, list_tokens, report_overlaps
from scanner.analyses import signals_clusters  # noqa: F401  (registers LS018-LS024)
from scanner.analyses.explain import explain
from scanner.analyses.model import MODEL_V2, MODEL_V3, features, load_model
from scanner.analyses.signals import SIGNALS, ListFacts, SignalResult, collect_facts
from scanner.errors import PolicyError, RegistryError
from scanner.i18n import N_, Text

if TYPE_CHECKING:  # pragma: no cover
    from scanner.registry.store import Registry

MODEL = MODEL_V3
MODEL_V1 = "purchased/v1"
MODELS = (MODEL_V1, MODEL_V2, MODEL_V3)
#: The signals of ``purchased/v1`` (later signals are not computed under it).
V1_SIGNALS = tuple(f"LS{i:03d}" for i in range(1, 17))


def _share(v) -> str | None:
    return None if 0.0 <= v <= 1.0 else N_("must be between 0 and 1")


def _alpha(v) -> str | None:
    return None if 0.0 < v < 0.5 else N_("must be above 0 and below 0.5")


def _positive(v) -> str | None:
    return None if v > 0 else N_("must be positive")


def _count(v) -> str | None:
    return None if v >= 1 else N_("must be at least 1")


_CHECKS = {
    "likely_score": _share, "min_rows": _count,
    "block_alpha": _alpha, "block_dispersion": _positive, "block_min_count": _count, "min_spread_blocks": _count,
    "run_alpha": _alpha, "run_min_excess": _count,
    "invalid_share": _share,
    "consent_min_rows": _count, "bulk_min_group": lambda v: None if v >= 2 else "must be at least 2",
    "bulk_share": _share, "regular_share": _share, "night_share": _share,
    "night_end_hour": lambda v: None if 1 <= v <= 12 else "must be between 1 and 12",
    "after_collection_share": _share, "before_source_share": _share,
    "missing_source_share": _share, "catch_all_share": _share, "template_name_share": _share,
    "volume_ordinary": _count, "volume_sensitive": _count, "volume_location_credit": _count,
    "overlap_containment": _share, "near_duplicate_jaccard": _share,
    "leaked_containment": _share, "leaked_min_shared": _count, "overlap_top": _count,
}


@dataclass(frozen=True)
class DetectPolicy:
    """The policy's ``[detect]`` table: thresholds of the purchased-list signals.

    Statistical signals state their false-alarm rate: ``block_alpha`` is the chance that a
    genuine list (under the block model) shows any dense block; ``run_alpha`` the same for
    consecutive runs.
    """

    likely_score: float = 0.6          # purchased.likely when score >= this
    min_rows: int = 50                 # share-based signals are not judged below this
    block_alpha: float = 0.001         # LS002/LS004 false-alarm rate (BH across blocks / time ticks)
    block_dispersion: float = 1.0      # gamma shape of block popularity (1 = exponential spread)
    block_min_count: int = 10          # a block must hold this many numbers to be called dense
    min_spread_blocks: int = 200       # a genuine list draws from at least this many 10^4-blocks
    run_alpha: float = 0.001           # LS003 false-alarm rate
    run_min_excess: int = 20           # LS003 needs this many consecutive pairs above expectation
    invalid_share: float = 0.2         # LS001
    consent_min_rows: int = 50         # consent-time signals need this many stamped rows
    bulk_min_group: int = 10           # LS004: identical stamps shared by at least this many rows
    bulk_share: float = 0.1            # LS004
    regular_share: float = 0.5         # LS005
    night_share: float = 0.15          # LS006
    night_end_hour: int = 6            # LS006: night is 00:00 to this hour, policy time zone
    after_collection_share: float = 0.2  # LS007
    before_source_share: float = 0.05  # LS008
    missing_source_share: float = 0.5  # LS009
    catch_all_share: float = 0.9       # LS010
    template_name_share: float = 0.5   # LS011
    volume_ordinary: int = 5000        # LS012 thresholds (SPC/SPP 2017 interpretation, Art. 5)
    volume_sensitive: int = 500
    volume_location_credit: int = 50
    overlap_containment: float = 0.5   # LS015
    near_duplicate_jaccard: float = 0.9  # LS014
    leaked_containment: float = 0.05   # LS016
    leaked_min_shared: int = 10        # LS016 also needs this many shared numbers
    overlap_top: int = 10              # how many matches list.overlaps keeps

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            kind = float if f.type in ("float", float) else int
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    kind is int and not isinstance(value, int)):
                raise PolicyError("detect.{key}: {problem}", key=f.name,
                                  problem=Text("must be a number") if kind is float else Text("must be an integer"))
            if kind is float:
                object.__setattr__(self, f.name, float(value))
            problem = _CHECKS[f.name](value)
            if problem:
                raise PolicyError("detect.{key}: {problem}", key=f.name, problem=Text(problem))
        if not self.volume_location_credit <= self.volume_sensitive <= self.volume_ordinary:
            raise PolicyError("detect.volume_*: expected volume_location_credit <= volume_sensitive "
                              "<= volume_ordinary")

    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> "DetectPolicy":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise PolicyError("detect.{key}: unknown key", key=unknown[0])
        return cls(**dict(table))


@dataclass(frozen=True)
class PurchasedResult:
    score: float
    likely: bool
    signals: tuple[SignalResult, ...]
    overlaps: list[dict]               # full precision, best first (report form: report_overlaps)
    du003_tokens: pl.Series            # tokens of this list found in the registry
    facts: ListFacts | None = None     # the aggregates the signals read (the report's charts too)
    model: str = MODEL_V1
    extra: dict[str, Any] | None = None  # purchased/v2: threshold, judged, explanation, contributions

    @property
    def hard_signal(self) -> bool:
        return any(s.fired and s.hard for s in self.signals)

    @property
    def other_signal(self) -> bool:
        return any(s.fired and not s.hard for s in self.signals)

    @property
    def fired(self) -> list[str]:
        return [s.code for s in self.signals if s.fired]

    @property
    def report_purchased(self) -> dict[str, Any]:
        if self.model == MODEL_V1:
            return {"model": MODEL_V1, "score": round(self.score, 4), "likely": self.likely,
                    "signals": [s.as_dict() for s in self.signals]}
        x = self.extra or {}
        contrib = x.get("by_signal", {})
        return {"model": self.model, "score": round(self.score, 4), "likely": self.likely,
                "threshold": x.get("threshold"), "false_alarm_target": x.get("false_alarm_target"),
                "explanation": x.get("explanation"), "not_held_against": x.get("not_held_against"),
                "explanation_text": x.get("explanation_text"), "not_held_against_text": x.get("not_held_against_text"),
                "judged": x.get("judged"),
                "signals": [{**s.as_dict(), "contribution": round(contrib[s.code], 4) if s.code in contrib else None}
                            for s in self.signals]}

    @property
    def report_overlaps(self) -> list[dict]:
        return report_overlaps(self.overlaps)


def score_signals(signals: Iterable[SignalResult]) -> float:
    """The ``purchased/v1`` score: noisy-or of the fired signals' weights."""
    keep = 1.0
    for s in signals:
        if s.fired:
            keep *= 1.0 - s.weight
    return 0.0 if math.isclose(keep, 1.0) else 1.0 - keep


def _windows(source_windows) -> dict[str, tuple]:
    """Accept ``{name: (valid_from, valid_until)}`` or the policy's ``sources`` entries."""
    if not source_windows:
        return {}
    if isinstance(source_windows, Mapping):
        return dict(source_windows)
    return {s.name: (getattr(s, "valid_from", None), getattr(s, "valid_until", None)) for s in source_windows}


def evaluate_list(
    rows: pl.LazyFrame | pl.DataFrame,
    *,
    policy: DetectPolicy | None = None,
    registry: "Registry | None" = None,
    input_sha256: str | None = None,
    timezone: str = "Asia/Shanghai",
    source_windows: Mapping[str, tuple] | Iterable[Any] | None = None,
    categories: Iterable[str] = (),
    list_source: str | None = None,
    tokens: pl.Series | None = None,
    numbers: pl.DataFrame | None = None,
    name_counts: pl.DataFrame | None = None,
    model: str | None = None,
) -> PurchasedResult:
    """All list-level evidence for one list.

    ``rows``: the scan's row frame (columns of the input contract: ``row, phone_token,
    e164, valid, type, region, country_code, national_number, segment, name, source,
    source_class, consent_class, consent_at, collected_at, is_duplicate``; missing optional
    columns count as empty). ``categories``: extra data categories present (``transaction``,
    ``communication``, ``location``, ``credit``, …) for the volume threshold.
    ``list_source``: the source this list is being registered under, if any (else its most
    common source value), compared with the registered lists' sources by LS015.
    ``registry``: when given, overlaps, exact copies and DU003 tokens are computed; a
    registry error is reported in the overlap signals' details, never raised.
    ``numbers``: rows may identify their number by ``number_key`` instead of carrying its
    columns; this table then maps ``number_key`` to ``phone_token``, ``country_code`` and
    ``national_number`` (``tokens``: the valid numbers' tokens, required then).
    ``name_counts``: rows per ``name`` (column ``k``) when ``rows`` carry no names.
    ``model``: the scoring model's version (:data:`MODELS`; default :data:`MODEL`).
    """
    model = model or MODEL
    if model not in MODELS:
        raise PolicyError("unknown purchased-list model {model!r} (known: {models})", model=model, models=", ".join(MODELS))
    policy = policy or DetectPolicy()
    facts, overlaps, du003 = list_facts(
        rows, policy=policy, registry=registry, input_sha256=input_sha256, timezone=timezone,
        source_windows=source_windows, categories=categories, list_source=list_source, tokens=tokens,
        numbers=numbers, name_counts=name_counts)
    if model == MODEL_V1:
        signals = tuple(sig.func(facts, policy, sig) for code, sig in SIGNALS.items() if code in V1_SIGNALS)
        score = score_signals(signals)
        return PurchasedResult(score=score, likely=score >= policy.likely_score, signals=signals,
                               overlaps=overlaps[: policy.overlap_top], du003_tokens=du003, facts=facts,
                               model=MODEL_V1)
    signals = tuple(sig.func(facts, policy, sig) for sig in SIGNALS.values())
    fitted = load_model(model)
    by_code = {s.code: s for s in signals}
    values = features(facts, by_code, model)
    score = fitted.probability(values)
    hard = [s for s in signals if s.hard and s.fired]
    extra = explain(fitted, values, by_code, facts, score=score, hard=hard)
    return PurchasedResult(score=score, likely=score >= fitted.threshold, signals=signals,
                           overlaps=overlaps[: policy.overlap_top], du003_tokens=du003, facts=facts,
                           model=fitted.version, extra=extra)


def list_facts(rows, *, policy: DetectPolicy, registry=None, input_sha256=None, timezone="Asia/Shanghai",
               source_windows=None, categories=(), list_source=None, tokens=None, numbers=None,
               name_counts=None):
    """The list's facts with its registry overlaps (``facts.overlaps``), the overlaps and the
    DU003 tokens (arguments as :func:`evaluate_list`)."""
    lf = rows.lazy()
    facts = collect_facts(lf, timezone=timezone, night_end_hour=policy.night_end_hour,
                          categories=categories, list_source=list_source,
                          source_windows=_windows(source_windows), numbers=numbers,
                          name_counts=name_counts)
    overlaps: list[dict] = []
    du003 = pl.Series("phone_token", [], dtype=pl.String)
    if registry is not None:
        list_toks = tokens if tokens is not None else list_tokens(lf)
        try:
            overlaps = find_overlaps(registry, list_toks, input_sha256=input_sha256, top=0)
            facts.overlaps = overlaps
            if any(m["shared"] for m in overlaps):
                all_toks = (numbers.get_column("phone_token") if numbers is not None else
                            lf.select(pl.col("phone_token").drop_nulls().unique()).collect(engine="streaming").to_series())
                du003 = all_toks.filter(registry.contains(all_toks))
        except RegistryError as exc:
            facts.overlap_error = f"registry unavailable ({exc.message})"
    return facts, overlaps, du003


def signal_values(facts, policy: DetectPolicy, model: str = MODEL
                  ) -> tuple[dict[str, SignalResult], dict[str, float | None]]:
    """Every signal of a list's facts and the inputs of ``model`` read from them (for
    fitting the model: ``evaluation/fit_model.py``)."""
    by_code = {code: sig.func(facts, policy, sig) for code, sig in SIGNALS.items()}
    return by_code, features(facts, by_code, model)
