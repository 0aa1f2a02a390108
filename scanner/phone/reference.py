"""The reference parser: ``phonenumbers`` itself, one distinct value at a time.

Everything the fast path decides must equal what this module returns (differential
tests). It is also the fallback for values the fast path cannot decide.
"""

from __future__ import annotations

import phonenumbers
import polars as pl
from phonenumbers import PhoneNumberType

TYPE_NAMES = {
    getattr(PhoneNumberType, name): name
    for name in dir(PhoneNumberType)
    if name.isupper() and isinstance(getattr(PhoneNumberType, name), int)
}

PARSED_SCHEMA = {
    "e164": pl.String,
    "valid": pl.Boolean,
    "type": pl.String,
    "region": pl.String,
    "country_code": pl.Int32,
    "national_number": pl.String,
    "extension": pl.String,
}

UNPARSED = (None, False, None, None, None, None, None)


def parse_number(clean: str | None, region: str | None) -> phonenumbers.PhoneNumber | None:
    """``phonenumbers.parse(clean, region)``; None for a null value or a parse error."""
    if clean is None:
        return None
    try:
        return phonenumbers.parse(clean, region)
    except phonenumbers.NumberParseException:
        return None


def parse_one(clean: str | None, region: str | None) -> tuple:
    """Parse one precleaned value; a tuple in the order of ``PARSED_SCHEMA``."""
    number = parse_number(clean, region)
    if number is None:
        return UNPARSED
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.is_valid_number(number),
        TYPE_NAMES.get(phonenumbers.number_type(number), "UNKNOWN"),
        phonenumbers.region_code_for_number(number),
        number.country_code,
        phonenumbers.national_significant_number(number),
        number.extension or None,
    )


def parse_reference(clean: pl.Series, region: pl.Series) -> pl.DataFrame:
    """Parse aligned ``clean``/``region`` series (expected distinct pairs) with phonenumbers."""
    rows = [parse_one(c, r) for c, r in zip(clean.to_list(), region.to_list())]
    return pl.DataFrame(rows, schema=PARSED_SCHEMA, orient="row")
