"""PH rules: what the phone value itself says."""

from __future__ import annotations

import polars as pl

from scanner.rules.registry import rule

SERVICE_TYPES = ("TOLL_FREE", "PREMIUM_RATE", "SHARED_COST", "UAN", "VOICEMAIL")
SERVICE_SEGMENTS = ("sms-port", "service", "short-code", "toll-free")
PERSONAL_TYPES = ("MOBILE", "FIXED_LINE_OR_MOBILE")


def _parsed() -> pl.Expr:
    return pl.col("e164").is_not_null()


def _segment_in(*segments: str) -> pl.Expr:
    # Null-safe: a number outside every segment must read False, not null, under ~ and |.
    return pl.col("segment").is_in(segments).fill_null(False)


def _type_in(types) -> pl.Expr:
    return pl.col("type").is_in(types).fill_null(False)


def _service() -> pl.Expr:
    return _segment_in(*SERVICE_SEGMENTS) | (pl.col("valid") & _type_in(SERVICE_TYPES))


def non_personal() -> pl.Expr:
    """A number that is not a person's: a service number (by segment, or a valid number of a
    service type) or an IoT or relay number. The list signals count personal numbers by it
    too. A pager is a person's (phonenumbers' carrier lookup treats it as mobile)."""
    return _service() | _segment_in("iot", "relay")


@rule("PH001", "unparseable", "error", "no phone number in the value")
def unparseable() -> pl.Expr:
    """What it flags: a value with no phone number in it: empty, text, too short or too long.

    Why it matters: the row cannot be contacted and usually signals a broken export or
    a column mix-up; it must not reach the sending platform.

    Example: ``未知``, ``-``, ``123`` (too short for any CN number) and an empty cell
    are unparseable.
    """
    too_short_or_long = pl.col("length_status").is_in(("TOO_SHORT", "TOO_LONG")).fill_null(False)
    no_number = ~_parsed() | (too_short_or_long & ~non_personal())
    return no_number & ~pl.col("mangled") & ~pl.col("bad_record")


@rule("PH002", "invalid-number", "error", "parses but is not a valid number for its region")
def invalid_number() -> pl.Expr:
    """What it flags: a value that parses as a phone number but is not valid: no number
    range of its region matches (wrong length, unallocated prefix).

    Why it matters: invalid numbers cost money to send to and are typical of typed-in,
    fabricated or enumerated lists.

    Example: ``12345678901`` (CN: no 123 mobile range) is invalid; a number in a known
    service, IoT or relay segment gets PH005/PH009/PH011 instead.
    """
    too_short_or_long = pl.col("length_status").is_in(("TOO_SHORT", "TOO_LONG")).fill_null(False)
    return _parsed() & ~pl.col("valid") & ~too_short_or_long & ~non_personal()


@rule("PH003", "spreadsheet-mangled", "error", "scientific notation or similar: digits were lost")
def spreadsheet_mangled() -> pl.Expr:
    """What it flags: a value a spreadsheet turned into scientific notation that no longer
    shows every digit.

    Why it matters: the original number cannot be recovered; guessing would contact a
    stranger. Re-export the column as text.

    Example: ``1.38001E+10`` (the last digits are gone). ``1.3800138000E+10`` shows every
    digit and is repaired instead (PH010).
    """
    return pl.col("mangled")


@rule("PH004", "not-mobile", "warning", "not a mobile number while the campaign channel is sms")
def not_mobile(*, channel: str) -> pl.Expr:
    """What it flags: a valid number that is not a mobile number when the campaign sends SMS.

    Why it matters: landlines cannot receive SMS; sending wastes money and the number may
    belong to a business switchboard.

    Example: ``010-12345678`` (Beijing fixed line) in an ``sms`` campaign.
    """
    if channel != "sms":
        return pl.lit(False)
    return pl.col("valid") & ~_type_in(PERSONAL_TYPES) & ~non_personal()


@rule("PH005", "service-number", "error", "short codes, SMS sender ranges, 95/96 service, toll-free 400/800")
def service_number() -> pl.Expr:
    """What it flags: numbers that belong to services, not people: short codes (10086),
    SMS sender ports (106…), 95xxx/96xxx service numbers, 400/800 numbers and other
    toll-free, premium or shared-cost ranges.

    Why it matters: a marketing list with service numbers was scraped or padded; messages
    to them are wasted or hit a business.

    Example: ``95588``, ``10690123456789``, ``4008123123``.
    """
    return _service()


@rule("PH006", "foreign-number", "warning", "region outside the policy's allowed regions")
def foreign_number(*, allowed_regions: tuple[str, ...]) -> pl.Expr:
    """What it flags: a valid number whose region is not in ``campaign.allowed_regions``.

    Why it matters: other laws apply abroad (TCPA in the US, GDPR/ePrivacy in the EU,
    PECR in the UK), and international SMS costs more.

    Example: ``+1 650 253 0000`` in a CN-only campaign.
    """
    return pl.col("valid") & ~pl.col("region").is_in(list(allowed_regions)).fill_null(False)


@rule("PH007", "has-extension", "info", "an extension (转, 分机, ext, x, #) was split off")
def has_extension() -> pl.Expr:
    """What it flags: a number with an extension, which was split off.

    Why it matters: extensions mean a switchboard (a business line), and an SMS cannot
    reach an extension.

    Example: ``0571-87654321转8001``.
    """
    return pl.col("extension").is_not_null()


@rule("PH008", "virtual-operator", "info", "MVNO segment (e.g. CN 162/165/167/170/171)")
def virtual_operator() -> pl.Expr:
    """What it flags: a number in a virtual-operator (MVNO) segment.

    Why it matters: MVNO numbers are disproportionately used for throw-away sign-ups and
    fraud; many senders treat them with care.

    Example: ``17012345678``.
    """
    return pl.col("segment") == "mvno"


@rule("PH009", "iot-number", "error", "IoT / data-only segment, not a person")
def iot_number() -> pl.Expr:
    """What it flags: a number in an IoT or data-only segment (CN 13-digit 140/141/144/146/148, 1064).

    Why it matters: such numbers belong to devices; a marketing list containing them was
    generated or scraped.

    Example: ``1440012345678``.
    """
    return pl.col("segment") == "iot"


@rule("PH010", "repaired-format", "info", "a lossless artifact was repaired")
def repaired_format() -> pl.Expr:
    """What it flags: a value that needed a lossless repair before parsing: full-width
    digits, thousands separators, a ``.0`` float suffix, scientific notation that still
    shows every digit.

    Why it matters: nothing was lost, but the column went through a spreadsheet; check the
    rest of the export.

    Example: ``13800138000.0``, ``１３８００１３８０００``.
    """
    return pl.col("repaired")


@rule("PH011", "privacy-relay-number", "warning", "a platform privacy/relay number (e.g. CN 700 range)")
def privacy_relay_number() -> pl.Expr:
    """What it flags: a platform privacy / relay number (virtual numbers that delivery and
    ride platforms hand out to mask the real one).

    Why it matters: relay numbers in a marketing list mean it was scraped from logistics
    or delivery data; the person never gave that number for contact.

    Example: a number in the CN 700 relay range.
    """
    return pl.col("segment") == "relay"


@rule("PH012", "several-numbers-in-cell", "info", "the cell held more than one number; the first is the row's number")
def several_numbers_in_cell() -> pl.Expr:
    """What it flags: a cell holding more than one number, or a number with an annotation.

    Why it matters: only the first number is scanned; the others are unchecked contacts.

    Example: ``13800138000/13900139000``, ``13800138000 微信同号``.
    """
    return (pl.col("extra_numbers") > 0) | (pl.col("annotated") & pl.col("e164").is_not_null())
