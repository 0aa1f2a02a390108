"""A list signal's value against its threshold as a message (:class:`scanner.i18n.Text`).

report.json keeps each signal's English ``detail``, which carries more than the figures;
another language says the signal with one template per code over its value and threshold
(report.html, the terminal summary, purchased/v2's explanation).
"""

from __future__ import annotations

from typing import Any

from scanner.i18n import N_, Text

#: How each list signal's value and threshold read.
SIGNAL_DETAILS = {
    "LS001": N_("{value} of rows hold no valid personal number; fires at {threshold}"),
    "LS002": N_("the fullest block of 10,000 numbers holds {value} of the list's numbers; a genuine list of "
                "this size allows up to {threshold}"),
    "LS003": N_("{value} pairs of consecutive numbers; fires from {threshold}"),
    "LS004": N_("{value} of consent times fall in identical-time groups larger than the arrival rate allows; "
                "fires at {threshold}"),
    "LS005": N_("{value} of the gaps between consent times are one and the same interval; fires at {threshold}"),
    "LS006": N_("{value} of consent times fall between midnight and dawn; fires at {threshold}"),
    "LS007": N_("{value} of rows consented more than a day after collection; fires at {threshold}"),
    "LS008": N_("{value} of rows consented before their source's start date; fires at {threshold}"),
    "LS009": N_("{value} of rows record no source; fires at {threshold}"),
    "LS010": N_("the most common source covers {value} of rows; fires at {threshold} for catch-all or "
                "unapproved sources"),
    "LS011": N_("{value} of names are empty or placeholders; fires at {threshold}"),
    "LS012": N_("{value} distinct valid numbers have no approved source; the threshold is {threshold}"),
    "LS013": N_("exact copy of a registered list: {value} (fires at {threshold})"),
    "LS014": N_("similarity with a registered list {value}; fires at {threshold}"),
    "LS015": N_("{value} of the list is inside a list registered from another source; fires at {threshold}"),
    "LS016": N_("{value} of the list is inside a list marked leaked; fires at {threshold}"),
    "LS017": N_("{value} canary numbers found; fires at {threshold}"),
}
#: Signals whose value and threshold are shares (shown as percentages).
SHARE_SIGNALS = frozenset({"LS001", "LS004", "LS005", "LS006", "LS007", "LS008", "LS009", "LS010", "LS011",
                           "LS014", "LS015", "LS016"})


def num(value: Any) -> str:
    """A figure as the pages show it (``–`` for none)."""
    if value is None or not isinstance(value, (int, float)):
        return "–" if value is None else str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"
    return f"{int(value):,}"


def pct(value: float | None) -> str:
    """A share as the pages show it (``12.3%``; ``–`` for none)."""
    if value is None or not isinstance(value, (int, float)):
        return "–"
    return f"{100 * value:.1f}%" if value >= 0.001 or value == 0 else f"{100 * value:.2g}%"


def detail_text(code: str, value: Any, threshold: Any) -> Text:
    """The signal ``code``'s value against its threshold."""
    if value is None:
        return Text("not judged: too little data for this signal")
    fmt = pct if code in SHARE_SIGNALS else num
    template = SIGNAL_DETAILS.get(code, N_("value {value}, threshold {threshold}"))
    return Text(template, value=fmt(value), threshold=fmt(threshold))
