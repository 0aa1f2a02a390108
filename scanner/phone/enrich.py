"""Number block, carrier and geography of normalized numbers, vectorized from phonenumbers' tables.

:func:`enrich` adds three columns to a normalized frame (``e164``, ``country_code``,
``national_number``, ``type``, ``region`` as :func:`scanner.phone.normalize.normalize` returns):

* ``block``: the E.164 prefix of the number's 10,000-number block (all but the last four digits
  of the national number; for a CN mobile that is ``+86`` and the first seven digits, the
  号段 + HLR code). Null when the national number has fewer than seven digits.
* ``carrier``: exactly ``phonenumbers.carrier.name_for_number(number, lang)``.
* ``geo``: exactly ``phonenumbers.geocoder.description_for_number(number, lang)``.

Both texts are ``""`` where phonenumbers has no description, and null for rows without a
number. The lookups are longest-prefix joins of the E.164 digits on phonenumbers' own prefix
tables (``carrierdata.CARRIER_DATA``, ``geodata.GEOCODE_DATA``, ``geodata.locale.LOCALE_DATA``),
with the language chosen per prefix by phonenumbers' own ``_find_lang`` (so ``zh`` never falls
back to English, as in phonenumbers). Work happens once per distinct number.

Two rare cases are answered by phonenumbers itself, per distinct number: numbers of calling
codes with a mobile token (Argentina's ``9``, which the geocoder strips and re-parses), and
the country name of a number of a shared calling code (``+1``, ``+7``, ``+44``…), which
depends on the regions the number is valid in.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
import polars as pl
from phonenumbers import carrier, geocoder
from phonenumbers import phonenumberutil as pnu
from phonenumbers.carrierdata import CARRIER_DATA
from phonenumbers.geodata import GEOCODE_DATA
from phonenumbers.geodata.locale import LOCALE_DATA
from phonenumbers.prefix import _find_lang

BLOCK_HIDDEN_DIGITS = 4
BLOCK_MIN_NSN = 7
CARRIER_TYPES = ("MOBILE", "FIXED_LINE_OR_MOBILE", "PAGER")  # carrier._is_mobile
GEO_TYPES = ("FIXED_LINE", "FIXED_LINE_OR_MOBILE")  # is_number_type_geographical (+ mobile below)
ENRICH_SCHEMA = {"block": pl.String, "carrier": pl.String, "geo": pl.String}


@lru_cache(maxsize=8)
def prefix_tables(kind: str, lang: str) -> tuple[tuple[int, pl.DataFrame], ...]:
    """(prefix length, frame[_p, _name]) longest first, for ``carrier`` or ``geo`` in ``lang``.

    ``_p`` is the prefix as an integer (prefixes start with a calling code, never with 0, and
    each table holds one length, so the integer is exact). Prefixes whose entry has no name in
    ``lang`` (after phonenumbers' own fallbacks) are left out: phonenumbers then tries the next
    shorter prefix, and so does the join.
    """
    data = CARRIER_DATA if kind == "carrier" else GEOCODE_DATA
    by_len: dict[int, tuple[list[int], list[str]]] = {}
    for prefix, names in data.items():
        name = _find_lang(names, lang, None, None)
        if name is not None:
            keys, values = by_len.setdefault(len(prefix), ([], []))
            keys.append(int(prefix))
            values.append(name)
    return tuple(
        (n, pl.DataFrame({"_p": keys, "_name": values}, schema={"_p": pl.UInt64, "_name": pl.String}))
        for n, (keys, values) in sorted(by_len.items(), reverse=True)
    )


_KEY_DIGITS = 18  # digits of the E.164 number held as one integer (fits in UInt64)
_POWERS = {k: 10**k for k in range(_KEY_DIGITS + 1)}  # exact integer divisors


def _longest_prefix(digits: pl.DataFrame, kind: str, lang: str) -> pl.DataFrame:
    """``digits`` [k, d] -> [k, name] (null where no prefix has a name): phonenumbers'
    ``_prefix_description_for_number`` (longest prefix first, ``d[:n]`` for each length n).

    The leading digits are read once as an integer; each prefix is that integer divided by a
    power of ten. A number shorter than n digits can only equal a shorter prefix, which is
    found at its own length, so it is skipped at n.
    """
    d = pl.col("d")
    todo = digits.with_columns(
        d.str.slice(0, _KEY_DIGITS).cast(pl.UInt64, strict=False).alias("_pf"),
        pl.min_horizontal(d.str.len_bytes(), pl.lit(_KEY_DIGITS)).cast(pl.Int64).alias("_lf"),
    )
    found = []
    for n, table in prefix_tables(kind, lang):
        if todo.height == 0:
            break
        lf = pl.col("_lf")
        divisor = (lf - n).replace_strict(_POWERS, default=None, return_dtype=pl.UInt64)
        key = pl.when(lf >= n).then(pl.col("_pf") // divisor)
        hit = todo.with_columns(key.cast(pl.UInt64).alias("_p")).join(table, on="_p", how="left")
        found.append(hit.filter(pl.col("_name").is_not_null()).select("k", "_name"))
        todo = hit.filter(pl.col("_name").is_null()).drop("_p", "_name")
    found.append(todo.select("k", pl.lit(None, dtype=pl.String).alias("_name")))
    return pl.concat(found).rename({"_name": "name"})


@lru_cache(maxsize=8)
def region_names(lang: str) -> dict[str, str]:
    """geocoder._region_display_name for every region, in ``lang``."""
    out = {}
    for region, names in LOCALE_DATA.items():
        name = names.get(lang, "")
        if name.startswith("*"):
            name = names.get(name[1:], "")
        out[region] = name
    return out


def _number(cc: int, nsn: str) -> phonenumbers.PhoneNumber:
    """The PhoneNumber phonenumbers.parse produced for (country code, national significant number)."""
    num = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn))
    if len(nsn) > 1 and nsn[0] == "0":
        num.italian_leading_zero = True
        zeros = 1
        while zeros < len(nsn) - 1 and nsn[zeros] == "0":
            zeros += 1
        if zeros != 1:
            num.number_of_leading_zeros = zeros
    return num


def _by_phonenumbers(rows: pl.DataFrame, lang: str) -> pl.DataFrame:
    """[k, cc, nsn] -> [k, name]: geocoder.description_for_number itself."""
    names = [
        geocoder.description_for_number(_number(cc, nsn), lang)
        for cc, nsn in zip(rows.get_column("cc").to_list(), rows.get_column("nsn").to_list())
    ]
    return pl.DataFrame({"k": rows.get_column("k"), "name": names}, schema={"k": pl.UInt32, "name": pl.String})


def _geo(numbers: pl.DataFrame, lang: str) -> pl.DataFrame:
    """numbers [k, cc, nsn, d, type, region] -> [k, geo]."""
    cc, t = pl.col("cc"), pl.col("type")
    single = {cc_ for cc_, regions in pnu.COUNTRY_CODE_TO_REGION_CODE.items() if len(regions) == 1}
    tokens = pnu._MOBILE_TOKEN_MAPPINGS
    geographical = t.is_in(GEO_TYPES) | ((t == "MOBILE") & cc.is_in(sorted(pnu._GEO_MOBILE_COUNTRIES)))
    token = pl.lit(False)
    for code, tok in tokens.items():
        token = token | ((cc == code) & pl.col("nsn").str.starts_with(tok))
    framed = numbers.with_columns(
        pl.when(t == "UNKNOWN").then(pl.lit("none"))
        .when(geographical & token).then(pl.lit("phonenumbers"))
        .when(geographical).then(pl.lit("area"))
        .otherwise(pl.lit("country"))
        .alias("_path")
    )
    parts = [framed.filter(pl.col("_path") == "none").select("k", pl.lit("").alias("name"))]
    parts.append(_by_phonenumbers(framed.filter(pl.col("_path") == "phonenumbers"), lang))
    area = _longest_prefix(framed.filter(pl.col("_path") == "area").select("k", "d"), "geo", lang)
    area = area.join(framed.select("k", "cc", "nsn"), on="k", how="left")
    parts.append(area.filter(pl.col("name").fill_null("") != "").select("k", "name"))
    # no area description: the country name (phonenumbers' country_name_for_number)
    country = pl.concat([
        area.filter(pl.col("name").fill_null("") == "").select("k", "cc", "nsn"),
        framed.filter(pl.col("_path") == "country").select("k", "cc", "nsn"),
    ])
    is_single = country.get_column("cc").is_in(sorted(single))
    names = region_names(lang)
    main = {str(c): pnu.COUNTRY_CODE_TO_REGION_CODE[c][0] for c in single}
    parts.append(
        country.filter(is_single).select(
            "k",
            pl.col("cc").cast(pl.String)
            .replace_strict(main, default=None)
            .replace_strict(names, default="", return_dtype=pl.String)
            .alias("name"),
        )
    )
    parts.append(_by_phonenumbers(country.filter(~is_single), lang))
    return pl.concat(parts, how="vertical_relaxed").rename({"name": "geo"})


def _carrier(numbers: pl.DataFrame, lang: str) -> pl.DataFrame:
    mobile = numbers.filter(pl.col("type").is_in(CARRIER_TYPES))
    named = _longest_prefix(mobile.select("k", "d"), "carrier", lang).with_columns(pl.col("name").fill_null(""))
    others = numbers.filter(~pl.col("type").is_in(CARRIER_TYPES)).select("k", pl.lit("").alias("name"))
    return pl.concat([named, others]).rename({"name": "carrier"})


def enrich(frame: pl.DataFrame | pl.LazyFrame, lang: str = "zh") -> pl.DataFrame:
    """``frame`` plus ``block``, ``carrier`` and ``geo`` (see the module docstring)."""
    df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    # distinct numbers are found and joined back on a 64-bit hash of e164; a collision would
    # show as a joined row whose e164 differs, and the exact string-keyed join is used instead
    keyed = df.select(pl.col("e164").hash().alias("_h"), "e164")
    numbers = (
        df.with_columns(keyed.get_column("_h"))
        .filter(pl.col("e164").is_not_null())
        .unique(subset="_h")
        .select(
            "_h",
            "e164",
            pl.col("country_code").cast(pl.Int32).alias("cc"),
            pl.col("national_number").alias("nsn"),
            pl.col("type").fill_null("UNKNOWN"),
            "region",
        )
        .with_row_index("k")
        .with_columns(pl.col("e164").str.slice(1).alias("d"))
    )
    nsn = pl.col("nsn")
    facts = numbers.select(
        "k",
        "_h",
        pl.col("e164").alias("_e164"),
        pl.when(nsn.str.len_chars() >= BLOCK_MIN_NSN)
        .then(pl.concat_str(pl.lit("+"), pl.col("cc").cast(pl.String),
                            nsn.str.slice(0, nsn.str.len_chars() - BLOCK_HIDDEN_DIGITS)))
        .alias("block"),
    )
    facts = facts.join(_carrier(numbers, lang), on="k", how="left").join(_geo(numbers, lang), on="k", how="left")
    joined = keyed.join(facts.drop("k"), on="_h", how="left", maintain_order="left")
    if joined.height == df.height and joined.get_column("e164").eq_missing(joined.get_column("_e164")).all():
        out = pl.concat([df, joined.select(list(ENRICH_SCHEMA))], how="horizontal")
    else:  # pragma: no cover - a 64-bit hash collision
        out = df.join(facts.drop("k", "_h").rename({"_e164": "e164"}), on="e164", how="left",
                      maintain_order="left")
    return out.with_columns(pl.col(c).cast(t) for c, t in ENRICH_SCHEMA.items())


def carrier_one(number: phonenumbers.PhoneNumber, lang: str = "zh") -> str:
    """The per-number reference for ``carrier``."""
    return carrier.name_for_number(number, lang)


def geo_one(number: phonenumbers.PhoneNumber, lang: str = "zh") -> str:
    """The per-number reference for ``geo``."""
    return geocoder.description_for_number(number, lang)
