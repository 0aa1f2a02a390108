"""phonenumbers' own metadata, compiled once per process into a form polars (Rust regex) runs.

Nothing here is hand-written phone knowledge: every pattern, prefix and length comes from the
installed ``phonenumbers`` through its public metadata API (``PhoneMetadata.metadata_for_region``,
``metadata_for_nongeo_region``, ``COUNTRY_CODE_TO_REGION_CODE``, ``SUPPORTED_REGIONS``), so a
phonenumbers upgrade needs no code change. Length rules are not re-implemented either: the
outcome of phonenumbers' ``_test_number_length`` depends only on a number's length, so it is
tabulated by calling that function on every length.

A :class:`Meta` is the compiled form of one ``PhoneMetadata`` (a region, or ``001:<cc>`` for a
non-geographic calling code). Patterns are wrapped for the way phonenumbers applies them:
``match`` (anchored at the start) becomes ``^(?:p)``, ``fullmatch`` becomes ``^(?:p)$``; Rust's
regex crate uses the same leftmost-first semantics as Python's ``re`` for these patterns.
Every pattern is compiled by polars once; a metadata entry with a pattern polars cannot compile,
or a rule this module cannot express, is marked ``supported=False`` and its numbers go to the
phonenumbers fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata, ValidationResult
from phonenumbers import phonenumberutil as pnu

COUNTRY_CODE_TO_REGION_CODE = pnu.COUNTRY_CODE_TO_REGION_CODE
SUPPORTED_REGIONS = pnu.SUPPORTED_REGIONS
NON_GEO = pnu.REGION_CODE_FOR_NON_GEO_ENTITY  # "001"
MIN_LENGTH_FOR_NSN = pnu._MIN_LENGTH_FOR_NSN
MAX_LENGTH_FOR_NSN = pnu._MAX_LENGTH_FOR_NSN
MAX_INPUT_STRING_LENGTH = pnu._MAX_INPUT_STRING_LENGTH
MAX_LENGTH_COUNTRY_CODE = pnu._MAX_LENGTH_COUNTRY_CODE
# _test_number_length is tabulated for lengths 0..LENGTH_TABLE; anything longer must be TOO_LONG
# (asserted when a Meta is built). Inputs longer than MAX_INPUT_STRING_LENGTH never get here.
LENGTH_TABLE = MAX_INPUT_STRING_LENGTH + 8

# The specific types in the order phonenumbers' _number_type_helper tests them (after the
# general description and before fixed line / mobile).
_TYPE_ORDER = (
    ("premium_rate", "PREMIUM_RATE"),
    ("toll_free", "TOLL_FREE"),
    ("shared_cost", "SHARED_COST"),
    ("voip", "VOIP"),
    ("personal_number", "PERSONAL_NUMBER"),
    ("pager", "PAGER"),
    ("uan", "UAN"),
    ("voicemail", "VOICEMAIL"),
)


@lru_cache(maxsize=None)
def rust_compiles(pattern: str) -> bool:
    """Whether polars' regex engine accepts ``pattern``."""
    try:
        pl.select(pl.lit("0").str.contains(pattern)).item()
    except Exception:  # noqa: BLE001 - any engine error means "cannot run this pattern"
        return False
    return True


def all_compile(patterns: list[str]) -> bool:
    """Whether polars accepts every pattern (one query for all of them)."""
    if not patterns:
        return True
    try:
        pl.select([pl.lit("0").str.contains(p).alias(str(k)) for k, p in enumerate(patterns)])
    except Exception:  # noqa: BLE001
        return False
    return True


_UNICODE_ONLY: set[str] = set()  # patterns whose byte-mode form polars rejects


def _ascii(pattern: str) -> str:
    """The pattern in Rust's byte-oriented mode (``\\d`` = ``[0-9]``), unless known not to
    compile there.

    The engine only ever applies metadata patterns to strings of ASCII digits, where the two
    modes agree; the byte-mode form compiles several times faster than the Unicode one.
    """
    return pattern if pattern in _UNICODE_ONLY else "(?-u:" + pattern + ")"


def full(pattern: str) -> str:
    """``fullmatch`` as a Rust regex."""
    return "^" + _ascii(pattern) + "$"


def prefix(pattern: str) -> str:
    """``re.match`` (anchored at the start only) as a Rust regex."""
    return "^" + _ascii(pattern)


@dataclass(frozen=True)
class Desc:
    """A ``PhoneNumberDesc`` as ``_is_number_matching_desc`` applies it."""

    pattern: str  # anchored full-match regex
    lengths: tuple[int, ...]  # empty: no length restriction


@dataclass(frozen=True)
class Meta:
    key: str
    country_code: int
    idd: str | None  # anchored prefix regex of the international prefix
    npp: str | None  # anchored prefix regex of national_prefix_for_parsing
    npp_group: int  # index of the last capturing group when a transform rule applies, else 0
    transform: str | None  # national_prefix_transform_rule in Rust replacement syntax
    general: str | None  # anchored full-match regex of the general description (no length check)
    general_desc: Desc | None  # the general description with its lengths (type helper)
    types: tuple[tuple[str, Desc], ...]  # specific types in _number_type_helper order
    fixed_line: Desc | None
    mobile: Desc | None
    same_mobile_and_fixed_line: bool
    # _test_number_length by length: every length >= too_long_from is TOO_LONG; below it,
    # accept_lengths are IS_POSSIBLE or TOO_LONG and too_long_lengths are TOO_LONG.
    accept_lengths: frozenset[int]
    too_long_lengths: frozenset[int]
    too_long_from: int
    leading_digits: str | None  # anchored prefix regex
    supported: bool
    reason: str = ""


def _desc(desc) -> Desc | None:
    """None when the description can never match (absent, no pattern, or no possible length)."""
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = tuple(desc.possible_length or ())
    if lengths and all(n < 0 for n in lengths):
        return None
    return Desc(full(desc.national_number_pattern), lengths)


_PY_GROUP_REF = re.compile(r"\\(\d+)|\\g<(\d+)>")


def _rust_replacement(rule: str) -> str | None:
    """Python ``re.sub`` template -> Rust replacement; None if it uses anything else."""
    out, pos = [], 0
    for m in _PY_GROUP_REF.finditer(rule):
        lit = rule[pos : m.start()]
        if "\\" in lit:
            return None
        out.append(lit.replace("$", "$$"))
        out.append("${" + (m.group(1) or m.group(2)) + "}")
        pos = m.end()
    lit = rule[pos:]
    if "\\" in lit:
        return None
    out.append(lit.replace("$", "$$"))
    return "".join(out)


def _compile(key: str, md) -> Meta:
    reasons = []
    idd = md.international_prefix or None
    if idd is not None and re.match(idd, "") is not None:
        reasons.append("international prefix can match empty")
    npp = md.national_prefix_for_parsing or None
    transform = md.national_prefix_transform_rule or None
    npp_group = 0
    rust_transform = None
    if npp is not None and transform is not None:
        npp_group = re.compile(npp).groups
        if npp_group == 0:
            reasons.append("transform rule without capturing group")  # phonenumbers itself fails
        rust_transform = _rust_replacement(transform)
        if rust_transform is None:
            reasons.append("transform rule syntax")
    # Tabulated up to two past the longest possible or local-only length: beyond it
    # _test_number_length can only answer TOO_LONG (checked: the table must end that way).
    general = md.general_desc
    known = [*general.possible_length, *general.possible_length_local_only] if general else []
    limit = min(LENGTH_TABLE, max(known, default=LENGTH_TABLE) + 2)
    try:
        lengths = [pnu._test_number_length("5" * n, md) for n in range(limit + 1)]
    except Exception:  # noqa: BLE001 - e.g. no possible lengths at all: leave it to phonenumbers
        lengths = [None]
    if lengths[-1] != ValidationResult.TOO_LONG:
        reasons.append("length table does not end in TOO_LONG")
    too_long_from = len(lengths)
    while too_long_from > 0 and lengths[too_long_from - 1] == ValidationResult.TOO_LONG:
        too_long_from -= 1
    head = list(enumerate(lengths[:too_long_from]))
    accept = frozenset(n for n, v in head if v in (ValidationResult.IS_POSSIBLE, ValidationResult.TOO_LONG))
    too_long = frozenset(n for n, v in head if v == ValidationResult.TOO_LONG)

    def build() -> Meta:
        d = _desc
        return Meta(
            key=key,
            country_code=md.country_code,
            idd=prefix(idd) if idd else None,
            npp=prefix(npp) if npp else None,
            npp_group=npp_group if rust_transform else 0,
            transform=rust_transform,
            general=full(general.national_number_pattern) if general and general.national_number_pattern else None,
            general_desc=d(general),
            types=tuple((name, d(getattr(md, attr))) for attr, name in _TYPE_ORDER if d(getattr(md, attr))),
            fixed_line=d(md.fixed_line),
            mobile=d(md.mobile),
            same_mobile_and_fixed_line=bool(md.same_mobile_and_fixed_line_pattern),
            accept_lengths=accept,
            too_long_lengths=too_long,
            too_long_from=too_long_from,
            leading_digits=prefix(md.leading_digits) if md.leading_digits else None,
            supported=True,
        )

    meta = build()
    if not all_compile(_patterns(meta)):
        # find the patterns polars only takes in Unicode mode (or not at all), then rebuild
        descs = (general, md.fixed_line, md.mobile, *(getattr(md, a) for a, _ in _TYPE_ORDER))
        raw = [p for p in (idd, npp, md.leading_digits) if p]
        raw += [x.national_number_pattern for x in descs if x is not None and x.national_number_pattern]
        _UNICODE_ONLY.update(p for p in raw if not rust_compiles("(?-u:" + p + ")"))
        meta = build()
        reasons += [f"regex not supported by polars: {p[:40]}" for p in _patterns(meta) if not rust_compiles(p)]
    if reasons:
        return Meta(**{**meta.__dict__, "supported": False, "reason": "; ".join(reasons)})
    return meta


def _patterns(meta: Meta) -> list[str]:
    out = [p for p in (meta.idd, meta.npp, meta.general, meta.leading_digits) if p]
    descs = [meta.general_desc, meta.fixed_line, meta.mobile] + [d for _, d in meta.types]
    out += [d.pattern for d in descs if d is not None]
    return out


@lru_cache(maxsize=None)
def meta_for_key(key: str) -> Meta | None:
    """Compiled metadata for a region code or ``001:<cc>``; None when phonenumbers has none."""
    if key.startswith(NON_GEO + ":"):
        md = PhoneMetadata.metadata_for_nongeo_region(int(key.split(":", 1)[1]), None)
    else:
        md = PhoneMetadata.metadata_for_region(key, None)
    return None if md is None else _compile(key, md)


def main_key(country_code: int) -> str:
    """Metadata key phonenumbers uses for a calling code (its main region, or ``001:<cc>``)."""
    main = COUNTRY_CODE_TO_REGION_CODE[country_code][0]
    return f"{NON_GEO}:{country_code}" if main == NON_GEO else main


def region_key(region: str, country_code: int) -> str:
    """Metadata key for one region of a calling code's list (as metadata_for_region_or_calling_code)."""
    return f"{NON_GEO}:{country_code}" if region == NON_GEO else region


@lru_cache(maxsize=1)
def country_code_prefixes() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Calling codes as strings, by length (1, 2, 3 digits), for ``_extract_country_code``."""
    codes = [str(cc) for cc in COUNTRY_CODE_TO_REGION_CODE]
    return tuple(frozenset(c for c in codes if len(c) == n) for n in (1, 2, 3))  # type: ignore[return-value]


@lru_cache(maxsize=1)
def main_keys() -> dict[str, str]:
    """Calling code (as string) -> metadata key of its main region."""
    return {str(cc): main_key(cc) for cc in COUNTRY_CODE_TO_REGION_CODE}


def region_class(region: str | None) -> str:
    """How a default-region value behaves in ``phonenumbers.parse``.

    ``valid``: a supported region code. ``none``: behaves exactly like no region (phonenumbers
    has no metadata for it and it can never equal a number's own region). ``fallback``: anything
    else (e.g. ``cn``, which phonenumbers rejects as a region but still loads metadata for).
    """
    if region is None:
        return "none"
    if region in SUPPORTED_REGIONS:
        return "valid"
    main_regions = {rs[0] for rs in COUNTRY_CODE_TO_REGION_CODE.values()}
    if PhoneMetadata.metadata_for_region(region.upper(), None) is None and region not in main_regions:
        return "none"
    return "fallback"


def version() -> str:
    return phonenumbers.__version__
