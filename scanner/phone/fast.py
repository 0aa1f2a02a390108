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
# Plans over at least this many rows run on polars' streaming engine, smaller ones in memory.
STREAMING_MIN_ROWS = 20_000

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


def _strip_np(lf: pl.LazyFrame, src: str, dst: str, m: md.Meta, tmp: str,
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
        keep = _gen(xm, m) & ~_gen(rest, m)
        lf = lf.with_columns(keep.fill_null(False).alias(tmp + "k"))
        take = hit & ~pl.col(tmp + "k")
        temps.append(tmp + "k")
    else:
        take = hit
    if length_guard:
        take = take & _lengths_in(_len(rest), m.accept_lengths, m.too_long_from)
    lf = lf.with_columns(pl.when(take).then(rest).otherwise(x).alias(dst)).drop(temps)
    return pl.concat([passed, lf], how="vertical") if split else lf


# --- stages -------------------------------------------------------------------------------


def _stage0(clean: pl.Series, region: pl.Series, special_regions: list[str]) -> pl.DataFrame:
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
    special = None
    for r in special_regions:
        cond = pl.col("r") == r
        special = (pl.when(cond) if special is None else special.when(cond)).then(_special(md.meta_for_key(r)))
    special = pl.lit(False) if special is None else special.otherwise(False)
    lf = lf.with_columns((special & ~pl.col("plus") & (pl.col("status") == FAST)).alias("special"))
    return lf.select("i", "r", "status", "D", "plus", "ext", "special").collect(engine="streaming")


def _stage_a_plus(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Rows written with '+': the calling code starts the digits (no default region involved).

    Output columns: i, ext, status, cc (text), nn (national number before the prefix strip),
    key (metadata key for the strip).
    """
    D, cc = pl.col("D"), pl.col("cc")
    lf = lf.with_columns(_extract_cc(D).alias("cc"))
    lf = lf.with_columns(D.str.slice(_len(cc)).alias("nn"))
    status = (
        pl.when(cc.is_null()).then(FALLBACK_PLUS_CC)  # phonenumbers retries without the '+'
        .when(_len(pl.col("nn")) < md.MIN_LENGTH_FOR_NSN).then(UNPARSED)
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


def _stage_a_national(lf: pl.LazyFrame, region: str) -> pl.LazyFrame:
    """Rows without '+' and a valid default region: IDD, default calling code, or national."""
    m = md.meta_for_key(region)
    ccr = str(m.country_code)
    D = pl.col("D")
    if m.idd:
        lf = lf.with_columns(D.str.replace(m.idd, "").alias("idd_rest"))
        rest = pl.col("idd_rest")
        # an IDD is only stripped when the digit after it is not 0
        lf = lf.with_columns(((_len(rest) < _len(D)) & ~rest.str.starts_with("0")).alias("idd"))
    else:
        lf = lf.with_columns(pl.lit(None, dtype=pl.String).alias("idd_rest"), pl.lit(False).alias("idd"))
    idd, rest = pl.col("idd"), pl.col("idd_rest")
    lf = lf.with_columns(
        _extract_cc(pl.when(idd).then(rest)).alias("cc_idd"),
        pl.when(~idd & D.str.starts_with(ccr)).then(D.str.slice(len(ccr))).alias("dp"),
    )
    # the default region's calling code without '+': keep it stripped when the number was not
    # valid before but is after (national prefix stripped too), or was too long before
    lf = _strip_np(lf, "dp", "dp2", m, "_a")
    dp = pl.col("dp")
    dflt = dp.is_not_null() & (
        (~_gen(pl.when(dp.is_not_null()).then(D), m) & _gen(pl.col("dp2"), m)).fill_null(False)
        | _lengths_in(_len(D), m.too_long_lengths, m.too_long_from)
    )
    lf = lf.with_columns(dflt.fill_null(False).alias("dflt"))
    cc_idd, dflt = pl.col("cc_idd"), pl.col("dflt")
    lf = lf.with_columns(
        pl.when(idd).then(cc_idd).otherwise(pl.lit(ccr)).alias("cc"),
        pl.when(idd).then(rest.str.slice(_len(cc_idd)))
        .when(dflt).then(pl.col("dp2"))
        .otherwise(D)
        .alias("nn"),
    )
    status = (
        pl.when(idd & ((_len(rest) <= 2) | cc_idd.is_null())).then(UNPARSED)
        .when(_len(pl.col("nn")) < md.MIN_LENGTH_FOR_NSN).then(UNPARSED)
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


def _metas_supported(cc: int, key: str) -> bool:
    metas = [md.meta_for_key(key)] + [
        md.meta_for_key(md.region_key(r, cc)) for r in md.COUNTRY_CODE_TO_REGION_CODE[cc]
    ]
    return all(m is None or m.supported for m in metas) and metas[0] is not None


def _stage_b(lf: pl.LazyFrame, cc: int, key: str) -> tuple[pl.LazyFrame, bool]:
    """National-prefix strip with the number's metadata, length limits, region (and type).

    Returns the plan and whether the type is still to be computed (shared calling codes).
    """
    m = md.meta_for_key(key)
    lf = _strip_np(lf, "nn", "nsn", m, "_b", length_guard=True, split=True)
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


def _stage_c(lf: pl.LazyFrame, cc: int, region: str | None) -> pl.LazyFrame:
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


# --- driver -------------------------------------------------------------------------------

_STATUS = pl.col("status")
_IS_FAST = _STATUS == FAST
_OUTPUTS = [c for c in OUT_SCHEMA if c != "i"]


def _collect(plans: list[tuple[int, pl.LazyFrame]]) -> list[pl.DataFrame]:
    """Collect (rows, plan) pairs, in order. Large plans run one after the other on the
    streaming engine (parallel over morsels; ``collect_all`` would run them on one thread),
    small ones together on the in-memory engine (far less fixed cost per plan)."""
    out: list[pl.DataFrame | None] = [None] * len(plans)
    small = [k for k, (n, _) in enumerate(plans) if n < STREAMING_MIN_ROWS]
    for k, (n, plan) in enumerate(plans):
        if n >= STREAMING_MIN_ROWS:
            out[k] = plan.collect(engine="streaming")
    if small:
        for k, frame in zip(small, pl.collect_all([plans[k][1] for k in small], engine="in-memory")):
            out[k] = frame
    return out  # type: ignore[return-value]


def _chunked(frame: pl.DataFrame, rows_per_chunk: int = 50_000) -> pl.DataFrame:
    """The same rows in several chunks: polars' streaming engine parallelizes over them."""
    if frame.height <= rows_per_chunk or frame.n_chunks() > 1:
        return frame
    return pl.concat(
        [frame.slice(k, rows_per_chunk) for k in range(0, frame.height, rows_per_chunk)], rechunk=False
    )


def _value_counts(values: pl.Series) -> dict:
    """value -> count (a constant column is checked without hashing)."""
    if len(values) == 0:
        return {}
    first = values[0]
    if values.eq_missing(pl.Series([first], dtype=values.dtype)).all():
        return {first: len(values)}
    return dict(values.value_counts().rows())


def _sizes(lf: pl.LazyFrame, keys: list[str]) -> list[tuple]:
    """(key..., count) per group."""
    return lf.group_by(keys).len().collect().rows()


def _terminal(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Rows that leave the pipeline (unparseable or for the fallback), in the output layout."""
    return lf.select("i", "status", *[pl.lit(None, dtype=OUT_SCHEMA[c]).alias(c) for c in _OUTPUTS])


def _demote(lf: pl.LazyFrame, keys: list[str], groups: list[tuple]) -> pl.LazyFrame:
    """Rows of the given groups (key..., reason) sent to the fallback with that reason."""
    table = pl.DataFrame(groups, schema={**{k: pl.String for k in keys}, "reason": pl.UInt8}, orient="row")
    joined = lf.join(table.lazy(), on=keys, how="inner", nulls_equal=True)
    return _terminal(joined.with_columns(pl.col("reason").alias("status")))


def _route(size: int, supported: bool, min_group: int) -> int:
    if not supported:
        return FALLBACK_METADATA
    return FALLBACK_SMALL if size < min_group else FAST


def _common(lf: pl.LazyFrame, region: str) -> pl.LazyFrame:
    """Plainly national rows in stage A's output layout (no IDD, no calling code to strip)."""
    m = md.meta_for_key(region)
    return lf.select(
        "i", "ext", "status", pl.lit(str(m.country_code)).alias("cc"), pl.col("D").alias("nn"),
        pl.lit(region, dtype=pl.String).alias("key"),
    )


def _plan_b(lf: pl.LazyFrame, cc_text: str, key: str, n: int, min_group: int,
            plans_b: list, pending: list, demoted: list) -> None:
    cc = int(cc_text)
    route = _route(n, _metas_supported(cc, key), min_group)
    if route != FAST:
        demoted.append((cc_text, key, route))
        return
    plan, needs_type = _stage_b(lf, cc, key)
    (pending if needs_type else plans_b).append((cc, n, plan))


def fast_parse(clean: pl.Series, region: pl.Series, min_group: int = MIN_GROUP) -> FastResult:
    """Decide what can be decided exactly; see the module docstring for the rest.

    ``min_group``: groups (default region, calling code) with fewer values go to the fallback.
    """
    plus, r_col, special = pl.col("plus"), pl.col("r"), pl.col("special")
    candidates = [
        r for r, n in _value_counts(region).items()
        if r is not None and n >= max(min_group, 1) and md.region_class(r) == "valid"
        and md.meta_for_key(r).supported
    ]
    s0 = _stage0(clean, region, candidates)
    lf0 = s0.lazy()
    terminal = [_terminal(lf0.filter(~_IS_FAST))]

    # Round 1 (stage A). '+' rows need no default region. National rows, per default region:
    # plainly national ones go straight to stage B with the region's metadata; the others
    # (possible IDD or the region's calling code) through stage A.
    national = lf0.filter(_IS_FAST & ~plus)
    plans_a, plans_b, pending, demoted_b, demoted, demoted_common = [], [], [], [], [], []
    for r, is_plus, is_special, n in _sizes(lf0.filter(_IS_FAST), ["r", "plus", "special"]):
        if is_plus:
            continue
        if r not in candidates:
            demoted.append((r, _route(n, md.meta_for_key(r).supported, min_group)))
        elif is_special:
            plans_a.append((n, _stage_a_national(national.filter((r_col == r) & special), r)))
        else:
            _plan_b(_common(national.filter((r_col == r) & ~special), r),
                    str(md.meta_for_key(r).country_code), r, n, min_group, plans_b, pending, demoted_common)
    n_plus = int((s0.get_column("plus") & (s0.get_column("status") == FAST)).sum())
    plans_a.append((n_plus, _stage_a_plus(lf0.filter(_IS_FAST & plus))))
    if demoted:
        terminal.append(_demote(national, ["r"], demoted))
    if demoted_common:
        common = national.filter(~special)
        terminal.append(_demote(common, ["r"], [(key, reason) for _, key, reason in demoted_common]))
    # collect stage A together with the direct stage B plans
    first = _collect(plans_a + [(n, p) for _, n, p in plans_b])
    a = pl.concat(first[: len(plans_a)], how="vertical_relaxed").lazy()
    results = first[len(plans_a):]
    plans_b = []

    # Round 2 (stage B) for stage A's rows, per (calling code, metadata key).
    terminal.append(_terminal(a.filter(~_IS_FAST)))
    ok = a.filter(_IS_FAST)
    for cc_text, key, n in _sizes(ok, ["cc", "key"]):
        _plan_b(ok.filter((pl.col("cc") == cc_text) & (pl.col("key") == key)), cc_text, key, n,
                min_group, plans_b, pending, demoted_b)
    if demoted_b:
        terminal.append(_demote(ok, ["cc", "key"], demoted_b))
    results += _collect([(n, p) for _, n, p in plans_b])

    # Round 3 (stage C): type for shared calling codes, per (calling code, region).
    plans_c = []
    for (cc, _, _), frame in zip(pending, _collect([(n, p) for _, n, p in pending])):
        mid = frame.lazy()
        terminal.append(_terminal(mid.filter(~_IS_FAST)))
        good = mid.filter(_IS_FAST)
        demoted = []
        for r, n in _sizes(good, ["region"]):
            route = _route(n, True, min_group)
            if route == FAST:
                plans_c.append((n, _stage_c(good.filter(pl.col("region").eq_missing(r)), cc, r)))
            else:
                demoted.append((r, route))
        if demoted:
            terminal.append(_demote(good, ["region"], demoted))
    results += _collect(plans_c)

    done = pl.concat(results, how="vertical_relaxed") if results else None
    ends = [_terminal(done.lazy().filter(~_IS_FAST))] if done is not None else []
    ends = pl.concat(terminal + ends, how="vertical_relaxed").collect()
    if done is None:
        parsed = ends.clear()
    elif done.get_column("status").eq(FAST).all():
        parsed = done
    else:
        parsed = done.filter(_IS_FAST)
    parsed = parsed.drop("status").cast(OUT_SCHEMA)  # a no-op when the plans produced these types
    unparsed = ends.filter(_STATUS == UNPARSED)
    unparsed = unparsed.drop("status").with_columns(pl.lit(False).alias("valid")).cast(OUT_SCHEMA)
    decided = pl.concat([parsed, unparsed], how="vertical")
    fallback = ends.filter(_STATUS > FAST).select("i", "status")
    idx = fallback.get_column("i")
    fallback = fallback.with_columns(
        s=clean.cast(pl.String).gather(idx), r=region.cast(pl.String).gather(idx)
    )
    counts = {"rows": len(clean), "parsed": parsed.height, "unparsed": unparsed.height}
    by_status = dict(fallback.group_by("status").len().rows())
    for code, name in FALLBACK_REASONS.items():
        counts["fallback_" + name] = by_status.get(code, 0)
    counts["fallback"] = fallback.height
    return FastResult(decided, fallback, counts)
