"""``--suppress FILE``: files of real numbers (any format the ingest reads) or of phone tokens.

A token file is what ``suppress export`` writes, a column of ``rows.parquet``'s
``phone_token`` saved as CSV, or ``rows.parquet`` itself: one column whose values are all
32-hex tokens (a header above them allowed). Such a file suppresses without a number ever
being revealed; any other file is read as a contact list and its phone columns normalized.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

import polars as pl

from scanner.errors import InputError
from scanner.policy import Policy
from scanner.privacy.tokens import TOKEN_PATTERN

_TOKEN = re.compile(TOKEN_PATTERN)
_PARQUET = b"PAR1"


def _token_column(frame: pl.DataFrame) -> pl.Series | None:
    """The tokens of ``frame``'s first column made of 32-hex tokens (a header line allowed)."""
    for name in frame.columns:
        values = frame.get_column(name).cast(pl.String).str.strip_chars().str.to_lowercase().drop_nulls()
        values = values.filter(values.str.len_bytes() > 0)
        if not values.len():
            continue
        hexes = values.str.contains(_TOKEN.pattern)
        body = values.slice(1) if not hexes[0] else values
        if body.len() and bool(body.str.contains(_TOKEN.pattern).all()):
            return body
    return None


def read_tokens(path: str | os.PathLike) -> pl.Series | None:
    """The tokens of a token file, or None when ``path`` is not one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
        if head == _PARQUET:
            schema = pl.read_parquet_schema(path)
            if "phone_token" not in schema:
                return None
            return pl.read_parquet(path, columns=["phone_token"]).get_column("phone_token").drop_nulls()
        frame = pl.read_csv(path, has_header=False, infer_schema=False, truncate_ragged_lines=True,
                            raise_if_empty=False)
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except (OSError, pl.exceptions.PolarsError, UnicodeDecodeError):
        return None  # not a plain CSV of tokens: the contact-list reader names what is wrong
    return _token_column(frame)


def suppression_files(paths: Iterable[str | os.PathLike], policy: Policy) -> tuple[pl.Series, pl.Series]:
    """(E.164 numbers, ``number_key`` of tokens) of the ``--suppress`` files."""
    from scanner.ingest import read_input
    from scanner.phone.normalize import normalize

    numbers, keys = [], []
    for path in paths:
        tokens = read_tokens(path)
        if tokens is not None:
            keys.append(tokens.str.to_integer(base=16, dtype=pl.UInt128))
            continue
        # (read in the campaign's region: a US do-not-call file's national numbers are
        # phone numbers only there)
        ing = read_input(path, region=policy.campaign.region, phone_min_valid=policy.columns.phone_min_valid)
        for column in ing.phone_columns:
            norm = normalize(ing.frame.get_column(column), region=policy.campaign.region)
            numbers.append(norm.get_column("e164").drop_nulls())
    e164 = pl.concat(numbers).unique() if numbers else pl.Series([], dtype=pl.String)
    key = pl.concat(keys).unique() if keys else pl.Series([], dtype=pl.UInt128)
    return e164.alias("e164"), key.alias("number_key")
