"""length_status agrees with phonenumbers.is_possible_number_with_reason."""

import random

import phonenumbers
import polars as pl
from phonenumbers.phonenumberutil import ValidationResult

from scanner.phone.lengths import with_length_status

NAMES = {getattr(ValidationResult, n): n for n in dir(ValidationResult) if n.isupper()}


def test_length_status_matches_phonenumbers_for_every_region():
    rng = random.Random(7)
    rows = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for _ in range(12):
            digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 18)))
            try:
                number = phonenumbers.parse(digits, region)
            except phonenumbers.NumberParseException:
                continue
            rows.append((number.country_code, phonenumbers.national_significant_number(number),
                         NAMES[phonenumbers.is_possible_number_with_reason(number)]))
    frame = pl.DataFrame(rows, schema={"country_code": pl.Int32, "national_number": pl.String,
                                       "expected": pl.String}, orient="row")
    out = with_length_status(frame)
    assert out.height == frame.height > 1000
    assert out.filter(pl.col("expected") != pl.col("length_status")).height == 0


def test_unparsed_has_no_status():
    frame = pl.DataFrame({"country_code": [None], "national_number": [None]},
                         schema={"country_code": pl.Int32, "national_number": pl.String})
    assert with_length_status(frame).get_column("length_status").to_list() == [None]
