"""Why ``purchased/v2`` called a list likely purchased, or did not hold a pattern against it.

The model's log-odds is a sum of per-input contributions (:meth:`Model.contributions`);
summed per signal they rank the evidence. The explanation names the strongest evidence in
plain words with its figures and the innocent explanation it rules out; for a list that is
not likely purchased, each suspicious pattern that fired (runs, dense blocks, consent-time
patterns) is named with why it was not held against the list. Figures are counts and
shares only, never a number or a block.
"""

from __future__ import annotations

from typing import Any, Mapping

from scanner.analyses.model import FEATURES, Model, not_judged_reason
from scanner.analyses.signals import ListFacts, SignalResult, _pct

NUMBER_SIGNALS = ("LS002", "LS003", "LS018", "LS019", "LS020", "LS022")
CONSENT_SIGNALS = ("LS004", "LS005", "LS006", "LS007", "LS008", "LS023", "LS024")
ORGANISATIONS = "organisational SIM batches, family plans or a shop's own city"


def _runs_text(facts: ListFacts) -> str:
    c = facts.clusters
    if c["runs"]:
        return (f"{c['runs']:,} runs of consecutive numbers (median length {c['run_median']:g}, longest "
                f"{c['run_longest']:,}) hold {_pct(c['run_numbers'] / max(c['numbers'], 1))} of the list in "
                f"{c['run_blocks']:,} block(s)")
    return "the list has no runs of consecutive numbers"


def _numbers_evidence(facts: ListFacts, res: Mapping[str, SignalResult]) -> str:
    c = facts.clusters
    if c["dense_clusters"] and c["dense_gap1"] is not None and c["dense_gap1"] < 0.8 \
            and c["dense_numbers"] >= 0.2 * c["numbers"]:
        return (f"{_pct(c['dense_numbers'] / max(c['numbers'], 1))} of the list sits in dense stretches filled to "
                f"{_pct(c['dense_fill'])} with gaps at random, as an empty-number check leaves an enumerated range; "
                "organisations hold contiguous ranges, not thinned ones")
    if c["runs"]:
        return _runs_text(facts) + f", far beyond what {ORGANISATIONS} produce"
    dense = facts.extra.get("dense_numbers", 0)
    return (f"{dense:,} of {facts.distinct:,} numbers sit in a few number blocks, far more than a genuine list of "
            f"this size and spread, including {ORGANISATIONS}, puts there")


def _evidence(code: str, facts: ListFacts, res: Mapping[str, SignalResult]) -> str:
    r = res.get(code)
    if code in NUMBER_SIGNALS:
        return _numbers_evidence(facts, res)
    if code == "LS021":
        cmp_ = facts.clusters["compare"]
        parts = {k: cmp_[k][1] for k in ("sources", "times", "clock", "stamped", "names") if cmp_.get(k)}
        what = min(parts, key=parts.get)
        label = {"sources": "sources", "times": "consent dates", "clock": "consent times of day",
                 "stamped": "whether consent was recorded", "names": "names"}[what]
        p = parts[what]
        return (f"the {cmp_['rows']:,} rows of clustered numbers differ from the rest in their {label} "
                f"({'p < 1e-30' if p < 1e-30 else f'p = {p:.1g}'}): colleagues or family members sign up like "
                "everyone else, a padded-in block arrives with its own")
    if code in ("LS006", "LS023"):
        night = res["LS006"].value
        return (f"consent times are spread over the clock ({_pct(night or 0)} at night, hours at "
                f"{_pct(res['LS023'].value or 0)} of an even spread), while people, even on a busy day, sign up by day")
    if code == "LS024":
        c = facts.consent
        return (f"consents are spread over {c['span_days']:,} days as evenly as a script's random times (daily "
                f"variance / mean {c['dispersion']:.2f}, {r.value:.1f} standard errors below the steadiest genuine "
                "sign-ups), without the bursts of campaigns, weekends and seasons that real sign-ups show")
    if code in ("LS004", "LS005"):
        return r.detail.split("; fires")[0] + ", more than a busy sign-up day produces"
    if code in ("LS009", "LS010", "LS012"):
        return r.detail.split("; fires")[0] + ": a business's own list records where its contacts came from"
    if code == "LS011":
        return r.detail.split("; fires")[0] + ": a business knows its customers' names"
    if code in ("LS014", "LS015"):
        return r.detail.split("; fires")[0] + ": the same people from another source is a resold list, not a re-import"
    return r.detail.split("; fires")[0] if r else code


def explain(model: Model, values: Mapping[str, float | None], res: Mapping[str, SignalResult], facts: ListFacts,
            *, score: float, hard: list[SignalResult]) -> dict[str, Any]:
    """The v2 result's extra fields: threshold, judged inputs, contributions per signal,
    the explanation and the patterns not held against the list."""
    contrib = model.contributions(values)
    by_signal: dict[str, float] = {}
    for name, v in contrib.items():
        code = FEATURES[name][0]
        by_signal[code] = by_signal.get(code, 0.0) + v
    judged = sorted({FEATURES[n][0] for n, v in values.items() if v is not None})
    not_judged = {code: not_judged_reason(facts, res[code])
                  for code in sorted({FEATURES[n][0] for n in values}) if code not in judged}
    likely = score >= model.threshold
    head = f"probability {score:.2f}; likely from {model.threshold:.2f}"
    if hard:
        text = (f"The list fails on {hard[0].code} ({hard[0].name}): {hard[0].detail.split('; fires')[0]}; "
                f"decisive whatever the score ({head}).")
    elif likely:
        top = sorted(((v, c) for c, v in by_signal.items() if v > 0), reverse=True)
        first = _evidence(top[0][1], facts, res) if top else "the signals together"
        text = f"Likely purchased ({head}): {first}."
        if len(top) > 1 and top[1][0] > 1.0 and (top[1][1] in NUMBER_SIGNALS) != (top[0][1] in NUMBER_SIGNALS):
            text += f" Also, {_evidence(top[1][1], facts, res)}."
    else:
        text = f"Not likely purchased ({head})."
    held_off = []
    if not likely:
        fired_numbers = [c for c in NUMBER_SIGNALS + ("LS021",) if res[c].fired]
        if fired_numbers:
            cmp_ = facts.clusters.get("compare", {})
            if not cmp_.get("judged"):
                rows = ""
            elif res["LS021"].fired:
                rows = (", and the clustered rows, though they differ from the rest, sit a few to a block "
                        "as a partner's or an era's customers do, not packed as a bought range")
            else:
                rows = ", and the clustered rows look like the rest"
            held_off.append(f"Consecutive numbers and dense blocks ({', '.join(fired_numbers)}) were not held "
                            f"against the list: {_runs_text(facts)}, as {ORGANISATIONS} make them{rows}.")
        fired_consent = [c for c in CONSENT_SIGNALS if res[c].fired]
        if fired_consent:
            held_off.append(f"Consent-time patterns ({', '.join(fired_consent)}) were weighed with the rest of the "
                            "evidence and did not make the list likely purchased on their own.")
    return {"threshold": model.threshold, "false_alarm_target": model.doc.get("false_alarm_target"),
            "explanation": text, "not_held_against": " ".join(held_off) or None,
            "judged": {"signals": judged, "not_judged": not_judged,
                       "weight_share": round(model.judged_weight(values), 4)},
            "by_signal": by_signal}
