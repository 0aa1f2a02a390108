"""Possible-length status of parsed numbers, vectorized from phonenumbers' metadata.

Mirrors ``phonenumbers.is_possible_number_with_reason`` (type UNKNOWN): the general
description's possible lengths of the country calling code's main region. PH001 uses it
to call a value "too short / too long" (no phone number in it) rather than merely invalid.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

STATUSES = ("IS_POSSIBLE", "IS_POSSIBLE_LOCAL_ONLY", "INVALID_COUNTRY_CODE", "TOO_SHORT",
            "TOO_LONG", "INVALID_LENGTH")


@lru_cache(maxsize=1)
def length_table() -> pl.DataFrame:
    """country_code -> possible lengths (sorted) and local-only lengths, from phonenumbers."""
    rows = []
    for cc in COUNTRY_CODE_TO_REGION_CODE:
        region = phonenumbers.region_code_for_country_code(cc)
        md = PhoneMetadata.metadata_for_region_or_calling_code(cc, region)
        if md is None:
            continue
        rows.append((cc, sorted(md.general_desc.possible_length), list(md.general_desc.possible_length_local_only)))
    return pl.DataFrame(rows, schema={"country_code": pl.Int32, "_possible": pl.List(pl.Int32),
                                      "_local": pl.List(pl.Int32)}, orient="row")


# national numbers longer than this share the status of this length (TOO_LONG everywhere:
# no region has a possible length near it)
_LENGTH_CAP = 63


def _status(n: int, possible: list[int], local: list[int]) -> str:
    """``is_possible_number_with_reason`` for a national number of length ``n``."""
    if n in local:
        return "IS_POSSIBLE_LOCAL_ONLY"
    if possible[0] == n:
        return "IS_POSSIBLE"
    if possible[0] > n:
        return "TOO_SHORT"
    if possible[-1] < n:
        return "TOO_LONG"
    return "IS_POSSIBLE" if n in possible else "INVALID_LENGTH"


@lru_cache(maxsize=1)
def _status_by_key() -> pl.DataFrame:
    """``country_code * 64 + length`` -> status, for every calling code phonenumbers has."""
    keys, statuses = [], []
    for cc, possible, local in length_table().iter_rows():
        if max(possible + local, default=0) >= _LENGTH_CAP:
            raise ValueError(f"calling code {cc}: possible length beyond {_LENGTH_CAP}")
        for n in range(_LENGTH_CAP + 1):
            keys.append(cc * (_LENGTH_CAP + 1) + n)
            statuses.append(_status(n, possible, local))
    return pl.DataFrame({"key": keys, "status": statuses}, schema={"key": pl.Int64, "status": pl.String})


def length_status_expr(country_code: pl.Expr, national_number: pl.Expr) -> pl.Expr:
    """``length_status`` (one of ``STATUSES``; null when unparsed) as one table lookup on
    (calling code, length)."""
    table = _status_by_key()
    n = national_number.str.len_chars().clip(0, _LENGTH_CAP).cast(pl.Int64)
    key = country_code.cast(pl.Int64) * (_LENGTH_CAP + 1) + n
    status = key.replace_strict(table.get_column("key"), table.get_column("status"),
                                default=pl.lit("INVALID_COUNTRY_CODE"), return_dtype=pl.String)
    return pl.when(national_number.is_not_null()).then(status.fill_null("INVALID_COUNTRY_CODE"))


def with_length_status(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``length_status`` (one of ``STATUSES``; null when unparsed) from country_code/national_number."""
    return frame.with_columns(
        length_status_expr(pl.col("country_code"), pl.col("national_number")).alias("length_status"))
