"""phonenumbers' metadata tests as polars expressions: constant sets, possible lengths,
number patterns, the type helper, calling-code extraction and the national-prefix strip."""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from scanner.phone import metadata as md


def byte_len(e: pl.Expr) -> pl.Expr:
    return e.str.len_bytes().cast(pl.Int32)


@lru_cache(maxsize=None)
def _set(values: tuple, dtype: type[pl.DataType]) -> pl.Expr:
    return pl.lit(pl.Series(values, dtype=dtype).implode())


def in_set(e: pl.Expr, values, dtype: type[pl.DataType] = pl.Int32) -> pl.Expr:
    """Membership in a constant set (built once)."""
    return e.is_in(_set(tuple(sorted(values)), dtype))


def lengths_in(length: pl.Expr, lengths, too_long_from: int | None = None) -> pl.Expr:
    cond = in_set(length, lengths) if lengths else pl.lit(False)
    if too_long_from is not None:
        cond = cond | (length >= too_long_from)
    return cond


def general_match(x: pl.Expr, m: md.Meta) -> pl.Expr:
    """``_match_national_number(x, general_desc)``: full match, no length check."""
    return x.str.contains(m.general) if m.general else pl.lit(False)


def _desc_match(x: pl.Expr, d: md.Desc) -> pl.Expr:
    """``_is_number_matching_desc``: possible length, then full-match pattern."""
    if d.lengths:
        return in_set(byte_len(x), d.lengths) & x.str.contains(d.pattern)
    return x.str.contains(d.pattern)


def type_expr(x: pl.Expr, m: md.Meta | None) -> pl.Expr:
    """``_number_type_helper(x, metadata)`` as a type name."""
    if m is None or m.general_desc is None:
        return pl.lit("UNKNOWN")
    if str(x) == str(pl.col("nsn")):
        return _type_expr_nsn(m.key)
    return _type_expr(x, m)


@lru_cache(maxsize=None)
def _type_expr_nsn(key: str) -> pl.Expr:
    return _type_expr(pl.col("nsn"), md.meta_for_key(key))


def _type_expr(x: pl.Expr, m: md.Meta) -> pl.Expr:
    unknown = pl.lit("UNKNOWN")
    chain = pl.when(~_desc_match(x, m.general_desc)).then(unknown)
    for name, d in m.types:
        chain = chain.when(_desc_match(x, d)).then(pl.lit(name))
    fixed = _desc_match(x, m.fixed_line) if m.fixed_line else None
    mobile = _desc_match(x, m.mobile) if m.mobile else None
    if fixed is not None:
        if m.same_mobile_and_fixed_line:
            chain = chain.when(fixed).then(pl.lit("FIXED_LINE_OR_MOBILE"))
        else:
            if mobile is not None:
                chain = chain.when(fixed & mobile).then(pl.lit("FIXED_LINE_OR_MOBILE"))
            chain = chain.when(fixed).then(pl.lit("FIXED_LINE"))
    if mobile is not None and not m.same_mobile_and_fixed_line:
        chain = chain.when(mobile).then(pl.lit("MOBILE"))
    return chain.otherwise(unknown)


def extract_cc(x: pl.Expr) -> pl.Expr:
    """``_extract_country_code``: the calling code (as text) the digits start with, else null."""
    s1, s2, s3 = md.country_code_prefixes()
    c1, c2, c3 = x.str.slice(0, 1), x.str.slice(0, 2), x.str.slice(0, 3)
    return (
        pl.when(in_set(c1, s1, pl.String)).then(c1)
        .when(in_set(c2, s2, pl.String)).then(c2)
        .when(in_set(c3, s3, pl.String)).then(c3)
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def strip_national_prefix(lf: pl.LazyFrame, src: str, dst: str, m: md.Meta, tmp: str,
              length_guard: bool = False, split: bool = False) -> pl.LazyFrame:
    """``_maybe_strip_national_prefix_carrier_code(src, m)`` -> column ``dst`` (null stays null).

    The prefix regex is tested first (cheap); the strip and the viability checks run only on
    the values it matches. ``length_guard``: keep the stripped number only when
    ``_test_number_length`` accepts it (IS_POSSIBLE or TOO_LONG), as ``parse`` does.
    ``split``: the matching rows go through the strip as a separate branch of the plan and the
    others pass unchanged (rows come out in another order; callers that carry ``i`` can use it).
    Masking instead costs a pass over every row per step, as polars evaluates both sides.
    """
    x = pl.col(src)
    if m.npp is None:
        return lf.with_columns(x.alias(dst))
    hit, rest = pl.col(tmp + "h"), pl.col(tmp + "r")
    lf = lf.with_columns(x.str.contains(m.npp).fill_null(False).alias(tmp + "h"))
    temps = [tmp + "h", tmp + "r"]
    if split:
        passed = lf.filter(~hit).with_columns(x.alias(dst)).drop(tmp + "h")
        lf, xm = lf.filter(hit), x
    else:
        xm = pl.when(hit).then(x)
    if m.transform is None:
        lf = lf.with_columns(xm.str.replace(m.npp, "").alias(tmp + "r"))
    else:
        # the transform applies when the rule's last capturing group took part in the match
        lf = lf.with_columns(xm.str.extract(m.npp, m.npp_group).is_not_null().alias(tmp + "g"))
        lf = lf.with_columns(
            pl.when(pl.col(tmp + "g"))
            .then(xm.str.replace(m.npp, m.transform))
            .otherwise(xm.str.replace(m.npp, ""))
            .alias(tmp + "r")
        )
        temps.append(tmp + "g")
    if m.general:
        # keep the original when it was viable and the stripped number is not
        keep = general_match(xm, m) & ~general_match(rest, m)
        lf = lf.with_columns(keep.fill_null(False).alias(tmp + "k"))
        take = hit & ~pl.col(tmp + "k")
        temps.append(tmp + "k")
    else:
        take = hit
    if length_guard:
        take = take & lengths_in(byte_len(rest), m.accept_lengths, m.too_long_from)
    lf = lf.with_columns(pl.when(take).then(rest).otherwise(x).alias(dst)).drop(temps)
    return pl.concat([passed, lf], how="vertical") if split else lf
