"""The HTML page's charts: Vega-Lite specifications rendered to static SVG at scan time.

Each function takes report aggregates (never rows) and the page's translation function
and returns a Vega-Lite spec, or None when there is nothing to draw (the page then says
why). :func:`svg` renders a spec with vl-convert (Vega's own renderer, run in-process):
the page carries the SVG inline and needs no script to show it (README: dependencies).
"""

from __future__ import annotations

import re
import threading
from typing import Any, Callable

Spec = dict[str, Any]
Gettext = Callable[[str], str]

#: Colours by meaning, the same on every chart.
COLORS = {"accept": "#2e7d32", "review": "#f9a825", "reject": "#c62828", "error": "#c62828",
          "warning": "#f9a825", "info": "#607d8b", "main": "#1565c0", "null": "#9e9e9e"}
WIDTH = 560

#: Text is laid out by the renderer and drawn by the reader's browser, whose font may be
#: wider than the renderer's measure (DejaVu Sans, Linux's sans-serif, is): a label axis
#: keeps at least the room :func:`label_room` gives its labels, so none is cut off at the
#: chart's edge. (Measuring with the real fonts instead costs the renderer twice the time.)
FONT = "sans-serif"
FONT_SIZE = 11
#: Longest label of the bar charts (longer ones end in an ellipsis; the table below has them whole).
LABEL_LIMIT = 320


def label_room(labels: list[str]) -> int:
    """Pixels the longest of ``labels`` takes in a wide sans-serif (a Latin letter 0.62 em,
    a Chinese character 1 em), at most :data:`LABEL_LIMIT`, plus the tick and its gap."""
    def width(text: str) -> float:
        return sum(1.0 if ord(ch) > 0x2E80 else 0.62 for ch in text) * FONT_SIZE

    return int(min(LABEL_LIMIT, max((width(t) for t in labels), default=0))) + 8

_CONFIG = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": FONT_SIZE, "titleFontSize": 12, "labelLimit": LABEL_LIMIT},
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
}


def _spec(values: list[dict], body: Spec, *, height: int = 180, width: int = WIDTH) -> Spec:
    # a few pixels beside the measured labels, for a reader's font a little wider than the measure
    return {"data": {"values": values}, "width": width, "height": height, "config": _CONFIG,
            "background": "white", "padding": {"left": 12, "right": 5, "top": 5, "bottom": 5}, **body}


def verdict_bar(rows: dict[str, int], _: Gettext) -> Spec | None:
    """One stacked bar: the share of rows per verdict."""
    total = sum(rows.get(v, 0) for v in ("accept", "review", "reject"))
    if not total:
        return None
    labels = {"accept": _("accept"), "review": _("review"), "reject": _("reject")}
    values = [{"verdict": labels[v], "rows": rows.get(v, 0), "order": i}
              for i, v in enumerate(("accept", "review", "reject"))]
    return _spec(values, {
        "mark": {"type": "bar", "height": 28},
        "encoding": {
            "x": {"field": "rows", "type": "quantitative", "stack": "normalize",
                  "axis": {"format": "%", "title": None}},
            "color": {"field": "verdict", "type": "nominal", "title": None,
                      "scale": {"domain": list(labels.values()),
                                "range": [COLORS["accept"], COLORS["review"], COLORS["reject"]]}},
            "order": {"field": "order"},
        },
    }, height=40)


def findings_bar(findings: dict[str, int], rules: dict[str, dict], label: Callable[[str], str],
                 _: Gettext) -> Spec | None:
    """Rows per finding code, largest first, coloured by severity."""
    if not findings:
        return None
    sev = {"error": _("error"), "warning": _("warning"), "info": _("info")}
    values = [{"code": label(code), "rows": n, "severity": sev.get(rules.get(code, {}).get("severity"), "info")}
              for code, n in findings.items()]
    return _spec(values, {
        "mark": "bar",
        "encoding": {
            "y": {"field": "code", "type": "nominal", "sort": "-x", "title": None,
                  "axis": {"minExtent": label_room([v["code"] for v in values])}},
            "x": {"field": "rows", "type": "quantitative", "title": _("rows")},
            "color": {"field": "severity", "type": "nominal", "title": _("severity"),
                      "scale": {"domain": list(sev.values()),
                                "range": [COLORS["error"], COLORS["warning"], COLORS["info"]]}},
        },
    }, height=max(60, 18 * len(values)))


def age_histogram(age: dict[str, Any], _: Gettext) -> Spec | None:
    """Rows by consent age (days before the as-of date), the policy's limit marked."""
    rows = age.get("rows") or []
    if not sum(rows):
        return None
    step, limit = age["bin_days"], age["limit_days"]
    values = [{"from": i * step, "to": (i + 1) * step, "rows": n,
               "state": _("older than the limit") if i * step >= limit else _("within the limit")}
              for i, n in enumerate(rows)]
    return _spec(values, {"layer": [
        {"mark": "bar",
         "encoding": {
             "x": {"field": "from", "type": "quantitative", "bin": {"binned": True, "step": step},
                   "title": _("consent age (days before the scan date; last bar: older)")},
             "x2": {"field": "to"},
             "y": {"field": "rows", "type": "quantitative", "title": _("rows")},
             "color": {"field": "state", "type": "nominal", "title": None,
                       "scale": {"domain": [_("within the limit"), _("older than the limit")],
                                 "range": [COLORS["main"], COLORS["reject"]]}}}},
        {"data": {"values": [{"limit": limit, "label": _("policy limit: {days} days").format(days=limit)}]},
         "layer": [
             {"mark": {"type": "rule", "strokeDash": [4, 3], "color": "#000"},
              "encoding": {"x": {"field": "limit", "type": "quantitative"}}},
             {"mark": {"type": "text", "align": "left", "dx": 4, "dy": -4, "baseline": "top", "y": 0},
              "encoding": {"x": {"field": "limit", "type": "quantitative"}, "text": {"field": "label"}}}]},
    ]})


def hour_histogram(hours: list[int], _: Gettext) -> Spec | None:
    """Rows by local hour of the consent time (times of day only)."""
    if not sum(hours):
        return None
    values = [{"hour": h, "rows": n} for h, n in enumerate(hours)]
    return _spec(values, {
        "mark": {"type": "bar", "color": COLORS["main"]},
        "encoding": {
            "x": {"field": "hour", "type": "ordinal", "title": _("hour of day (policy time zone)")},
            "y": {"field": "rows", "type": "quantitative", "title": _("rows")},
        },
    }, height=150)


def gap_histogram(gaps: dict[str, Any], _: Gettext) -> Spec | None:
    """Gaps between consecutive consent times, on a log-like scale of bins."""
    counts = gaps.get("counts") or []
    if not sum(counts):
        return None
    names = [_("under 1 s"), _("1-10 s"), _("10 s-1 min"), _("1-10 min"), _("10 min-1 h"), _("1-6 h"),
             _("6-24 h"), _("1-7 days"), _("over 7 days")]
    values = [{"gap": names[i], "order": i, "gaps": n} for i, n in enumerate(counts)]
    return _spec(values, {
        "mark": {"type": "bar", "color": COLORS["main"]},
        "encoding": {
            "x": {"field": "gap", "type": "ordinal", "sort": names,
                  "title": _("gap between consecutive consent times"), "axis": {"labelAngle": 0}},
            "y": {"field": "gaps", "type": "quantitative", "title": _("gaps")},
        },
    }, height=150)


def sources_bar(provenance: dict[str, Any], _: Gettext) -> Spec | None:
    """Rows per source, split into approved, unapproved and purchase-indicating."""
    sources = list(provenance.get("sources") or [])
    if provenance.get("other"):
        sources.append({"source": _("(other sources)"), **provenance["other"]})
    if provenance.get("missing"):
        sources.append({"source": _("(no source)"), "rows": provenance["missing"], "approved": 0,
                        "unapproved": provenance["missing"], "purchase": 0})
    if not sources:
        return None
    kinds = [_("approved"), _("unapproved"), _("purchase-indicating")]
    values = []
    for s in sources:
        unapproved = s["unapproved"] - s["purchase"]
        for kind, n in zip(kinds, (s["approved"], unapproved, s["purchase"])):
            if n:
                values.append({"source": s["source"], "kind": kind, "rows": n})
    return _spec(values, {
        "mark": "bar",
        "encoding": {
            "y": {"field": "source", "type": "nominal", "sort": "-x", "title": None,
                  "axis": {"minExtent": label_room([v["source"] for v in values])}},
            "x": {"field": "rows", "type": "quantitative", "title": _("rows")},
            "color": {"field": "kind", "type": "nominal", "title": None,
                      "scale": {"domain": kinds, "range": [COLORS["accept"], COLORS["review"], COLORS["reject"]]}},
        },
    }, height=max(60, 22 * len(sources)))


def block_chart(blocks: dict[str, Any], _: Gettext) -> Spec | None:
    """Blocks of 10,000 numbers by how many of the list's numbers they hold: the list
    against a genuine list of the same size (bars: this list; points: genuine)."""
    bins = blocks.get("bins") or []
    if not bins:
        return None
    this, genuine = _("this list"), _("a genuine list of this size")
    values = []
    for i, b in enumerate(bins):
        label = str(b["from"]) if b["from"] == b["to"] else f"{b['from']}-{b['to']}"
        values.append({"bin": label, "order": i, "blocks": b["blocks"], "who": this})
        if b.get("expected") is not None:
            values.append({"bin": label, "order": i, "blocks": round(b["expected"], 2), "who": genuine})
    labels = list(dict.fromkeys(v["bin"] for v in values))  # in order: a sort by field is lost in layers
    x = {"field": "bin", "type": "ordinal", "sort": labels,
         "title": _("numbers of the list in one block of 10,000"), "axis": {"labelAngle": 0}}
    y = {"field": "blocks", "type": "quantitative", "title": _("blocks"), "scale": {"type": "symlog"}}
    color = {"field": "who", "type": "nominal", "title": None,
             "scale": {"domain": [this, genuine], "range": [COLORS["main"], "#000"]}}
    return _spec(values, {"layer": [
        {"transform": [{"filter": {"field": "who", "equal": this}}], "mark": "bar",
         "encoding": {"x": x, "y": y, "color": color}},
        {"transform": [{"filter": {"field": "who", "equal": genuine}}],
         "mark": {"type": "point", "filled": True, "size": 60, "shape": "diamond"},
         "encoding": {"x": x, "y": y, "color": color}},
    ]})


_lock = threading.Lock()
#: Characters XML cannot hold (C0 controls but tab and newlines, surrogates, U+FFFE/FFFF):
#: the renderer aborts the whole process on a label holding one (a source or header from a
#: hostile file), so they are replaced before it sees them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(value: Any) -> Any:
    """``value`` (a spec: dicts, lists, text) with every character XML cannot hold shown as U+FFFD."""
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    if isinstance(value, dict):
        return {xml_safe(k): xml_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    return value


def svg(spec: Spec) -> str:
    """The chart as an SVG element (no XML declaration, no script, no external reference)."""
    import vl_convert

    spec = xml_safe(spec)
    with _lock:  # one renderer, one chart at a time
        out = vl_convert.vegalite_to_svg(spec)
    return out[out.index("<svg"):]


def _samples(_: Gettext = str) -> list[Spec]:
    """One small chart of every kind the page draws."""
    return [s for s in (
        verdict_bar({"accept": 2, "review": 1, "reject": 1}, _),
        findings_bar({"CN001": 2, "PH001": 1}, {"CN001": {"severity": "error"}}, str, _),
        age_histogram({"bin_days": 61, "limit_days": 730, "rows": [1, 2, 0, 1]}, _),
        hour_histogram([1] * 24, _),
        gap_histogram({"counts": [0, 1, 2, 3, 4, 5, 6, 7, 8]}, _),
        sources_bar({"sources": [{"source": "a", "rows": 3, "approved": 1, "unapproved": 2, "purchase": 1}]}, _),
        block_chart({"bins": [{"from": 1, "to": 1, "blocks": 5, "expected": 4.0}]}, _),
    ) if s is not None]


_warming: list[threading.Thread] = []


def warm_up() -> threading.Thread:
    """Start the renderer in the background (once a process): its JavaScript engine's start
    and the first chart of each kind cost far more than the charts after them, so a scan
    draws one of each while the list is read (the command line) or its rows are written
    (the library), and builds its page quickly once the report is ready."""
    with _lock:
        if _warming:
            return _warming[0]

    def draw() -> None:
        from scanner.report.templating import templates

        templates()  # the template engine's import and the templates' compilation, too
        for spec in _samples():
            svg(spec)

    thread = threading.Thread(target=draw, name="contact-scanner-charts", daemon=True)
    with _lock:
        if _warming:
            return _warming[0]
        _warming.append(thread)
    thread.start()
    return thread
