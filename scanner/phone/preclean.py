"""``preclean``: the small, documented repair step that runs before ``phonenumbers``.

The reference answer for every raw value is ``phonenumbers.parse(preclean(raw).clean, region)``
(docs/ARCHITECTURE.md). ``preclean`` only repairs what phonenumbers cannot know about:

1. NFKC normalization (full-width digits and punctuation, non-breaking spaces).
   A value that NFKC changes counts as *repaired* (PH010).
2. Spreadsheet thousands separators (``13,800,138,000``) are removed (repaired).
3. Chinese extension markers 转 / 分机 become `` ext. `` (phonenumbers already splits
   ``ext``, ``x`` and ``#``).
4. Several numbers in one cell: hard separators (``, ; | 、`` and newlines) and runs of
   Han characters (annotations such as 微信同号) split the cell; a ``/`` splits it only when
   every part holds at least 7 digits (``030/1234567`` is one German number). The first part
   is the row's number; the count of other parts holding digits is ``extra_numbers`` and a
   Han annotation sets ``annotated`` (both PH012).
5. Float artifacts: ``13800138000.0`` becomes ``13800138000`` (repaired, PH010).
   Scientific notation is expanded when it shows every digit (``1.3800138000E+10``,
   repaired) and is *mangled* otherwise (``1.38001E+10``: digits were lost, PH003,
   ``clean`` is null).

``preclean_expr`` (vectorized) and ``preclean_one`` (plain Python, for single values) are
kept in lock-step by a property-based test.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import polars as pl

HAN = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_STRIP = " \t\r\n\x0b\x0c"
_EXT_MARKER = r"[ \t]*(?:转|分机|分機|内线|內線)[ \t]*"
_THOUSANDS = r"^\d{1,3}(?:,\d{3})+(?:\.0+)?$"
_HARD_SEPARATOR = "(?:[,;|、\n\r]|" + HAN + "+)"
# the parts between hard separators (a run of Han characters is one separator)
_NOT_SEPARATOR = "[^,;|、\n\r" + HAN[1:-1] + "]+"
_FLOAT_ARTIFACT = r"^(\+?\d+)\.0+$"
_SCIENTIFIC = r"^\+?(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})$"
MIN_DIGITS_PER_SLASH_PART = 7


@dataclass(frozen=True)
class Precleaned:
    clean: str | None
    repaired: bool
    mangled: bool
    extra_numbers: int
    annotated: bool


def preclean_one(raw: str | None) -> Precleaned:
    """Plain-Python preclean of one value; identical to :func:`preclean_expr`."""
    if raw is None:
        return Precleaned(None, False, False, 0, False)
    nfkc = unicodedata.normalize("NFKC", raw)
    repaired = nfkc != raw
    text = nfkc.strip(_STRIP)
    if re.match(_THOUSANDS, text):
        text = text.replace(",", "")
        repaired = True
    text = re.sub(_EXT_MARKER, " ext. ", text)
    annotated = re.search(HAN, text) is not None
    parts = [p.strip(_STRIP) for p in re.split(_HARD_SEPARATOR, text)]
    parts = [p for p in parts if p]
    if not parts:
        return Precleaned(None, repaired, False, 0, annotated)
    first, rest = parts[0], parts[1:]
    extra = sum(1 for p in rest if re.search(r"\d", p))
    slash_parts = [p.strip(_STRIP) for p in first.split("/")]
    if len(slash_parts) > 1 and all(
        len(re.findall(r"\d", p)) >= MIN_DIGITS_PER_SLASH_PART for p in slash_parts
    ):
        first = slash_parts[0]
        extra += len(slash_parts) - 1
    mangled = False
    m = re.match(_FLOAT_ARTIFACT, first)
    if m:
        first = m.group(1)
        repaired = True
    m = re.match(_SCIENTIFIC, first)
    if m:
        lead, frac, exp = m.group(1), m.group(2) or "", int(m.group(3))
        if len(frac) == exp:
            first = lead + frac
            repaired = True
        elif len(frac) < exp:
            first = None
            mangled = True
    return Precleaned(first, repaired, mangled, extra, annotated)


# a value every step leaves unchanged (no whitespace at the ends, nothing NFKC changes):
# its clean value is itself and every flag is false / 0
PLAIN = r"^[0-9+\-()](?:[0-9+\-() ]*[0-9+\-()])?$"
_OUTPUT = ("clean", "repaired", "mangled", "extra_numbers", "annotated")
_OUTPUT_DTYPE = pl.Struct(
    {"clean": pl.String, "repaired": pl.Boolean, "mangled": pl.Boolean, "extra_numbers": pl.UInt32,
     "annotated": pl.Boolean}
)


def _select_output(s: pl.Series) -> pl.Series:
    return s.struct.unnest().select(_OUTPUT).to_struct(s.name)


def preclean_expr(raw: pl.Expr) -> pl.Expr:
    """Vectorized preclean: a struct with fields clean, repaired, mangled, extra_numbers, annotated.

    Each step is a field of one struct (``struct.with_fields``), so every intermediate is
    computed once: polars does not share a repeated sub-expression, and writing the steps as
    nested expressions made the plan grow exponentially (tens of seconds per million values).
    """
    f = pl.field
    # Plain values (ASCII digits, + - ( ) and inner spaces) pass every step unchanged; the
    # steps run on the other values only (null for plain ones) and plain ones are copied.
    s = pl.struct(raw.alias("input"))
    s = s.struct.with_fields(f("input").str.contains(PLAIN).fill_null(False).alias("plain"))
    s = s.struct.with_fields(pl.when(~f("plain")).then(f("input")).alias("raw"))
    s = s.struct.with_fields(f("raw").str.normalize("NFKC").alias("nfkc"))
    s = s.struct.with_fields(f("nfkc").str.strip_chars(_STRIP).alias("stripped"))
    s = s.struct.with_fields(f("stripped").str.contains(_THOUSANDS).alias("thousands"))
    s = s.struct.with_fields(
        pl.when(f("thousands"))
        .then(f("stripped").str.replace_all(",", "", literal=True))
        .otherwise(f("stripped"))
        .str.replace_all(_EXT_MARKER, " ext. ")
        .alias("text")
    )
    s = s.struct.with_fields(
        f("text").str.contains(HAN).fill_null(False).alias("annotated_"),
        f("text")
        .str.extract_all(_NOT_SEPARATOR)
        .list.eval(pl.element().str.strip_chars(_STRIP))
        .list.eval(pl.element().filter(pl.element().str.len_bytes() > 0))
        .alias("parts"),
    )
    s = s.struct.with_fields(
        f("parts").list.first().alias("first0"),
        f("parts")
        .list.slice(1)
        .list.eval(pl.element().str.contains(r"\d").cast(pl.UInt32))
        .list.sum()
        .fill_null(0)
        .cast(pl.UInt32)
        .alias("extra0"),
    )
    s = s.struct.with_fields(
        f("first0").str.split("/").list.eval(pl.element().str.strip_chars(_STRIP)).alias("slash_parts")
    )
    slash_parts = f("slash_parts")
    s = s.struct.with_fields(
        (
            (slash_parts.list.len() > 1)
            & (
                slash_parts.list.eval(pl.element().str.count_matches(r"\d")).list.min()
                >= MIN_DIGITS_PER_SLASH_PART
            )
        ).alias("slash_split")
    )
    s = s.struct.with_fields(
        pl.when(f("slash_split")).then(slash_parts.list.first()).otherwise(f("first0")).alias("first1"),
        (
            f("extra0")
            + pl.when(f("slash_split")).then(slash_parts.list.len() - 1).otherwise(0).cast(pl.UInt32)
        ).alias("extra1"),
    )
    s = s.struct.with_fields(f("first1").str.contains(_FLOAT_ARTIFACT).fill_null(False).alias("float_artifact"))
    s = s.struct.with_fields(
        pl.when(f("float_artifact"))
        .then(f("first1").str.extract(_FLOAT_ARTIFACT, 1))
        .otherwise(f("first1"))
        .alias("first2")
    )
    s = s.struct.with_fields(
        f("first2").str.extract(_SCIENTIFIC, 1).alias("lead"),
        f("first2").str.extract(_SCIENTIFIC, 2).fill_null("").alias("frac"),
        f("first2").str.extract(_SCIENTIFIC, 3).cast(pl.Int32).alias("exp"),
    )
    is_sci = f("lead").is_not_null()
    frac_len = f("frac").str.len_chars().cast(pl.Int32)
    s = s.struct.with_fields(
        (is_sci & (frac_len == f("exp"))).alias("lossless_sci"),
        (is_sci & (frac_len < f("exp"))).fill_null(False).alias("mangled_"),
    )
    s = s.struct.with_fields(
        pl.when(f("lossless_sci"))
        .then(pl.concat_str(f("lead"), f("frac")))
        .when(f("mangled_"))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(f("first2"))
        .alias("clean_"),
        ((f("nfkc") != f("raw")) | f("thousands") | f("float_artifact") | f("lossless_sci"))
        .fill_null(False)
        .alias("repaired_"),
        pl.when(f("raw").is_null()).then(0).otherwise(f("extra1")).cast(pl.UInt32).alias("extra_"),
    )
    plain = f("plain")
    s = s.struct.with_fields(
        pl.when(plain).then(f("input")).otherwise(f("clean_")).alias("clean"),
        (~plain & f("repaired_")).alias("repaired"),
        (~plain & f("mangled_")).alias("mangled"),
        pl.when(plain).then(0).otherwise(f("extra_")).cast(pl.UInt32).alias("extra_numbers"),
        (~plain & f("annotated_")).alias("annotated"),
    )
    return s.map_batches(_select_output, return_dtype=_OUTPUT_DTYPE, is_elementwise=True)


# after NFKC and the strip, a float artifact of ASCII digits (``_FLOAT_ARTIFACT`` on them)
_FLOAT_ASCII = r"^(\+?[0-9]+)\.0+$"


def preclean_frame(frame: pl.DataFrame, raw: str = "raw") -> pl.DataFrame:
    """``frame`` with the fields of :func:`preclean_expr` added, rows in another order (carry
    an index to restore it).

    Most values take a short lane with the same answer: plain values (``PLAIN``) are their own
    clean value; values that are plain, or an ASCII float artifact, once NFKC-normalized and
    stripped (full-width digits, padding, ``13800138000.0``) are that text, repaired when NFKC
    changed them or the artifact was dropped: no later step applies to such text. Only the
    others (extension markers, several numbers, annotations, thousands, scientific notation)
    run every step of ``preclean_expr``.
    """
    x = pl.col(raw)
    flags = [pl.lit(False).alias("mangled"), pl.lit(0, dtype=pl.UInt32).alias("extra_numbers"),
             pl.lit(False).alias("annotated")]
    is_plain = frame.get_column(raw).str.contains(PLAIN).fill_null(False)
    plain = frame.filter(is_plain).with_columns(x.alias("clean"), pl.lit(False).alias("repaired"), *flags)
    other = frame.filter(~is_plain)
    nfkc = other.get_column(raw).str.normalize("NFKC")
    text = nfkc.str.strip_chars(_STRIP)
    text_plain = text.str.contains(PLAIN).fill_null(False)
    artifact = text.str.extract(_FLOAT_ASCII, 1)
    short = text_plain | artifact.is_not_null()
    lane = other.with_columns(
        pl.when(text_plain).then(text).otherwise(artifact).alias("clean"),
        ((nfkc != other.get_column(raw)) | artifact.is_not_null()).alias("repaired"),
        *flags,
    ).filter(short)
    rest = other.filter(~short).lazy().with_columns(preclean_expr(x).alias("_pre")).unnest("_pre").collect()
    return pl.concat([plain, lane, rest], how="vertical")
