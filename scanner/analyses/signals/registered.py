"""Signals of the registry: copies of, and overlaps with, lists seen before (LS013–LS016)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.analyses.signals.facts import ListFacts
from scanner.analyses.signals.registry import Signal, SignalResult, _pct, signal

if TYPE_CHECKING:  # pragma: no cover
    from scanner.policy import DetectPolicy


def _not_judged_overlap(facts: ListFacts) -> str | None:
    if facts.overlap_error:
        return "not judged: " + facts.overlap_error
    if facts.overlaps is None:
        return "not judged: no registry"
    return None


def _same_source(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().lower() == b.strip().lower()


@signal("LS013", "copy-of-registered-list", "exact copy of a list already in the registry",
        weight=0.2, hard=True, private_state=True)
def exact_copy(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: the same file (sha256) or the same set of numbers as a registered list.

    Why it matters: importing a list already held duplicates contacts and hides where
    the copy came from; the same set under another vendor's name is a resold list.
    A hard signal: the list verdict fails.

    Example: a "new" vendor list whose numbers equal the 2025 expo list's.
    """
    why = _not_judged_overlap(facts)
    if why:
        return s.result(None, 1.0, False, why)
    exact = [m for m in facts.overlaps if m["exact"]]
    if not exact:
        return s.result(0, 1, False, "no registered list has the same file or the same numbers")
    m = exact[0]
    origin = f"source {m['source']!r}" if m.get("source") else "no recorded source"
    return s.result(1, 1, True, f"same {'file' if m.get('same_file') else 'numbers'} as registered list "
                    f"{m['list']!r} ({origin}, {m['shared']:,} numbers)")


@signal("LS014", "near-duplicate-of-registered", "nearly the same numbers as a registered list",
        weight=0.2, private_state=True)
def near_duplicate(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: Jaccard similarity with a registered list at or above
    ``near_duplicate_jaccard`` without being an exact copy.

    Why it matters: a list re-imported under a new name, or a copy with a few rows added
    or removed to defeat file hashes.

    Example: 97% Jaccard with last month's import.
    """
    why = _not_judged_overlap(facts)
    if why:
        return s.result(None, policy.near_duplicate_jaccard, False, why)
    best = max(facts.overlaps, key=lambda m: m["jaccard"], default=None)
    value = best["jaccard"] if best else 0.0
    fired = best is not None and not best["exact"] and value >= policy.near_duplicate_jaccard
    detail = (f"highest Jaccard similarity {_pct(value)} (with registered list {best['list']!r})" if best
              else "no registered list shares numbers with this one")
    return s.result(value, policy.near_duplicate_jaccard, fired,
                    detail + f"; fires at {_pct(policy.near_duplicate_jaccard)}")


@signal("LS015", "overlap-other-source", "largely contained in a list registered from another source",
        weight=0.7, private_state=True)
def overlap_other_source(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a large share of this list's numbers is inside a registered list that
    came from a different source (vendor, partner, event).

    Why it matters: the same people arriving from two unrelated sources means one of
    them resold the other's list.

    "This list's source" is the one it is registered under, else its most common source
    value; a registered list from the same input file is a re-import (LS013), not a resale.

    Example: 80% of a "partner" list's numbers are in a list bought from vendor X.
    """
    why = _not_judged_overlap(facts)
    if why:
        return s.result(None, policy.overlap_containment, False, why)
    others = [m for m in facts.overlaps
              if not m.get("same_file") and not _same_source(m.get("source"), facts.list_source)]
    best = max(others, key=lambda m: m["containment"], default=None)
    value = best["containment"] if best else 0.0
    fired = value >= policy.overlap_containment
    if best:
        origin = f"source {best['source']!r}" if best.get("source") else "no recorded source"
        detail = (f"{_pct(value)} of this list's numbers ({best['shared']:,}) are in registered list "
                  f"{best['list']!r} ({origin})")
    else:
        detail = "no registered list from another source shares numbers with this one"
    return s.result(value, policy.overlap_containment, fired,
                    detail + f"; fires at {_pct(policy.overlap_containment)}")


@signal("LS016", "overlap-leaked-list", "shares numbers with a list marked leaked", weight=0.9, hard=True,
        private_state=True)
def overlap_leaked(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a share of at least ``leaked_containment`` of this list's numbers is
    in a registered list marked ``leaked``.

    Why it matters: leaked data is circulated and sold; importing it uses personal
    information obtained unlawfully. A hard signal: the list verdict fails.

    Example: 12% of the numbers appear in a leaked courier dataset.
    """
    why = _not_judged_overlap(facts)
    if why:
        return s.result(None, policy.leaked_containment, False, why)
    leaked = [m for m in facts.overlaps if m["leaked"]]
    best = max(leaked, key=lambda m: m["containment"], default=None)
    value = best["containment"] if best else 0.0
    fired = best is not None and value >= policy.leaked_containment and best["shared"] >= policy.leaked_min_shared
    detail = (f"{_pct(value)} of this list's numbers ({best['shared']:,}) are in leaked list {best['list']!r}"
              if best else "no list marked leaked shares numbers with this one")
    return s.result(value, policy.leaked_containment, fired,
                    detail + f"; fires at {_pct(policy.leaked_containment)}")
