"""Phone tokens as the registry stores them: 128-bit integers (two UInt64 halves in polars,
``UHUGEINT`` in DuckDB), which join and sort far faster than 32-hex text, and the content
fingerprint of a set of them."""

from __future__ import annotations

import hashlib

import polars as pl

from scanner.errors import RegistryError
from scanner.privacy.tokens import TOKEN_PATTERN


def token_frame(tokens: pl.Series) -> pl.DataFrame:
    """Distinct validated 32-hex tokens as ``hi``/``lo`` UInt64 halves, in token order; insert
    them with :data:`TOKEN_SQL` (raises :class:`RegistryError` on anything that is not a token).

    Integer work only (validate, split, sort, drop adjacent repeats), never Python objects.
    """
    s = tokens.cast(pl.String).drop_nulls()
    bad = int((~s.str.contains(TOKEN_PATTERN)).sum())
    if bad:
        raise RegistryError("{n} value(s) are not 32-hex phone tokens; refusing to register them", n=bad)
    frame = pl.DataFrame({
        "hi": s.str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64),
        "lo": s.str.slice(16, 16).str.to_integer(base=16, dtype=pl.UInt64),
    }).sort("hi", "lo")
    new = (pl.col("hi") != pl.col("hi").shift(1)) | (pl.col("lo") != pl.col("lo").shift(1))
    return frame.filter(new.fill_null(True))


def frame_fingerprint(frame: pl.DataFrame) -> str:
    """sha256 over the sorted distinct tokens (all high halves, then all low halves, as
    little-endian 64-bit words): equal iff the number sets are equal."""
    digest = hashlib.sha256()
    for name in ("hi", "lo"):
        arr = frame.get_column(name).rechunk().to_arrow()
        data = arr.buffers()[1]
        if data is not None:  # the array may view part of a larger buffer
            digest.update(memoryview(data)[arr.offset * 8:(arr.offset + len(arr)) * 8])
    return digest.hexdigest()


def content_fingerprint(tokens: pl.Series) -> str:
    """The registry's content fingerprint of a token series (nulls and repeats ignored)."""
    return frame_fingerprint(token_frame(tokens))


#: SQL building a ``UHUGEINT`` token from the ``hi``/``lo`` columns of :func:`token_frame`.
TOKEN_SQL = "((hi::UHUGEINT << 64) | lo::UHUGEINT)"


def token_halves_sql(column: str) -> str:
    """SQL selecting a ``UHUGEINT`` token column as ``hi``/``lo`` UInt64 halves (see
    :func:`token_key_expr`): two integer columns fetch far faster than hex text."""
    return f"({column} >> 64)::UBIGINT AS hi, ({column} & 18446744073709551615::UHUGEINT)::UBIGINT AS lo"


def token_key_expr() -> pl.Expr:
    """The token's 128 bits (the scan's ``number_key``) from ``hi``/``lo`` halves."""
    return (pl.col("hi").cast(pl.UInt128) * pl.lit(1 << 64, dtype=pl.UInt128)
            + pl.col("lo").cast(pl.UInt128)).alias("number_key")


def token_hex_sql(column: str) -> str:
    """SQL turning a ``UHUGEINT`` token column back into its 32 lowercase hex characters."""
    return f"printf('%032x', {column})"

