"""Vectorized ``phonenumbers.parse``: the same answers, decided by polars expressions.

:func:`fast_parse` mirrors ``phonenumbers.parse(clean, region)`` followed by ``format_number``
(E.164), ``is_valid_number``, ``number_type``, ``region_code_for_number`` and
``national_significant_number``, step by step, for the input shapes it can decide exactly, and
names every other value for the fallback (phonenumbers itself, :mod:`scanner.phone.reference`).
The compiled metadata comes from :mod:`scanner.phone.metadata`.

Decided here, exactly
---------------------
* ``null``, longer than 250 characters (phonenumbers' ``_MAX_INPUT_STRING_LENGTH``), or fewer
  than two Unicode digits (phonenumbers finds no viable number): unparseable.
* The *common shape*: optional leading text without digits, ``+`` or ``;`` (``Tel:``, ``tel:``,
  ``(``…, which ``_extract_possible_number`` drops), then an optional single ``+`` and ASCII
  digits separated by space, ``-``, ``.``, ``(``, ``)`` or ``/``, at least three digits, an
  optional `` ext. <1-20 digits>`` (the form preclean writes for 转/分机), and trailing
  separators. For these the whole of ``parse`` is vectorized: region check
  (``_check_region_for_parsing``), ``+`` and IDD country codes (``_maybe_strip_i18n_prefix``,
  ``_extract_country_code``, including the "next digit is 0" rule and TOO_SHORT_AFTER_IDD),
  the default-country-code strip (``_maybe_extract_country_code``: general pattern before and
  after, TOO_LONG), national prefix and carrier code stripping with transform rules
  (``_maybe_strip_national_prefix_carrier_code``) and the possible-length guard around it,
  ``_MIN_LENGTH_FOR_NSN`` / ``_MAX_LENGTH_FOR_NSN``; then region for shared calling codes
  (``_region_code_for_number_from_list``: leading digits, else full type test, in list order),
  type in ``_number_type_helper`` order (possible lengths and pattern of every description,
  fixed-line/mobile ambiguity) and validity.

Sent to the fallback (phonenumbers, once per distinct value)
------------------------------------------------------------
* ``shape``: anything else that has at least two digits — letters in the number (vanity
  numbers, which phonenumbers converts when there are three letters), any other extension
  syntax (``x``, ``#``, ``ext``, ``,,``, ``;ext=``), RFC 3966 parameters, non-ASCII digits,
  several ``+``, digits before ``+``, tabs or other characters inside the number, and values
  with exactly two digits (phonenumbers' two-digit special case).
* ``plus-cc``: ``+`` followed by digits that start with no calling code (phonenumbers then
  retries without the ``+``).
* ``region``: a default region that is neither a supported region code, nor ``None``, nor
  equivalent to ``None`` (e.g. ``cn``, which phonenumbers rejects as a region yet loads
  metadata for).
* ``metadata``: a region or calling code whose metadata uses a regex polars cannot compile or
  a rule this module cannot express (none in phonenumbers 9.0.43; checked at start-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import polars as pl

from scanner.phone import metadata as md
from scanner.phone.reference import PARSED_SCHEMA

UNPARSED = 0
FAST = 1
FALLBACK_SHAPE = 2
FALLBACK_PLUS_CC = 3
FALLBACK_REGION = 4
FALLBACK_METADATA = 5
FALLBACK_SMALL = 6
FALLBACK_REASONS = {
    FALLBACK_SHAPE: "shape",
    FALLBACK_PLUS_CC: "plus-cc",
    FALLBACK_REGION: "region",
    FALLBACK_METADATA: "metadata",
    FALLBACK_SMALL: "small-group",
}
# A group of values sharing a default region or a calling code costs a fixed few milliseconds
# to plan and compile; below this many values phonenumbers itself is cheaper. Pure performance:
# both paths give the same answers (the differential tests run with min_group=0).
MIN_GROUP = 200

_LEAD = r"[^\d+\uFF0B;]*"
_CORE = r"\+?[0-9 \-.()/]*[0-9]"
_TRAIL = r"[ \-.()/]*"
SHAPE_PLAIN = "^" + _LEAD + _CORE + _TRAIL + "$"
SHAPE_EXT = "^" + _LEAD + "(" + _CORE + r") ext\. ([0-9]{1,20})" + _TRAIL + "$"

OUT_SCHEMA = {"i": pl.UInt32, **PARSED_SCHEMA}


@dataclass
class FastResult:
    """Rows the fast path decided (``decided``, with ``i``) and rows left for the fallback."""

    decided: pl.DataFrame  # OUT_SCHEMA
    fallback: pl.DataFrame  # i, s, r, reason (UInt8 status)
    counts: dict[str, int] = field(default_factory=dict)


# --- expression helpers -------------------------------------------------------------------


def _len(e: pl.Expr) -> pl.Expr:
    return e.str.len_bytes().cast(pl.Int32)


@lru_cache(maxsize=None)
def _set(values: tuple, dtype: type[pl.DataType]) -> pl.Expr:
    return pl.lit(pl.Series(values, dtype=dtype).implode())


def _in(e: pl.Expr, values, dtype: type[pl.DataType] = pl.Int32) -> pl.Expr:
    """Membership in a constant set (built once)."""
    return e.is_in(_set(tuple(sorted(values)), dtype))


def _lengths_in(length: pl.Expr, lengths, too_long_from: int | None = None) -> pl.Expr:
    cond = _in(length, lengths) if lengths else pl.lit(False)
    if too_long_from is not None:
        cond = cond | (length >= too_long_from)
    return cond


def _gen(x: pl.Expr, m: md.Meta) -> pl.Expr:
    """``_match_national_number(x, general_desc)``: full match, no length check."""
    return x.str.contains(m.general) if m.general else pl.lit(False)


def _desc_match(x: pl.Expr, d: md.Desc) -> pl.Expr:
    """``_is_number_matching_desc``: possible length, then full-match pattern."""
    if d.lengths:
        return _in(_len(x), d.lengths) & x.str.contains(d.pattern)
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


def _extract_cc(x: pl.Expr) -> pl.Expr:
    """``_extract_country_code``: the calling code (as text) the digits start with, else null."""
    s1, s2, s3 = md.country_code_prefixes()
    c1, c2, c3 = x.str.slice(0, 1), x.str.slice(0, 2), x.str.slice(0, 3)
    return (
        pl.when(_in(c1, s1, pl.String)).then(c1)
        .when(_in(c2, s2, pl.String)).then(c2)
        .when(_in(c3, s3, pl.String)).then(c3)
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _strip_np(lf: pl.LazyFrame, src: str, dst: str, m: md.Meta, tmp: str) -> pl.LazyFrame:
    """``_maybe_strip_national_prefix_carrier_code(src, m)`` -> column ``dst`` (null stays null)."""
    x = pl.col(src)
    if m.npp is None:
        return lf.with_columns(x.alias(dst))
    hit, rest = pl.col(tmp + "h"), pl.col(tmp + "r")
    if m.transform is None:
        lf = lf.with_columns(x.str.replace(m.npp, "").alias(tmp + "r"))
        lf = lf.with_columns((_len(rest) < _len(x)).fill_null(False).alias(tmp + "h"))
    else:
        lf = lf.with_columns(x.str.contains(m.npp).fill_null(False).alias(tmp + "h"))
        xm = pl.when(hit).then(x)
        lf = lf.with_columns(xm.str.extract(m.npp, m.npp_group).is_not_null().alias(tmp + "g"))
        lf = lf.with_columns(
            pl.when(pl.col(tmp + "g"))
            .then(xm.str.replace(m.npp, m.transform))
            .otherwise(xm.str.replace(m.npp, ""))
            .alias(tmp + "r")
        )
    if m.general:
        keep = _gen(pl.when(hit).then(x), m) & ~_gen(pl.when(hit).then(rest), m)
        lf = lf.with_columns(keep.fill_null(False).alias(tmp + "k"))
        take = hit & ~pl.col(tmp + "k")
    else:
        take = hit
    lf = lf.with_columns(pl.when(take).then(rest).otherwise(x).alias(dst))
    temps = [tmp + "h", tmp + "r"] + ([tmp + "g"] if m.transform else []) + ([tmp + "k"] if m.general else [])
    return lf.drop(temps)


# --- stages -------------------------------------------------------------------------------


def _stage0(clean: pl.Series, region: pl.Series) -> pl.DataFrame:
    """Region-independent facts: status, digits, ``+``, extension."""
    n = len(clean)
    classes = {r: md.region_class(r) for r in region.unique().to_list() if r is not None}
    frame = pl.DataFrame(
        {
            "i": pl.int_range(n, dtype=pl.UInt32, eager=True),
            "s": clean.cast(pl.String),
            "r": region.cast(pl.String),
        }
    )
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
    shaped, nd = pl.col("shaped"), _len(pl.col("D"))
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
    return lf.select("i", "s", "r", "status", "D", "plus", "ext").collect()


def _stage_a(part: pl.DataFrame, region: str | None) -> pl.LazyFrame:
    """Calling code and national number before the national-prefix strip, for one default region.

    Output columns: i, ext, status, cc (text), nn, key (metadata key for the strip).
    """
    D, plus = pl.col("D"), pl.col("plus")
    lf = part.lazy()
    lf = lf.with_columns(_extract_cc(pl.when(plus).then(D)).alias("cc_plus"))
    m = md.meta_for_key(region) if region is not None and md.region_class(region) == "valid" else None
    if m is None:
        # No usable default region: only '+' rows reach here.
        lf = lf.with_columns(
            pl.col("cc_plus").alias("cc"),
            D.str.slice(_len(pl.col("cc_plus"))).alias("nn"),
            pl.lit(True).alias("extracted"),
            pl.lit(False).alias("idd"),
            pl.lit(None, dtype=pl.String).alias("idd_rest"),
        )
    else:
        ccr = str(m.country_code)
        Dn = pl.when(~plus).then(D)
        if m.idd:
            lf = lf.with_columns(Dn.str.replace(m.idd, "").alias("idd_rest"))
            rest = pl.col("idd_rest")
            lf = lf.with_columns(
                ((_len(rest) < _len(Dn)) & ~rest.str.starts_with("0")).fill_null(False).alias("idd")
            )
        else:
            lf = lf.with_columns(pl.lit(None, dtype=pl.String).alias("idd_rest"), pl.lit(False).alias("idd"))
        idd, rest = pl.col("idd"), pl.col("idd_rest")
        lf = lf.with_columns(
            _extract_cc(pl.when(idd).then(rest)).alias("cc_idd"),
            pl.when(~plus & ~idd & D.str.starts_with(ccr)).then(D.str.slice(len(ccr))).alias("dp"),
        )
        lf = _strip_np(lf, "dp", "dp2", m, "_a")
        dp = pl.col("dp")
        dflt = dp.is_not_null() & (
            (~_gen(pl.when(dp.is_not_null()).then(D), m) & _gen(pl.col("dp2"), m)).fill_null(False)
            | _lengths_in(_len(D), m.too_long_lengths, m.too_long_from)
        )
        lf = lf.with_columns(dflt.fill_null(False).alias("dflt"))
        cc_idd, dflt = pl.col("cc_idd"), pl.col("dflt")
        lf = lf.with_columns(
            pl.when(plus).then(pl.col("cc_plus"))
            .when(idd).then(cc_idd)
            .otherwise(pl.lit(ccr))
            .alias("cc"),
            pl.when(plus).then(D.str.slice(_len(pl.col("cc_plus"))))
            .when(idd).then(rest.str.slice(_len(cc_idd)))
            .when(dflt).then(pl.col("dp2"))
            .otherwise(D)
            .alias("nn"),
            (plus | idd | dflt).alias("extracted"),
        )
    cc, nn = pl.col("cc"), pl.col("nn")
    status = (
        pl.when(plus & pl.col("cc_plus").is_null()).then(FALLBACK_PLUS_CC)
        .when(pl.col("idd") & ((_len(pl.col("idd_rest")) <= 2) | cc.is_null())).then(UNPARSED)
        .when(_len(nn) < md.MIN_LENGTH_FOR_NSN).then(UNPARSED)
        .otherwise(FAST)
    )
    key = (
        pl.when(pl.col("extracted"))
        .then(cc.replace_strict(md.main_keys(), default=None, return_dtype=pl.String))
        .otherwise(pl.lit(region, dtype=pl.String))
    )
    return lf.select(
        "i", "ext", status.cast(pl.UInt8).alias("status"), cc, nn, key.alias("key"), "s", "r"
    )


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


def _metas_supported(cc: int, key: str) -> bool:
    metas = [md.meta_for_key(key)] + [
        md.meta_for_key(md.region_key(r, cc)) for r in md.COUNTRY_CODE_TO_REGION_CODE[cc]
    ]
    return all(m is None or m.supported for m in metas) and metas[0] is not None


def _stage_b(part: pl.DataFrame, cc: int, key: str) -> tuple[pl.LazyFrame, bool]:
    """National-prefix strip with the number's metadata, length limits, region (and type).

    Returns the plan and whether the type is still to be computed (shared calling codes).
    """
    m = md.meta_for_key(key)
    lf = _strip_np(part.lazy(), "nn", "p", m, "_b")
    p, nn = pl.col("p"), pl.col("nn")
    lf = lf.with_columns(
        pl.when(_lengths_in(_len(p), m.accept_lengths, m.too_long_from)).then(p).otherwise(nn).alias("nsn")
    )
    nsn = pl.col("nsn")
    region, constant = _region_expr(nsn, cc)
    lf = lf.with_columns(
        pl.when(_len(nsn) > md.MAX_LENGTH_FOR_NSN).then(UNPARSED).otherwise(pl.col("status"))
        .cast(pl.UInt8).alias("status"),
        region.alias("region"),
    )
    if constant:
        rk = md.COUNTRY_CODE_TO_REGION_CODE[cc][0]
        rm = md.meta_for_key(md.region_key(rk, cc)) if len(md.COUNTRY_CODE_TO_REGION_CODE[cc]) == 1 else None
        lf = lf.with_columns(type_expr(nsn, rm).alias("type"))
        return _finish(lf, cc), False
    return lf, True


def _stage_c(part: pl.DataFrame, cc: int, region: str | None) -> pl.LazyFrame:
    m = md.meta_for_key(md.region_key(region, cc)) if region is not None else None
    lf = part.lazy().with_columns(type_expr(pl.col("nsn"), m).alias("type"))
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
        "s",
        "r",
    )


# --- driver -------------------------------------------------------------------------------


def _collect(plans: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    return pl.collect_all(plans) if plans else []


def _to_fallback(part: pl.DataFrame, reason: int) -> pl.DataFrame:
    return part.select("i", "s", "r", pl.lit(reason, pl.UInt8).alias("status"))


def fast_parse(clean: pl.Series, region: pl.Series, min_group: int = MIN_GROUP) -> FastResult:
    """Decide what can be decided exactly; see the module docstring for the rest.

    ``min_group``: groups (default region, calling code) with fewer values go to the fallback.
    """
    s0 = _stage0(clean, region)
    counts: dict[str, int] = {"rows": s0.height}
    unparsed_parts = [s0.filter(pl.col("status") == UNPARSED).select("i")]
    fallback_parts = [s0.filter(pl.col("status") >= FALLBACK_SHAPE).select("i", "s", "r", "status")]
    fast = s0.filter(pl.col("status") == FAST).drop("status")

    # Stage A: '+' rows need no default region (one plan); the others, one plan per region.
    plans_a = []
    plus_rows = fast.filter(pl.col("plus"))
    if plus_rows.height:
        plans_a.append(_stage_a(plus_rows, None))
    national = fast.filter(~pl.col("plus"))
    for (region,), part in national.partition_by("r", as_dict=True, maintain_order=False).items():
        if not md.meta_for_key(region).supported:
            fallback_parts.append(_to_fallback(part, FALLBACK_METADATA))
        elif part.height < min_group:
            fallback_parts.append(_to_fallback(part, FALLBACK_SMALL))
        else:
            plans_a.append(_stage_a(part, region))
    a = _concat(_collect(plans_a))

    # Stage B: per (calling code, metadata key).
    plans_b, pending_c = [], []
    if a is not None:
        unparsed_parts.append(a.filter(pl.col("status") == UNPARSED).select("i"))
        fallback_parts.append(a.filter(pl.col("status") >= FALLBACK_SHAPE).select("i", "s", "r", "status"))
        ok = a.filter(pl.col("status") == FAST)
        for (cc_text, key), part in ok.partition_by("cc", "key", as_dict=True, maintain_order=False).items():
            cc = int(cc_text)
            if not _metas_supported(cc, key):
                fallback_parts.append(_to_fallback(part, FALLBACK_METADATA))
                continue
            if part.height < min_group:
                fallback_parts.append(_to_fallback(part, FALLBACK_SMALL))
                continue
            plan, needs_type = _stage_b(part, cc, key)
            (pending_c if needs_type else plans_b).append((cc, plan))
    results = _collect([p for _, p in plans_b])
    # Stage C: type for shared calling codes, per (calling code, region).
    if pending_c:
        mid = _collect([p for _, p in pending_c])
        plans_c = []
        for (cc, _), frame in zip(pending_c, mid):
            for (region,), part in frame.partition_by("region", as_dict=True, maintain_order=False).items():
                unparsed_parts.append(part.filter(pl.col("status") == UNPARSED).select("i"))
                part = part.filter(pl.col("status") == FAST)
                if part.height < min_group:
                    fallback_parts.append(_to_fallback(part, FALLBACK_SMALL))
                else:
                    plans_c.append(_stage_c(part, cc, region))
        results += _collect(plans_c)

    decided = _concat(results)
    out_cols = list(OUT_SCHEMA)
    parsed = []
    if decided is not None:
        unparsed_parts.append(decided.filter(pl.col("status") == UNPARSED).select("i"))
        parsed.append(decided.filter(pl.col("status") == FAST).select(out_cols))
    unparsed = pl.concat(unparsed_parts).with_columns(
        *[pl.lit(None, dtype=t).alias(c) for c, t in OUT_SCHEMA.items() if c != "i"]
    ).with_columns(pl.lit(False).alias("valid")).select(out_cols)
    decided_all = pl.concat([unparsed, *parsed]).cast(OUT_SCHEMA)
    fallback = pl.concat(fallback_parts)
    counts["unparsed"] = unparsed.height
    counts["parsed"] = decided_all.height - unparsed.height
    for code, name in FALLBACK_REASONS.items():
        counts["fallback_" + name] = int((fallback.get_column("status") == code).sum())
    counts["fallback"] = fallback.height
    return FastResult(decided_all, fallback, counts)


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame | None:
    frames = [f for f in frames if f.height]
    return pl.concat(frames, how="vertical_relaxed") if frames else None
