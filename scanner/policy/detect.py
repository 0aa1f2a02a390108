"""The policy's ``[detect]`` table: thresholds of the purchased-list signals."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

from scanner.errors import PolicyError
from scanner.i18n import N_, Text


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
