"""The canary signal (LS017): computed by the scan from its canary store, not from the list's
facts (:func:`scanner.canary.canary.canary_signal` builds its report entry)."""

from __future__ import annotations

from scanner.analyses.signals.registry import ALL_SIGNALS, Signal, signal


@signal("LS017", "canary-hit", "a canary number issued to a recipient is in the list (hard)", weight=0.0,
        hard=True, from_facts=False, private_state=True)
def canary_hit(matched: int) -> bool:
    """What it flags: a list that holds canary numbers: numbers issued (``canary issue``) into
    a copy of a list handed to one recipient. It fires on any canary found.

    Why it matters: a canary in a list means the list is (part of) a copy handed to a
    recipient, passed on or leaked. A hard signal: the list verdict fails and the list is
    marked likely purchased.

    Example: a "fresh" vendor list holds 3 of the canary numbers issued into the copy given
    to partner A.
    """
    return matched > 0


CANARY: Signal = ALL_SIGNALS["LS017"]
