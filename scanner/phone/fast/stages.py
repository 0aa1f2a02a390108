"""The stages of ``parse`` as polars plans: the input's shape and status, the calling code
(written with ``+``, after an IDD, or the default region's), the national-prefix strip,
region, type and validity."""

from __future__ import annotations

import polars as pl

from scanner.phone import metadata as md
from scanner.phone.fast.codes import (
    FALLBACK_PLUS_CC, FALLBACK_REGION, FALLBACK_SHAPE, FAST, SHAPE_EXT, SHAPE_PLAIN, UNPARSED,
)
from scanner.phone.fast.exprs import (
    byte_len, extract_cc, general_match, lengths_in, strip_national_prefix, type_expr,
)


def stage0(clean: pl.Series, region: pl.Series, special_regions: list[str]) -> pl.DataFrame:
    """Status, digits, ``+``, extension, and ``special`` (see :func:`_special`) for national
    rows of the given default regions."""
    n = len(clean)
    classes = {r: md.region_class(r) for r in region.unique().to_list() if r is not None}
    frame = _chunked(pl.DataFrame(
        {
            "i": pl.int_range(n, dtype=pl.UInt32, eager=True),
            "s": clean.cast(pl.String),
            "r": region.cast(pl.String),
        }
    ))
    s = pl.col("s")
    lf = frame.lazy().with_columns(
        s.str.contains(SHAPE_PLAIN).fill_null(False).alias("plain"),
        s.str.len_chars().alias("nchars"),
        pl.col("r").replace_strict(classes, default="none", return_dtype=pl.String).fill_null("none").alias("rclass"),
    )
    other = pl.when(~pl.col("plain") & (pl.col("nchars") <= md.MAX_INPUT_STRING_LENGTH)).then(s)
    lf = lf.with_columns(
        other.str.extract(SHAPE_EXT, 1).alias("ext_main"),
        other.str.extract(SHAPE_EXT, 2).alias("ext"),
    )
    main = pl.when(pl.col("plain")).then(s).otherwise(pl.col("ext_main"))
    lf = lf.with_columns(
        main.str.replace_all("[^0-9]", "").alias("D"),
        main.str.contains("+", literal=True).alias("plus"),
        main.is_not_null().alias("shaped"),
    )
    shaped, nd = pl.col("shaped"), byte_len(pl.col("D"))
    too_few = pl.when(~shaped).then(s).str.count_matches(r"\d") < 2
    status = (
        pl.when(s.is_null() | (pl.col("nchars") > md.MAX_INPUT_STRING_LENGTH)).then(UNPARSED)
        .when(shaped & (nd >= 3)).then(
            pl.when(pl.col("rclass") == "fallback").then(FALLBACK_REGION)
            .when((pl.col("rclass") == "none") & ~pl.col("plus")).then(UNPARSED)
            .otherwise(FAST)
        )
        .when(too_few.fill_null(False)).then(UNPARSED)
        .when(shaped & (nd < 2) & pl.col("ext").is_null()).then(UNPARSED)
        .otherwise(FALLBACK_SHAPE)
    )
    lf = lf.with_columns(status.cast(pl.UInt8).alias("status"))
    special = None
    for r in special_regions:
        cond = pl.col("r") == r
        special = (pl.when(cond) if special is None else special.when(cond)).then(_special(md.meta_for_key(r)))
    special = pl.lit(False) if special is None else special.otherwise(False)
    lf = lf.with_columns((special & ~pl.col("plus") & (pl.col("status") == FAST)).alias("special"))
    return lf.select("i", "r", "status", "D", "plus", "ext", "special").collect(engine="streaming")


def stage_a_plus(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Rows written with '+': the calling code starts the digits (no default region involved).

    Output columns: i, ext, status, cc (text), nn (national number before the prefix strip),
    key (metadata key for the strip).
    """
    D, cc = pl.col("D"), pl.col("cc")
    lf = lf.with_columns(extract_cc(D).alias("cc"))
    lf = lf.with_columns(D.str.slice(byte_len(cc)).alias("nn"))
    status = (
        pl.when(cc.is_null()).then(FALLBACK_PLUS_CC)  # phonenumbers retries without the '+'
        .when(byte_len(pl.col("nn")) < md.MIN_LENGTH_FOR_NSN).then(UNPARSED)
        .otherwise(FAST)
    )
    key = cc.replace_strict(md.main_keys(), default=None, return_dtype=pl.String)
    return lf.select("i", "ext", status.cast(pl.UInt8).alias("status"), "cc", "nn", key.alias("key"))


def _special(m: md.Meta) -> pl.Expr:
    """National digits that may carry an IDD or the region's own calling code. All others are
    plainly national: calling code of the region, national number = the digits."""
    D = pl.col("D")
    cond = D.str.starts_with(str(m.country_code))
    return cond | D.str.contains(m.idd) if m.idd else cond


def stage_a_national(lf: pl.LazyFrame, region: str) -> pl.LazyFrame:
    """Rows without '+' and a valid default region: IDD, default calling code, or national."""
    m = md.meta_for_key(region)
    ccr = str(m.country_code)
    D = pl.col("D")
    if m.idd:
        lf = lf.with_columns(D.str.replace(m.idd, "").alias("idd_rest"))
        rest = pl.col("idd_rest")
        # an IDD is only stripped when the digit after it is not 0
        lf = lf.with_columns(((byte_len(rest) < byte_len(D)) & ~rest.str.starts_with("0")).alias("idd"))
    else:
        lf = lf.with_columns(pl.lit(None, dtype=pl.String).alias("idd_rest"), pl.lit(False).alias("idd"))
    idd, rest = pl.col("idd"), pl.col("idd_rest")
    lf = lf.with_columns(
        extract_cc(pl.when(idd).then(rest)).alias("cc_idd"),
        pl.when(~idd & D.str.starts_with(ccr)).then(D.str.slice(len(ccr))).alias("dp"),
    )
    # the default region's calling code without '+': keep it stripped when the number was not
    # valid before but is after (national prefix stripped too), or was too long before
    lf = strip_national_prefix(lf, "dp", "dp2", m, "_a")
    dp = pl.col("dp")
    dflt = dp.is_not_null() & (
        (~general_match(pl.when(dp.is_not_null()).then(D), m) & general_match(pl.col("dp2"), m)).fill_null(False)
        | lengths_in(byte_len(D), m.too_long_lengths, m.too_long_from)
    )
    lf = lf.with_columns(dflt.fill_null(False).alias("dflt"))
    cc_idd, dflt = pl.col("cc_idd"), pl.col("dflt")
    lf = lf.with_columns(
        pl.when(idd).then(cc_idd).otherwise(pl.lit(ccr)).alias("cc"),
        pl.when(idd).then(rest.str.slice(byte_len(cc_idd)))
        .when(dflt).then(pl.col("dp2"))
        .otherwise(D)
        .alias("nn"),
    )
    status = (
        pl.when(idd & ((byte_len(rest) <= 2) | cc_idd.is_null())).then(UNPARSED)
        .when(byte_len(pl.col("nn")) < md.MIN_LENGTH_FOR_NSN).then(UNPARSED)
        .otherwise(FAST)
    )
    key = (
        pl.when(idd).then(cc_idd.replace_strict(md.main_keys(), default=None, return_dtype=pl.String))
        .when(dflt).then(pl.lit(md.main_key(m.country_code)))
        .otherwise(pl.lit(region, dtype=pl.String))
    )
    return lf.select("i", "ext", status.cast(pl.UInt8).alias("status"), "cc", "nn", key.alias("key"))


def _region_expr(nsn: pl.Expr, cc: int) -> tuple[pl.Expr, bool]:
    """``region_code_for_number`` for one calling code; (expr, whether it is a constant)."""
    regions = md.COUNTRY_CODE_TO_REGION_CODE[cc]
    if len(regions) == 1:
        return pl.lit(regions[0], dtype=pl.String), True
    chain = None
    for r in regions:
        m = md.meta_for_key(md.region_key(r, cc))
        if m is None:
            continue
        cond = nsn.str.contains(m.leading_digits) if m.leading_digits else type_expr(nsn, m) != "UNKNOWN"
        chain = pl.when(cond) if chain is None else chain.when(cond)
        chain = chain.then(pl.lit(r, dtype=pl.String))
    if chain is None:
        return pl.lit(None, dtype=pl.String), True
    return chain.otherwise(pl.lit(None, dtype=pl.String)), False


def metas_supported(cc: int, key: str) -> bool:
    metas = [md.meta_for_key(key)] + [
        md.meta_for_key(md.region_key(r, cc)) for r in md.COUNTRY_CODE_TO_REGION_CODE[cc]
    ]
    return all(m is None or m.supported for m in metas) and metas[0] is not None


def stage_b(lf: pl.LazyFrame, cc: int, key: str) -> tuple[pl.LazyFrame, bool]:
    """National-prefix strip with the number's metadata, length limits, region (and type).

    Returns the plan and whether the type is still to be computed (shared calling codes).
    """
    m = md.meta_for_key(key)
    lf = strip_national_prefix(lf, "nn", "nsn", m, "_b", length_guard=True, split=True)
    nsn = pl.col("nsn")
    region, constant = _region_expr(nsn, cc)
    lf = lf.with_columns(
        pl.when(byte_len(nsn) > md.MAX_LENGTH_FOR_NSN).then(UNPARSED).otherwise(pl.col("status"))
        .cast(pl.UInt8).alias("status"),
        region.alias("region"),
    )
    if constant:
        rk = md.COUNTRY_CODE_TO_REGION_CODE[cc][0]
        rm = md.meta_for_key(md.region_key(rk, cc)) if len(md.COUNTRY_CODE_TO_REGION_CODE[cc]) == 1 else None
        lf = lf.with_columns(type_expr(nsn, rm).alias("type"))
        return _finish(lf, cc), False
    return lf, True


def stage_c(lf: pl.LazyFrame, cc: int, region: str | None) -> pl.LazyFrame:
    m = md.meta_for_key(md.region_key(region, cc)) if region is not None else None
    lf = lf.with_columns(type_expr(pl.col("nsn"), m).alias("type"))
    return _finish(lf, cc)


def _finish(lf: pl.LazyFrame, cc: int) -> pl.LazyFrame:
    nsn, t = pl.col("nsn"), pl.col("type")
    return lf.select(
        "i",
        "status",
        pl.concat_str(pl.lit(f"+{cc}"), nsn).alias("e164"),
        ((t != "UNKNOWN") & pl.col("region").is_not_null()).alias("valid"),
        t,
        "region",
        pl.lit(cc, dtype=pl.Int32).alias("country_code"),
        nsn.alias("national_number"),
        pl.col("ext").alias("extension"),
    )


def _chunked(frame: pl.DataFrame, rows_per_chunk: int = 50_000) -> pl.DataFrame:
    """The same rows in several chunks: polars' streaming engine parallelizes over them."""
    if frame.height <= rows_per_chunk or frame.n_chunks() > 1:
        return frame
    return pl.concat(
        [frame.slice(k, rows_per_chunk) for k in range(0, frame.height, rows_per_chunk)], rechunk=False
    )
