"""Parse engine: decides e164/valid/type/region for precleaned values.

:func:`parse_clean` runs the vectorized engine (:mod:`scanner.phone.fast`, phonenumbers'
metadata compiled to polars expressions) and hands the residue it cannot decide exactly to
phonenumbers itself (:func:`parse_residue`: ``reference.parse_reference`` with the region lookup
shared), once per distinct value.
The answer is the same frame, in the same order, as ``parse_reference`` on all values; the
differential tests in ``tests/phone`` hold it to that.

:func:`stats` reports how many values took which path (cumulative since :func:`reset_stats`),
so benchmarks can measure the fallback share on realistic data.
"""

from __future__ import annotations

import threading

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata
from phonenumbers import phonenumberutil as pnu

from scanner.phone.fast import FALLBACK_REASONS, MIN_GROUP, fast_parse
from scanner.phone.reference import PARSED_SCHEMA, TYPE_NAMES, UNPARSED, parse_number

_lock = threading.Lock()
_stats: dict[str, int] = {}


def parse_clean(clean: pl.Series, region: pl.Series, *, min_group: int = MIN_GROUP) -> pl.DataFrame:
    """One row per (clean, region) input pair, columns of ``reference.PARSED_SCHEMA``.

    ``min_group`` only trades speed: groups of values (per default region, per calling code)
    smaller than it are parsed by phonenumbers directly; 0 forces the vectorized path wherever
    it applies (the differential tests use that).
    """
    return parse_clean_unordered(clean, region, min_group=min_group).sort("i").drop("i")


def parse_clean_unordered(clean: pl.Series, region: pl.Series, *, min_group: int = MIN_GROUP) -> pl.DataFrame:
    """:func:`parse_clean`'s rows in no particular order, with ``i`` (UInt32), the input
    position each row answers. For callers that reorder anyway (one gather instead of two)."""
    if len(clean) != len(region):
        raise ValueError("clean and region must have the same length")
    result = fast_parse(clean, region, min_group=min_group)
    parts = [result.decided]
    fb = result.fallback
    if fb.height:
        keys = fb.select("s", "r").unique(maintain_order=True)
        answers = pl.concat(
            [keys, parse_residue(keys.get_column("s"), keys.get_column("r"))], how="horizontal"
        )
        parts.append(
            fb.select("i", "s", "r")
            .join(answers, on=["s", "r"], how="left", nulls_equal=True)
            .drop("s", "r")
        )
    out = pl.concat([p.cast({"i": pl.UInt32, **PARSED_SCHEMA}) for p in parts], how="vertical")
    _record(result.counts)
    return out


def residue_one(clean: str | None, region: str | None) -> tuple:
    """``reference.parse_one`` with the number's region looked up once, not three times.

    ``is_valid_number`` and ``number_type`` each start with ``region_code_for_number``, which
    for a shared calling code (+1, +7, +44, ...) tests the number against every region of the
    code; here that region feeds ``is_valid_number_for_region`` and the type helper directly,
    the same steps phonenumbers takes after its own lookup.
    """
    number = parse_number(clean, region)
    if number is None:
        return UNPARSED
    own = phonenumbers.region_code_for_number(number)
    nsn = phonenumbers.national_significant_number(number)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(number.country_code, own)
    kind = pnu.PhoneNumberType.UNKNOWN if metadata is None else pnu._number_type_helper(nsn, metadata)
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.is_valid_number_for_region(number, own),
        TYPE_NAMES.get(kind, "UNKNOWN"),
        own,
        number.country_code,
        nsn,
        number.extension or None,
    )


def parse_residue(clean: pl.Series, region: pl.Series) -> pl.DataFrame:
    """:func:`residue_one` over aligned series: ``reference.parse_reference``'s answers."""
    rows = [residue_one(c, r) for c, r in zip(clean.to_list(), region.to_list())]
    return pl.DataFrame(rows, schema=PARSED_SCHEMA, orient="row")


def _record(counts: dict[str, int]) -> None:
    with _lock:
        for k, v in counts.items():
            _stats[k] = _stats.get(k, 0) + v


def stats() -> dict[str, float]:
    """Cumulative path counts: rows, parsed / unparsed (decided vectorized), fallback by reason,
    and ``fallback_share`` (fallback / rows)."""
    with _lock:
        out: dict[str, float] = dict(_stats)
    out.setdefault("rows", 0)
    out.setdefault("fallback", 0)
    for name in FALLBACK_REASONS.values():
        out.setdefault("fallback_" + name, 0)
    out["fallback_share"] = out["fallback"] / out["rows"] if out["rows"] else 0.0
    return out


def reset_stats() -> None:
    with _lock:
        _stats.clear()
