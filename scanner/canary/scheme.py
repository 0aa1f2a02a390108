"""The canary fingerprinting code: who gets which canary numbers, and who leaked.

A vendor controls a **pool** of real numbers (SIMs or virtual numbers it answers itself).
Every copy of a list it hands out carries ``N`` canaries from that pool, in two parts:

* **unique** canaries (``u = max(1, N // 4)``): fresh numbers never given to anyone else;
* **shared** canaries (``s = N - u``): a uniformly random ``s``-subset of a fixed *shared
  subpool* of ``M`` numbers, reserved at the first issue with ``M = ceil(s / p)`` and
  ``p = exp(-1 / c)``, where ``c`` is the design coalition size (default 3). Every later
  copy draws its own random ``s``-subset of the same subpool, so any two copies overlap in
  about ``p² M`` shared numbers, and a number sits in about a fraction ``p`` of all copies.

Detection, for the set ``F`` of canary numbers found in a scanned list:

1. **One leaker (certainty).** A unique canary in ``F`` names its recipient with
   confidence 1: only that copy ever held the number, and the vendor controls it. Even a
   leak of a small part of the list usually carries one (each unique canary survives a
   random 10 % sample with probability 0.1, so ``u`` of them fail together with 0.9^u).
2. **Coalitions (a trace).** Recipients who compare copies can spot and strip canaries
   that differ between them (the "marking assumption"). The strongest such attack keeps
   only numbers present in *every* copy of the coalition: all unique canaries vanish, and
   the shared canaries common to all ``c'`` copies survive — about ``k ≈ M·(s/M)^c'`` of
   them (``≈ s/(p·e)`` at the design size ``c' = c``). Every coalition member holds all ``k``;
   an innocent recipient's random subset is independent of ``F``, so the number of found
   shared canaries it holds is hypergeometric ``X ~ H(M, s_r, k)``. A recipient holding
   ``m`` of them is scored by the tail ``t = P[X ≥ m]`` (the chance that an innocent would
   match at least that well) and named with confidence ``1 − min(1, (R − 1)·t)`` over the
   ``R`` recipients (a union bound: the chance that *any* innocent matches that well). A
   weaker attack (dropping only numbers found in a single copy) leaves more canaries and
   the same scoring applies with ``m < k``.

**Tolerated coalition size.** At the design size the innocents' tail is about
``p^k = exp(−k / c)``, so a member of a coalition of ``c`` is named with confidence at least
``1 − (R − 1)·exp(−s / (p·e·c))``: for 99 % confidence the shared part needs
``s ≥ p·e·c·ln(100 (R − 1))`` — e.g. ``c = 3`` and ``R = 10`` recipients need ``s ≈ 40``
shared canaries per copy (``N ≈ 54``), ``c = 2`` needs ``s ≈ 23`` (``N ≈ 31``).
:func:`tolerated_coalition` computes, for the actual ``M``, ``s`` and ``R``, the largest
coalition whose expected survivors still name a member with the target confidence; the
CLI prints it at every issue. Larger coalitions still usually leave a trace (survivors
``> 0`` and a reduced confidence), but not a certain name; a coalition that strips *every*
number not in the original master list is undetectable by any canary scheme.

Everything here works on keyed tokens; the plaintext numbers live only in the vendor's pool
file and the out file it inserts into a copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SCHEME = "random-overlap/v1"
DEFAULT_COALITION = 3
NAME_CONFIDENCE = 0.99


def inclusion_probability(coalition: int) -> float:
    """``p = exp(-1/c)``: the share of copies a shared canary sits in (optimal for ``c``)."""
    return math.exp(-1.0 / coalition)


def split(count: int, *, shared_per_copy: int | None = None) -> tuple[int, int]:
    """(unique, shared) canaries for a copy of ``count``; the shared part is capped by the
    scheme's ``shared_per_copy`` once the subpool exists."""
    if count < 2:
        raise ValueError("a copy needs at least 2 canaries (one unique, one shared)")
    unique = max(1, count // 4)
    shared = count - unique
    if shared_per_copy is not None:
        shared = min(shared, shared_per_copy)
        unique = count - shared
    return unique, shared


def subpool_size(shared: int, coalition: int) -> int:
    """``M = ceil(s / p)``, at least ``s + 1`` so copies differ."""
    return max(shared + 1, math.ceil(shared / inclusion_probability(coalition)))


def hypergeom_tail(population: int, successes: int, draws: int, at_least: int) -> float:
    """``P[X ≥ at_least]`` for ``X ~ Hypergeometric(population, successes, draws)``."""
    if at_least <= 0:
        return 1.0
    total = math.comb(population, draws)
    if total == 0:
        return 0.0
    upper = min(successes, draws)
    hits = sum(math.comb(successes, x) * math.comb(population - successes, draws - x)
               for x in range(at_least, upper + 1))
    return hits / total


def confidence_from_tail(tail: float, recipients: int) -> float:
    return max(0.0, 1.0 - max(0, recipients - 1) * tail)


def tolerated_coalition(subpool: int, shared: int, recipients: int, *,
                        target: float = NAME_CONFIDENCE, limit: int = 12) -> int:
    """Largest coalition size whose expected common shared canaries name a member with
    ``target`` confidence (0 when not even one leaker is covered by the shared part)."""
    best = 0
    for size in range(1, limit + 1):
        survivors = math.floor(subpool * (shared / subpool) ** size)
        if survivors < 1:
            break
        tail = hypergeom_tail(subpool, shared, survivors, survivors)
        if confidence_from_tail(tail, max(recipients, size + 1)) < target:
            break
        best = size
    return best


@dataclass(frozen=True)
class Assignment:
    """One recipient's canaries, as tokens."""

    recipient: str
    issued: str
    unique: frozenset[str]
    shared: frozenset[str]

    @property
    def count(self) -> int:
        return len(self.unique) + len(self.shared)


@dataclass(frozen=True)
class Hit:
    """A recipient whose canaries were found; ``confidence`` in 0..1 that the list leaked
    from this recipient's copy (alone or in a coalition)."""

    recipient: str
    matched: int
    expected: int
    unique_matched: int
    shared_matched: int
    confidence: float
    certain: bool

    @property
    def named(self) -> bool:
        return self.certain or self.confidence >= NAME_CONFIDENCE

    def as_dict(self) -> dict:
        return {
            "recipient": self.recipient, "matched": self.matched, "expected": self.expected,
            "unique_matched": self.unique_matched, "shared_matched": self.shared_matched,
            "confidence": round(self.confidence, 4),
            "confidence_bp": int(round(self.confidence * 10_000)),
            "certain": self.certain, "named": self.named,
        }


def score(found: set[str], assignments: list[Assignment], subpool: frozenset[str]) -> list[Hit]:
    """Hits for every recipient holding at least one found canary, most likely first."""
    found_shared = found & subpool
    k = len(found_shared)
    recipients = len(assignments)
    hits = []
    for a in assignments:
        unique_matched = len(found & a.unique)
        shared_matched = len(found_shared & a.shared)
        if unique_matched == 0 and shared_matched == 0:
            continue
        if unique_matched:
            confidence, certain = 1.0, True
        else:
            tail = hypergeom_tail(len(subpool), len(a.shared), k, shared_matched)
            confidence, certain = confidence_from_tail(tail, recipients), False
        hits.append(Hit(a.recipient, unique_matched + shared_matched, a.count, unique_matched,
                        shared_matched, confidence, certain))
    hits.sort(key=lambda h: (-h.confidence, -h.matched, h.recipient))
    return hits
