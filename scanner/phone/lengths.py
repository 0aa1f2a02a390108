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


def with_length_status(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``length_status`` (one of ``STATUSES``; null when unparsed) from country_code/national_number."""
    joined = frame.join(length_table(), on="country_code", how="left", maintain_order="left")
    n = pl.col("national_number").str.len_chars().cast(pl.Int32)
    possible = pl.col("_possible")
    status = (
        pl.when(pl.col("national_number").is_null()).then(pl.lit(None, dtype=pl.String))
        .when(possible.is_null()).then(pl.lit("INVALID_COUNTRY_CODE"))
        .when(pl.col("_local").list.contains(n)).then(pl.lit("IS_POSSIBLE_LOCAL_ONLY"))
        .when(possible.list.first() == n).then(pl.lit("IS_POSSIBLE"))
        .when(possible.list.first() > n).then(pl.lit("TOO_SHORT"))
        .when(possible.list.last() < n).then(pl.lit("TOO_LONG"))
        .when(possible.list.contains(n)).then(pl.lit("IS_POSSIBLE"))
        .otherwise(pl.lit("INVALID_LENGTH"))
    )
    return joined.with_columns(status.alias("length_status")).drop("_possible", "_local")
