"""Is this list bought, scraped, generated or a copy? ``list.purchased`` of report.json.

:func:`evaluate_list` computes every ``LS…`` signal (:mod:`scanner.analyses.signals`,
:mod:`scanner.analyses.signals.enumeration`) over the scan's row frame, looks the list up in
the registry, and scores it with a versioned model:

* :data:`MODEL` (``purchased/v4``, the default): a logistic regression over the signal
  values fitted on the labelled corpus (:mod:`scanner.analyses.model`); ``score`` is the
  probability that the list is purchased, ``likely`` means it reaches the threshold stored
  with the model (chosen for a stated false-alarm rate on genuine lists), and the result
  explains the strongest evidence and the innocent explanation it rules out
  (:mod:`scanner.analyses.explain`);
* ``purchased/v2`` and ``v3``: the earlier fitted models, each with its own inputs and
  file, kept so that certificates made under them re-scan to the same answer (signals they
  reported their own way, :data:`~scanner.analyses.signals.enumeration.EARLIER_READINGS`,
  are reported so again);
* ``purchased/v1``: the noisy-or of hand weights over the fired signals ``LS001``–``LS016``
  (``score = 1 - Π (1 - weight_i)``, ``likely = score >= DetectPolicy.likely_score``), kept
  so that certificates made under it re-scan to the same answer.

Hard signals (exact copy of a registered list, overlap with a leaked list, and the scan's
canary hits) fail the list whatever the score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import polars as pl

from scanner.analyses.overlap import find_overlaps, list_tokens, report_overlaps
from scanner.analyses.explain import explain
from scanner.analyses.model import MODEL_CURRENT, MODEL_V2, MODEL_V3, MODEL_V4, features, load_model
from scanner.analyses.signals import SIGNALS, ListFacts, SignalResult, collect_facts
from scanner.analyses.signals.enumeration import EARLIER_READINGS
from scanner.errors import PolicyError, RegistryError
from scanner.policy import DetectPolicy  # noqa: F401 (the thresholds the signals read)

if TYPE_CHECKING:  # pragma: no cover
    from scanner.registry.store import Registry

MODEL = MODEL_CURRENT
MODEL_V1 = "purchased/v1"
MODELS = (MODEL_V1, MODEL_V2, MODEL_V3, MODEL_V4)
#: The signals of ``purchased/v1`` (later signals are not computed under it).
V1_SIGNALS = tuple(f"LS{i:03d}" for i in range(1, 17))


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
    earlier = EARLIER_READINGS if model in (MODEL_V2, MODEL_V3) else {}
    signals = tuple(earlier.get(sig.code, sig.func)(facts, policy, sig) for sig in SIGNALS.values())
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
