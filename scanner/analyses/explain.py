"""Why a fitted model (``purchased/v2`` and later) called a list likely purchased, or did not
hold a pattern against it.

The model's log-odds is a sum of per-input contributions (:meth:`Model.contributions`);
summed per signal they rank the evidence. The explanation names the strongest evidence in
plain words with its figures and the innocent explanation it rules out; for a list that is
not likely purchased, each suspicious pattern that fired (runs, dense blocks, consent-time
patterns) is named with why it was not held against the list. Figures are counts and
shares only, never a number or a block.
"""

from __future__ import annotations

from typing import Any, Mapping

from scanner.analyses.model import Model, not_judged_reason
from scanner.analyses.signal_words import detail_text
from scanner.analyses.signals import ListFacts, SignalResult, _pct
from scanner.i18n import Joined, Said, Text

NUMBER_SIGNALS = ("LS002", "LS003", "LS018", "LS019", "LS020", "LS022")
CONSENT_SIGNALS = ("LS004", "LS005", "LS006", "LS007", "LS008", "LS023", "LS024")
ORGANISATIONS = Text("organisational SIM batches, family plans or a shop's own city")
#: A dense stretch this long reads mostly as a number segment on the model's grid
#: (:data:`scanner.analyses.clusters.GRID_SIZES`), not as an organisation's range.
SEGMENT_STRETCH = 2048
#: What the clustered rows of LS021 differ from the rest in.
COMPARED = {"sources": Text("sources"), "times": Text("consent dates"), "clock": Text("consent times of day"),
            "stamped": Text("whether consent was recorded"), "names": Text("names")}

# The sentences are messages (scanner.i18n.Text): report.json keeps their English, and
# with ``explanation_text`` their templates and values, so a page in another language
# says them in its own words.


def _detail(r: SignalResult) -> Said:
    """A signal's own detail (its English, before the threshold) as a message."""
    return Said(r.detail.split("; fires")[0], detail_text(r.code, r.value, r.threshold))


def _runs_text(facts: ListFacts) -> Text:
    c = facts.clusters
    if c["runs"]:
        return Text("{runs:,} runs of consecutive numbers (median length {median:g}, longest {longest:,}) hold "
                    "{share} of the list in {blocks:,} block(s)", runs=c["runs"], median=c["run_median"],
                    longest=c["run_longest"], share=_pct(c["run_numbers"] / max(c["numbers"], 1)),
                    blocks=c["run_blocks"])
    return Text("the list has no runs of consecutive numbers")


def _holes_text(facts: ListFacts) -> Text | str:
    """How the dense stretches are filled, when they look like organisations' ranges (most
    steps to the very next number): the reason runs are not held against a list."""
    c = facts.clusters
    # below 80% of steps LS022 calls them thinned; with no hole at all they are what an
    # enumerated range is, and say nothing for the list
    if not c["dense_clusters"] or c["dense_gap1"] is None or not 0.8 <= c["dense_gap1"] < 0.99:
        return ""
    return Text("; its dense stretches are filled to {fill} with the odd hole, as staff who left leave a company's "
                "range, not thinned at random as an empty-number check leaves one", fill=_pct(c["dense_fill"]))


def _numbers_evidence(facts: ListFacts, res: Mapping[str, SignalResult]) -> Text:
    c = facts.clusters
    if c["dense_clusters"] and c["dense_gap1"] is not None and c["dense_gap1"] < 0.8 \
            and c["dense_numbers"] >= 0.2 * c["numbers"]:
        return Text("{share} of the list sits in dense stretches filled to {fill} with gaps at random, as an "
                    "empty-number check leaves an enumerated range; organisations hold contiguous ranges, not "
                    "thinned ones", share=_pct(c["dense_numbers"] / max(c["numbers"], 1)), fill=_pct(c["dense_fill"]))
    if c["dense_largest"] >= SEGMENT_STRETCH and c["dense_numbers"] >= 0.2 * c["numbers"]:
        return Text("{share} of the list sits in dense stretches up to {largest:,} numbers long, filled to {fill}: "
                    "the length of a scanned number segment, while organisations' SIM batches are sized to their "
                    "staff", share=_pct(c["dense_numbers"] / max(c["numbers"], 1)), largest=c["dense_largest"],
                    fill=_pct(c["dense_fill"]))
    if c["runs"]:
        return Text("{runs}, far beyond what {organisations} produce", runs=_runs_text(facts),
                    organisations=ORGANISATIONS)
    return Text("{dense:,} of {distinct:,} numbers sit in a few number blocks, far more than a genuine list of this "
                "size and spread, including {organisations}, puts there", dense=facts.extra.get("dense_numbers", 0),
                distinct=facts.distinct, organisations=ORGANISATIONS)


def _evidence(code: str, facts: ListFacts, res: Mapping[str, SignalResult]) -> Text | str:
    r = res.get(code)
    if code in NUMBER_SIGNALS:
        return _numbers_evidence(facts, res)
    if code == "LS021":
        cmp_ = facts.clusters["compare"]
        parts = {k: cmp_[k][1] for k in ("sources", "times", "clock", "stamped", "names") if cmp_.get(k)}
        what = min(parts, key=parts.get)
        p = parts[what]
        shown = "p < 1e-30" if p < 1e-30 else f"p = {p:.1g}"
        return Text("the {rows:,} rows of clustered numbers differ from the rest in their {label} ({p}): colleagues "
                    "or family members sign up like everyone else, a padded-in block arrives with its own",
                    rows=cmp_["rows"], label=COMPARED[what], p=shown)
    if code in ("LS006", "LS023"):
        return Text("consent times are spread over the clock ({night} at night, hours at {even} of an even spread), "
                    "while people, even on a busy day, sign up by day", night=_pct(res["LS006"].value or 0),
                    even=_pct(res["LS023"].value or 0))
    if code == "LS024":
        c = facts.consent
        return Text("consents are spread over {days:,} days as evenly as a script's random times (daily variance / "
                    "mean {dispersion:.2f}, {below:.1f} standard errors below the steadiest genuine sign-ups), "
                    "without the bursts of campaigns, weekends and seasons that real sign-ups show",
                    days=c["span_days"], dispersion=c["dispersion"], below=r.value)
    if code in ("LS004", "LS005"):
        return Text("{detail}, more than a busy sign-up day produces", detail=_detail(r))
    if code in ("LS009", "LS010", "LS012"):
        return Text("{detail}: a business's own list records where its contacts came from", detail=_detail(r))
    if code == "LS011":
        return Text("{detail}: a business knows its customers' names", detail=_detail(r))
    if code in ("LS014", "LS015"):
        return Text("{detail}: the same people from another source is a resold list, not a re-import",
                    detail=_detail(r))
    return _detail(r) if r else code


def explain(model: Model, values: Mapping[str, float | None], res: Mapping[str, SignalResult], facts: ListFacts,
            *, score: float, hard: list[SignalResult]) -> dict[str, Any]:
    """The v2 result's extra fields: threshold, judged inputs, contributions per signal,
    the explanation and the patterns not held against the list."""
    contrib = model.contributions(values)
    by_signal: dict[str, float] = {}
    for name, v in contrib.items():
        code = model.signal_of(name)
        by_signal[code] = by_signal.get(code, 0.0) + v
    judged = sorted({model.signal_of(n) for n, v in values.items() if v is not None})
    not_judged = {code: not_judged_reason(facts, res[code])
                  for code in sorted({model.signal_of(n) for n in values}) if code not in judged}
    likely = score >= model.threshold
    head = Text("probability {score:.2f}; likely from {threshold:.2f}", score=score, threshold=model.threshold)
    if hard:
        text = Text("The list fails on {code} ({name}): {detail}; decisive whatever the score ({head}).",
                    code=hard[0].code, name=hard[0].name, detail=_detail(hard[0]), head=head)
    elif likely:
        top = sorted(((v, c) for c, v in by_signal.items() if v > 0), reverse=True)
        first = _evidence(top[0][1], facts, res) if top else Text("the signals together")
        text = Text("Likely purchased ({head}): {evidence}.", head=head, evidence=first)
        if len(top) > 1 and top[1][0] > 1.0 and (top[1][1] in NUMBER_SIGNALS) != (top[0][1] in NUMBER_SIGNALS):
            text = Text("{text} Also, {evidence}.", text=text, evidence=_evidence(top[1][1], facts, res))
    else:
        text = Text("Not likely purchased ({head}).", head=head)
    held_off = []
    if not likely:
        fired_numbers = [c for c in NUMBER_SIGNALS + ("LS021",) if res[c].fired]
        if fired_numbers:
            cmp_ = facts.clusters.get("compare", {})
            if not cmp_.get("judged"):
                rows = ""
            elif res["LS021"].fired:
                rows = Text(", and the clustered rows, though they differ from the rest, sit a few to a block "
                            "as a partner's or an era's customers do, not packed as a bought range")
            else:
                rows = Text(", and the clustered rows look like the rest")
            held_off.append(Text("Consecutive numbers and dense blocks ({codes}) were not held against the list: "
                                 "{runs}, as {organisations} make them{rows}.", codes=", ".join(fired_numbers),
                                 runs=_runs_text(facts), organisations=ORGANISATIONS,
                                 rows=Joined("", [holes, rows]) if (holes := _holes_text(facts)) else rows))
        fired_consent = [c for c in CONSENT_SIGNALS if res[c].fired]
        if fired_consent:
            held_off.append(Text("Consent-time patterns ({codes}) were weighed with the rest of the evidence and "
                                 "did not make the list likely purchased on their own.", codes=", ".join(fired_consent)))
    held = Joined(" ", held_off) if held_off else None
    return {"threshold": model.threshold, "false_alarm_target": model.doc.get("false_alarm_target"),
            "explanation": str(text), "not_held_against": str(held) if held else None,
            "explanation_text": text.to_json(), "not_held_against_text": held.to_json() if held else None,
            "judged": {"signals": judged, "not_judged": not_judged,
                       "weight_share": round(model.judged_weight(values), 4)},
            "by_signal": by_signal}
