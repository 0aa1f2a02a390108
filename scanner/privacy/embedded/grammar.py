"""What a number embedded in text looks like: separators, the date, time and address shapes
that are never part of one, the tokens a text is cut into, and the fewest digits a valid
number needs (the cheap prefilter that keeps only values that may hold one)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata

#: Characters that may separate the digit groups of one number (inside a character class).
SEPARATOR_CHARS = (r"\s\-.()/\[\]~\u2010-\u2015\u2212\u30fc"
                   "\uff08\uff09\uff0d\uff0e\uff0f\uff3b\uff3d\uff5e")
SEPARATOR = f"[{SEPARATOR_CHARS}]"
#: Separator runs longer than this end a chain.
MAX_SEPARATOR_RUN = 3
PLUS = "[+\uff0b]"
_YEAR = r"(?:1[89]|20)\d\d"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_DATE_SEP = r"[-/.\uff0d\uff0f\uff0e]"
_TIME = r"(?:[ T]?[0-2]?\d(?::[0-5]\d){1,2}(?:\.\d+)?)?"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
#: A dotted-quad IPv4 address (``203.0.113.145`` is also a valid US number by its digits).
IPV4 = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"
#: Date, date-time and IPv4 shapes: one token each, never part of a number.
DATE_TIME = (
    rf"(?:{_YEAR}{_DATE_SEP}{_MONTH}{_DATE_SEP}{_DAY}{_TIME}"
    rf"|{_YEAR}年{_MONTH}月{_DAY}日?{_TIME}"
    rf"|{_DAY}{_DATE_SEP}{_MONTH}{_DATE_SEP}{_YEAR}{_TIME}"
    rf"|{_MONTH}{_DATE_SEP}{_DAY}{_DATE_SEP}{_YEAR}{_TIME}"
    rf"|{IPV4})"
)
#: One token of a text: a date, a digit group (with its ``+``), a separator run, anything
#: else. Every character belongs to exactly one token, so the tokens rebuild the text.
TOKEN = rf"{DATE_TIME}|{PLUS}?\d+|{SEPARATOR}+|[^\d+\uff0b{SEPARATOR_CHARS}]+|{PLUS}"
MAX_DIGITS = 24
#: A date where the tokens can start one: not inside a digit group, nor after a ``+``
#: (``+82-10-2000-0000`` holds ``2-10-2000``, which is no date there); replaced by
#: :data:`NO_DATE` it leaves the text a reader of tokens sees.
DATE_AT = rf"(^|[^\d+\uff0b]){DATE_TIME}"
NO_DATE = "${1}\x00"
#: A value that is one date or date-time and nothing else.
ONLY_DATE = rf"^\s*{DATE_TIME}\s*$"


@lru_cache(maxsize=None)
def min_digits(region: str | None) -> int:
    """The fewest digits a valid number can be written with under ``region``: with a ``+``,
    a calling code and the shortest national number of any region; without, the region's
    own shortest national number (other regions' numbers then need an IDD prefix too)."""
    def shortest(meta) -> int:
        lengths = [n for n in meta.general_desc.possible_length if n > 0]
        return min(lengths) if lengths else 99

    plus = min(len(str(PhoneMetadata.metadata_for_region(r).country_code))
               + shortest(PhoneMetadata.metadata_for_region(r)) for r in phonenumbers.SUPPORTED_REGIONS)
    meta = PhoneMetadata.metadata_for_region(region) if region else None
    return min(plus, shortest(meta)) if meta is not None else plus


MIN_DIGITS = min_digits("CN")


def chain_regex(min_n: int) -> str:
    """A chain of ``min_n`` digits (separators allowed between them)."""
    return rf"\d(?:{SEPARATOR}{{0,{MAX_SEPARATOR_RUN}}}\d){{{min_n - 1}}}"


def may_hold_number(values: pl.Series, region: str | None) -> pl.Series:
    """Whether each text value may hold an embedded number (a cheap, exact prefilter:
    False means it holds none): a chain of enough digits, outside dates. Cheap enough to run
    on every row: the regexes that need more than one pass run only on the values with a
    chain that are not simply a date."""
    chain = chain_regex(min_digits(region))
    hit = values.str.contains(chain).fill_null(False)
    if not hit.any():
        return hit
    at = hit.arg_true()
    texts = values.gather(at)
    undated = (~texts.str.contains(ONLY_DATE)).arg_true()
    keep = pl.repeat(False, texts.len(), eager=True).scatter(
        undated, texts.gather(undated).str.replace_all(DATE_AT, NO_DATE).str.contains(chain))
    return hit.scatter(at, keep)
