"""The signal registry: each ``LS…`` signal is metadata (code, kebab-case name, one-line
summary, weight in the ``purchased/v1`` score, whether it is *hard*: it fails the list on its
own) plus a function from the list's facts to a :class:`SignalResult`."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class SignalResult:
    code: str
    name: str
    value: float | int | None
    threshold: float | int | None
    fired: bool
    detail: str
    weight: float
    hard: bool = False

    def as_dict(self) -> dict[str, Any]:
        value = round(self.value, 6) if isinstance(self.value, float) else self.value
        threshold = round(self.threshold, 6) if isinstance(self.threshold, float) else self.threshold
        return {"code": self.code, "name": self.name, "value": value, "threshold": threshold,
                "fired": self.fired, "detail": self.detail, "weight": self.weight, "hard": self.hard}


@dataclass(frozen=True)
class Signal:
    code: str
    name: str
    summary: str
    weight: float
    hard: bool
    func: Callable[..., SignalResult]
    #: ``stable`` or ``deprecated`` (a deprecated code is still computed and reported)
    status: str = "stable"
    #: computed from the list's facts (scored by :mod:`scanner.analyses.purchased`); else the
    #: scan computes it from its own stores (LS017, from the canary store)
    from_facts: bool = True
    #: it depends on the scanner's private state (registry, canary store), which a buyer of a
    #: certified list cannot re-check
    private_state: bool = False

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    def result(self, value, threshold, fired: bool, detail: str) -> SignalResult:
        return SignalResult(self.code, self.name, value, threshold, bool(fired), detail,
                            self.weight, self.hard)


#: The signals computed from the list's facts, in code order.
SIGNALS: dict[str, Signal] = {}
#: Every signal, those the scan computes from its own stores too (LS017), in code order.
ALL_SIGNALS: dict[str, Signal] = {}


def signal(code: str, name: str, summary: str, *, weight: float, hard: bool = False, status: str = "stable",
           from_facts: bool = True, private_state: bool = False):
    """Register a signal function under its code (codes are never reused)."""

    def register(func):
        if code in ALL_SIGNALS:
            raise ValueError(f"signal code {code} registered twice")
        sig = Signal(code, name, summary, weight, hard, func, status, from_facts, private_state)
        ALL_SIGNALS[code] = sig
        if from_facts:
            SIGNALS[code] = sig
        return func

    return register


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if x >= 0.001 or x == 0 else f"{100 * x:.2g}%"


def _judged_share(s: Signal, hits: int, judged: int, min_judged: int, threshold: float,
                  judged_what: str, hit_what: str) -> SignalResult:
    """A share-of-rows signal over the rows that carry the facts it needs."""
    if judged < min_judged:
        return s.result(None, threshold, False, f"not judged: {judged} {judged_what}")
    share = hits / judged
    return s.result(share, threshold, share >= threshold,
                    f"{hits:,} of {judged:,} rows ({_pct(share)}) {hit_what}; fires at {_pct(threshold)}")
