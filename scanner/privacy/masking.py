"""Masked display forms (docs/PRIVACY.md), and masking of numbers embedded in free text.

CN mobile numbers keep the first 3 and last 4 digits (``138****8000``); other numbers keep
the country code and the last 4 (``+1******0000``). Names keep the first character
(``王*``). A mask is never written next to the number's block, city or carrier.

Numbers inside free text are masked in place by
:func:`scanner.privacy.embedded.mask_embedded_expr`.
"""

from __future__ import annotations

import polars as pl


def mask_phone_expr(e164: pl.Expr, country_code: pl.Expr, national_number: pl.Expr) -> pl.Expr:
    """Masked form of a number; null when there is no number."""
    nn_len = national_number.str.len_chars()
    cn_mobile = (country_code == 86) & (nn_len == 11) & national_number.str.starts_with("1")
    cn_mask = pl.concat_str(national_number.str.slice(0, 3), pl.lit("****"), national_number.str.slice(-4))
    stars = pl.lit("*" * 32).str.slice(0, pl.max_horizontal(nn_len - 4, pl.lit(1)))
    other_mask = pl.concat_str(
        pl.lit("+"), country_code.cast(pl.String), stars, national_number.str.slice(-4)
    )
    return (
        pl.when(e164.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(cn_mobile)
        .then(cn_mask)
        .otherwise(other_mask)
    )


def mask_name_expr(name: pl.Expr) -> pl.Expr:
    """First character plus one ``*`` per remaining character (at least one)."""
    n = name.str.len_chars()
    stars = pl.lit("*" * 64).str.slice(0, pl.max_horizontal(n - 1, pl.lit(1)))
    return pl.when(name.is_null() | (n == 0)).then(pl.lit(None, dtype=pl.String)).otherwise(
        pl.concat_str(name.str.slice(0, 1), stars)
    )
