"""From text to embedded numbers: values cut into tokens, every candidate of their digit
chains, and the candidates the normalizer finds valid and written in one of the number's
own forms."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata

from scanner.privacy.embedded.grammar import MAX_DIGITS, MAX_SEPARATOR_RUN, PLUS, SEPARATOR, TOKEN, min_digits
from scanner.privacy.masking import mask_phone_expr


def tokens(values: pl.Series) -> pl.DataFrame:
    """Values cut into tokens: ``vid`` (the value's index), ``t`` (token index), ``text``,
    ``kind`` (``d``: digit group, ``s``: a short separator run, ``o``: anything else)."""
    frame = pl.DataFrame({"value": values}).with_row_index("vid")
    toks = frame.select("vid", pl.col("value").str.extract_all(TOKEN).alias("text")).explode("text")
    toks = toks.filter(pl.col("text").is_not_null()).with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).over("vid").alias("t"))
    text = pl.col("text")
    digit = text.str.contains(rf"^{PLUS}?\d+$")
    separator = text.str.contains(rf"^{SEPARATOR}{{1,{MAX_SEPARATOR_RUN}}}$")
    return toks.with_columns(pl.when(digit).then(pl.lit("d")).when(separator).then(pl.lit("s"))
                             .otherwise(pl.lit("o")).alias("kind"))


def chain_candidates(toks: pl.DataFrame, region: str | None) -> pl.DataFrame:
    """Every candidate of the tokens' chains: ``vid``, ``start``/``end`` (token indices),
    ``text`` (digits, with the ``+``)."""
    same = pl.col("vid").shift(2) == pl.col("vid")
    joined = (same & (pl.col("kind").shift(1) == "s") & (pl.col("kind").shift(2) == "d")
              & ~pl.col("text").str.contains(f"^{PLUS}")).fill_null(False)
    groups = toks.with_columns(joined.alias("joined")).filter(pl.col("kind") == "d").with_columns(
        pl.col("text").str.contains(f"^{PLUS}").alias("plus"),
        pl.col("text").str.replace(f"^{PLUS}", "").alias("digits"),
    ).with_columns(pl.col("digits").str.len_chars().alias("n"), (~pl.col("joined")).cum_sum().alias("chain"))
    low = min_digits(region)
    # one row per group: the candidate starting there grows one group per round
    chain, digits, n = pl.col("chain"), pl.col("digits"), pl.col("n")
    acc = groups.select("vid", "chain", pl.col("t").alias("start"), pl.col("t").alias("end"), "plus",
                        digits.alias("acc"), n.alias("total"), pl.lit(True).alias("alive"))
    parts = []
    width = 0
    while True:
        parts.append(acc.filter(pl.col("alive") & (pl.col("total") >= low)))
        width += 1
        ahead = groups.select(chain.shift(-width).alias("_chain"), pl.col("t").shift(-width).alias("_t"),
                              digits.shift(-width).alias("_d"), n.shift(-width).alias("_n"))
        acc = pl.concat([acc, ahead], how="horizontal").with_columns(
            (pl.col("alive") & (pl.col("_chain") == pl.col("chain"))
             & (pl.col("total") + pl.col("_n") <= MAX_DIGITS)).fill_null(False).alias("alive"))
        if not acc.get_column("alive").any():
            break
        acc = acc.select("vid", "chain", "start", pl.col("_t").alias("end"), "plus",
                         pl.concat_str("acc", "_d").alias("acc"), (pl.col("total") + pl.col("_n")).alias("total"),
                         "alive")
    cands = pl.concat(parts) if parts else pl.DataFrame(schema={"vid": pl.UInt32})
    if not cands.height:
        return pl.DataFrame(schema={"vid": pl.UInt32, "start": pl.UInt32, "end": pl.UInt32, "text": pl.String})
    return cands.select("vid", "start", "end",
                        pl.when("plus").then(pl.concat_str(pl.lit("+"), "acc")).otherwise("acc").alias("text"))


def validate(texts: pl.Series, region: str | None) -> pl.DataFrame:
    """The embedded numbers among distinct candidate texts: ``text``, ``e164``,
    ``national_number``, ``mask``.

    A candidate is one when it is valid and written in one of the number's own forms: its
    digits end with the calling code and the national number (``+86 139…``, ``0086…``,
    ``86…``), or are the national number with the region's trunk prefix (``020 2214 1454``),
    or the bare national number where that is how the number is written at home
    (``139 0013 9000``; a CN fixed line is written with its ``0``). phonenumbers also reads
    ``2022141454`` as a Guangzhou fixed line, and with it every order id, amount or serial of
    that shape; nobody writes a fixed line that way.
    """
    if not texts.len():
        return pl.DataFrame(schema={"text": pl.String, "e164": pl.String, "national_number": pl.String,
                                    "mask": pl.String})
    parsed = _parse(texts, region).filter(pl.col("valid"))
    digits = pl.col("raw").str.normalize("NFKC").str.replace(r"^\+", "")
    nn, cc = pl.col("national_number"), pl.col("country_code").cast(pl.String)
    trunk = _trunk_prefixes(region)
    with_trunk = pl.col("region").replace_strict(trunk.get_column("region"), trunk.get_column("prefix"),
                                                  default=None)
    uses_trunk = pl.concat_str("region", pl.lit(":"), "type").is_in(_trunk_types(region).implode())
    written = (
        pl.col("raw").str.contains(f"^{PLUS}")
        | digits.str.ends_with(pl.concat_str(cc, nn))
        | (digits == pl.concat_str(with_trunk, nn))
        | ((digits == nn) & ~uses_trunk)
    ).fill_null(False)
    return parsed.filter(written).select(
        pl.col("raw").alias("text"), "e164", "national_number",
        mask_phone_expr(pl.col("e164"), pl.col("country_code"), nn).alias("mask"))


#: Fewer distinct candidates than this are parsed one by one by the reference: the engine's
#: compiled expressions have a fixed cost per call that a header or a report's few texts,
#: parsed one by one, never reach.
SMALL = 256


def _parse(texts: pl.Series, region: str | None) -> pl.DataFrame:
    """``raw`` plus the normalizer's answer for distinct ``texts``: the engine
    (:func:`scanner.phone.normalize.parse_distinct`), or for a few, its reference (preclean,
    then phonenumbers itself: the answer the engine is held to)."""
    from scanner.phone.normalize import parse_distinct  # the phone package imports masks
    from scanner.phone.preclean import preclean_one
    from scanner.phone.reference import PARSED_SCHEMA, parse_one

    if texts.len() >= SMALL:
        return parse_distinct(texts.rename("raw").to_frame().with_columns(
            pl.lit(region, dtype=pl.String).alias("region_hint")))
    rows = [parse_one(preclean_one(t).clean, region) for t in texts.to_list()]
    return pl.DataFrame(rows, schema=PARSED_SCHEMA, orient="row").with_columns(texts.rename("raw"))


@lru_cache(maxsize=None)
def _same_code_regions(region: str | None) -> tuple[str, ...]:
    meta = PhoneMetadata.metadata_for_region(region) if region else None
    return tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(meta.country_code, ())) if meta else ()


@lru_cache(maxsize=None)
def _trunk_prefixes(region: str | None) -> pl.DataFrame:
    """The trunk (national) prefix of each region that shares ``region``'s calling code: the
    only regions a candidate without calling code can be read as."""
    rows = [(r, PhoneMetadata.metadata_for_region(r).national_prefix) for r in _same_code_regions(region)]
    rows = [(r, p) for r, p in rows if p]
    return pl.DataFrame(rows, schema={"region": pl.String, "prefix": pl.String}, orient="row")


@lru_cache(maxsize=None)
def _trunk_types(region: str | None) -> pl.Series:
    """``REGION:TYPE`` of the number types whose national format carries the trunk prefix
    (from phonenumbers' own formatting of its example numbers), for the regions sharing
    ``region``'s calling code."""
    from scanner.phone.reference import TYPE_NAMES

    out = []
    for r in _same_code_regions(region):
        for kind, name in TYPE_NAMES.items():
            example = phonenumbers.example_number_for_type(r, kind)
            if example is None:
                continue
            national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
            if "".join(ch for ch in national if ch.isdigit()) != phonenumbers.national_significant_number(example):
                out.append(f"{r}:{name}")
    return pl.Series(out, dtype=pl.String)
