"""Reading times in every form exports write them, one reading per column.

Read: ISO 8601 with or without an offset (``2025-03-04T10:20:30+08:00``, ``Z``);
``2025/3/4``, ``2025.3.4``, ``2025年3月4日``, ``20250304``, ``20250304102030``; day/month
and month/day forms (``27/8/2023``, ``8/27/2023 7:32 AM``, ``27.08.2023 19:32``, two-digit
years, 上午/下午); epoch seconds and milliseconds of ten and thirteen digits (from
2001-09-09: ``1700000000``, ``1700000000000``); Excel serial days (``45165.3``). Times
without an offset are in the policy's time zone; epoch times are UTC.

Whether ``3/4/2025`` is 3 April or 4 March is decided once per column, on the column's
first records (:func:`decide_readings`), so every batch of an input reads the same way:
a value whose first number is above 12 says day-first, one whose second is says
month-first; when none says either, 12-hour times (``AM``/``PM``) and a US-style region
mean month-first, anything else day-first (reported as assumed). A policy can give a
column an explicit format (``[columns] formats``); then only that format is read.

Everything is polars expressions, no Python runs per value: the forms a column takes on
its first records are parsed directly (``DateReading.forms``), and what they leave takes a
general route of regular expressions once per distinct value (both give the same instant).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from scanner.i18n import Text

#: Canonical columns read as times.
TIME_COLUMNS = ("consent_time", "collected_at")
#: Regions whose lists write month/day (``8/27/2023``) when the values do not tell.
MONTH_FIRST_REGIONS = frozenset({"US", "PH", "PR", "GU", "AS", "VI", "MP", "UM", "FM", "MH", "PW"})

_CANONICAL_FORMAT = "%Y-%m-%d %H:%M:%S"
_AMPM = r"(a\.?m\.?|p\.?m\.?|上午|下午|晚上)"
# groups: 1-3 year-month-day; 4-6 day/month (either order) and year; 7-10 time and
# fraction of a second; 11 offset
_DATE_TIME = (
    r"^(?:([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})|([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4}|[0-9]{2}))"
    r"(?:(?:\s+|t)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?)?"
    r"\s*(z|utc|gmt|[+-][0-9]{2}(?::?[0-9]{2})?)?$"
)
# Forms polars parses directly (far cheaper than the general route): a column's own forms
# among them are found on its first records.
_YEAR_FIRST_FORMS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f", "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S",
)
_AWARE_FORMS = ("%Y-%m-%dT%H:%M:%S%#z", "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z",
                "%Y-%m-%d %H:%M:%S%.f%#z")
_TIMES = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
MAX_FORMS = 3
FORM_SAMPLE = 1_000   # distinct values the forms are found on
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_EXCEL_DAYS = (20_000, 80_000)   # 1954 .. 2119: a five-digit number in a time column


@dataclass(frozen=True)
class DateReading:
    """How one column's times are read.

    ``order``: how day/month values (``3/4/2025``) are read, ``day-first`` or
    ``month-first``. ``decided_by``: ``values`` (a sampled value could only be read one
    way), ``assumed`` (none told; see the module docstring) or ``policy`` (``format`` is
    set: only that ``strftime`` format is read). ``day_month_values``: the distinct
    sampled values written day/month (either order).
    """

    order: str = "day-first"
    decided_by: str = "assumed"
    format: str | None = None
    day_month_values: int = 0
    #: the forms polars reads directly that the sampled values take, most common first
    #: (a speed-up only: any value they miss takes the general route, to the same result)
    forms: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, str | int | list[str] | None]:
        return {"order": self.order, "decided_by": self.decided_by, "format": self.format,
                "day_month_values": self.day_month_values, "forms": list(self.forms)}


DEFAULT_READING = DateReading()


def decide_readings(frame: pl.DataFrame, *, explicit: Mapping[str, str] | None = None,
                    region: str | None = None) -> dict[str, DateReading]:
    """The reading of each time column of ``frame`` (the input's first records, as many as
    the column roles are decided on; canonical names)."""
    explicit = dict(explicit or {})
    out = {}
    for column in TIME_COLUMNS:
        if column in explicit:
            out[column] = DateReading("format", "policy", explicit[column])
        elif column in frame.columns:
            values = frame.get_column(column).drop_nulls().unique(maintain_order=True)
            out[column] = decide_reading(values, month_first=(region or "").upper() in MONTH_FIRST_REGIONS)
    return out


def decide_reading(values: pl.Series, *, month_first: bool = False) -> DateReading:
    """Day-first or month-first for a column, from its values (see the module docstring).

    ``month_first``: the order to assume when no value tells (12-hour times also say
    month-first)."""
    parts = _normalized(pl.DataFrame({"v": values.cast(pl.String)}).lazy(), "v").select(
        pl.col("_s").str.extract_groups(_DATE_TIME).alias("g"), pl.col("_ampm")).unnest("g").collect()
    first = parts.get_column("4").cast(pl.Int32, strict=False)
    second = parts.get_column("5").cast(pl.Int32, strict=False)
    shaped = int(first.is_not_null().sum())
    day_first = int(((first > 12) & (second <= 12)).sum())
    month_first_seen = int(((second > 12) & (first <= 12)).sum())
    if day_first or month_first_seen:
        order, decided_by = "day-first" if day_first >= month_first_seen else "month-first", "values"
    else:
        twelve_hour = bool((first.is_not_null() & parts.get_column("_ampm").is_not_null()).any())
        order, decided_by = "month-first" if month_first or twelve_hour else "day-first", "assumed"
    return DateReading(order, decided_by, day_month_values=shaped, forms=direct_forms(values, order))


def direct_forms(values: pl.Series, order: str) -> tuple[str, ...]:
    """Up to :data:`MAX_FORMS` forms polars reads directly that cover the most of
    ``values`` (distinct values; the first :data:`FORM_SAMPLE`), most first."""
    day_month = "%d{0}%m{0}%Y" if order != "month-first" else "%m{0}%d{0}%Y"
    candidates = [*_AWARE_FORMS, *_YEAR_FIRST_FORMS,
                  *(day_month.format(sep) + time for sep in "/.-" for time in _TIMES)]
    rest = values.cast(pl.String).str.strip_chars().head(FORM_SAMPLE)
    chosen: list[str] = []
    while rest.len() and len(chosen) < MAX_FORMS:
        frame = rest.to_frame("v")
        parsed = {form: frame.select(_direct(pl.col("v"), form)).to_series()
                  for form in candidates if form not in chosen}
        form, hits = max(((f, p.is_not_null().sum()) for f, p in parsed.items()), key=lambda fh: fh[1])
        if not hits:
            break
        chosen.append(form)
        rest = rest.filter(parsed[form].is_null())
    return tuple(chosen)


def _direct(text: pl.Expr, form: str) -> pl.Expr:
    """``text`` parsed with ``form`` (UTC when the form has an offset, else naive); a year
    below 1000 is a two-digit year the form misread (null: the general route reads it)."""
    parsed = text.str.to_datetime(form, strict=False, time_unit="us")
    if "%#z" in form:
        return parsed.dt.convert_time_zone("UTC")
    return pl.when(parsed.dt.year() >= 1000).then(parsed)


def _normalized(lf: pl.LazyFrame, src: str) -> pl.LazyFrame:
    """Add ``_s`` (``src`` folded: NFKC, lower case, 年月日 as ``-``, the AM/PM mark taken
    out, compact ``YYYYMMDD[HHMMSS]`` spelled out) and ``_ampm`` (``a``/``p`` or null)."""
    s = pl.col(src).str.normalize("NFKC").str.strip_chars().str.to_lowercase()
    mark = s.str.extract(_AMPM, 1)
    lf = lf.with_columns(
        pl.when(mark.is_null()).then(None)
        .when(mark.str.starts_with("a") | (mark == "上午")).then(pl.lit("a")).otherwise(pl.lit("p"))
        .alias("_ampm"),
        s.str.replace(_AMPM, " ").alias("_s"),
    )
    s = (
        pl.col("_s").str.replace_all(r"([0-9])\s*[年月]\s*([0-9])", "$1-$2")
        .str.replace_all(r"([0-9])\s*[年月]\s*([0-9])", "$1-$2")   # (matches overlap: twice)
        .str.replace(r"([0-9])\s*日", "$1")
        .str.replace_all(r"\s+", " ").str.strip_chars()
        .str.replace(r"^([0-9]{4})([0-9]{2})([0-9]{2})$", "$1-$2-$3")
        .str.replace(r"^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})$", "$1-$2-$3 $4:$5:$6")
    )
    return lf.with_columns(s.alias("_s"))


def parse_times(values: pl.Series, tz: str, reading: DateReading = DEFAULT_READING) -> pl.Series:
    """``values`` read as times (UTC), null when empty or unreadable.

    The column's own forms (``reading.forms``) are parsed directly; what they leave takes
    the general route once per distinct value, gathered back onto the rows.
    """
    text = values.cast(pl.String).str.strip_chars().rename("v").to_frame()
    if reading.format is not None:
        return text.select(_explicit(pl.col("v"), reading.format, tz)).to_series()
    utc = pl.Datetime("us", "UTC")
    naive = pl.lit(None, dtype=pl.Datetime("us"))
    aware = pl.lit(None, dtype=utc)
    # (the common export shape too: a column whose first records hold no time may hold them later)
    for form in dict.fromkeys((*reading.forms, _CANONICAL_FORMAT)):
        if "%#z" in form:
            aware = pl.coalesce(aware, _direct(pl.col("v"), form))
        else:
            naive = pl.coalesce(naive, _direct(pl.col("v"), form))
    direct = text.select(aware.alias("aware"), naive.alias("naive"), pl.col("v"))
    read = pl.col("aware").is_not_null() | pl.col("naive").is_not_null()
    left = direct.select(pl.when(~read & (pl.col("v") != "")).then(pl.col("v"))).to_series()
    distinct = left.drop_nulls().unique()
    general = _general_route(pl.LazyFrame({"v": distinct}), "v", "out", tz, reading).collect().get_column("out")
    gathered = (pl.lit(general).gather(pl.col("v").cast(pl.Enum(distinct.to_list())).to_physical())
                if distinct.len() else pl.lit(None, dtype=utc))
    local = pl.col("naive").dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")
    return direct.with_columns(left.alias("v")).select(
        pl.coalesce(pl.col("aware"), local, pl.when(pl.col("v").is_not_null()).then(gathered)).alias(values.name)
    ).to_series()


def with_parsed_times(lf: pl.LazyFrame, src: str, dst: str, tz: str,
                      reading: DateReading = DEFAULT_READING) -> pl.LazyFrame:
    """Add ``dst``: ``src`` read as a time (:func:`parse_times`)."""
    return lf.with_columns(pl.col(src).map_batches(lambda s: parse_times(s, tz, reading),
                                                   return_dtype=pl.Datetime("us", "UTC")).alias(dst))


def _general_route(lf: pl.LazyFrame, src: str, dst: str, tz: str, reading: DateReading) -> pl.LazyFrame:
    """Add ``dst``: every form of the module docstring, by regular expressions.

    Intermediate steps are materialized as columns: polars would otherwise re-evaluate
    the shared regex work once per use.
    """
    g = f"_{dst}_g"
    lf = lf.with_columns(pl.col(src).alias(g))
    lf = _normalized(lf, g).with_columns(pl.col("_s").str.extract_groups(_DATE_TIME).alias(g))
    field = pl.col(g).struct.field
    two_digit = field("6").str.len_chars() == 2
    short_year = field("6").cast(pl.Int32, strict=False)
    year = pl.coalesce(
        field("1"),
        pl.when(two_digit).then((short_year + pl.when(short_year < 70).then(2000).otherwise(1900)).cast(pl.String))
        .otherwise(field("6")),
    )
    day_first = reading.order != "month-first"
    month = pl.coalesce(field("2"), field("5" if day_first else "4"))
    day = pl.coalesce(field("3"), field("4" if day_first else "5"))
    hour = field("7").cast(pl.Int32, strict=False)
    ampm = pl.col("_ampm")
    hour = (
        pl.when(ampm.is_null()).then(hour)
        .when(hour.is_null() | (hour > 12) | (hour == 0)).then(pl.lit(-1))   # unreadable: 13 PM
        .when(ampm == "a").then(hour % 12)
        .otherwise(hour % 12 + 12)
    )
    canonical = pl.concat_str(
        year, pl.lit("-"), month.str.zfill(2), pl.lit("-"), day.str.zfill(2), pl.lit(" "),
        hour.fill_null(0).cast(pl.String).str.zfill(2), pl.lit(":"), field("8").fill_null("00"), pl.lit(":"),
        field("9").fill_null("00"), pl.lit("."), field("10").fill_null("0").str.slice(0, 6).str.pad_end(6, "0"),
    )
    number = pl.col("_s")
    numeric = number.str.contains(r"^[0-9]+(?:\.[0-9]+)?$").fill_null(False)
    value = number.cast(pl.Float64, strict=False)
    digits = number.str.replace(r"\..*$", "").str.len_chars()
    epoch_us = (
        pl.when(numeric & (digits == 10)).then(value * 1e6)
        .when(numeric & (digits == 13) & ~number.str.contains(r"\.")).then(value * 1e3)
    )
    excel = numeric & (digits == 5) & value.is_between(*_EXCEL_DAYS, closed="left")
    naive, offset, absolute = f"_{dst}_naive", f"_{dst}_offset", f"_{dst}_utc"
    lf = lf.with_columns(
        pl.coalesce(
            canonical.str.to_datetime(_CANONICAL_FORMAT + "%.f", strict=False, time_unit="us"),
            # (to the millisecond: Excel keeps no finer time, its decimals carry float noise)
            pl.when(excel).then(pl.lit(_EXCEL_EPOCH) + pl.duration(milliseconds=(value * 86_400e3).round(0).cast(pl.Int64))),
        ).alias(naive),
        field("11").alias(offset),
        epoch_us.round(0).cast(pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias(absolute),
    )
    with_offset = (pl.col(naive) - pl.duration(minutes=_offset_minutes(pl.col(offset)))).dt.replace_time_zone("UTC")
    local = pl.col(naive).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")
    return lf.with_columns(
        pl.coalesce(pl.col(absolute), pl.when(pl.col(offset).is_null()).then(local).otherwise(with_offset)).alias(dst)
    ).drop(g, naive, offset, absolute, "_s", "_ampm")


def _offset_minutes(offset: pl.Expr) -> pl.Expr:
    """Minutes east of UTC of ``z``, ``utc``, ``+08``, ``+0800``, ``-05:00``."""
    sign = pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
    digits = offset.str.replace_all(r"[^0-9]", "")
    minutes = (digits.str.slice(0, 2).cast(pl.Int64, strict=False) * 60
               + digits.str.slice(2, 2).cast(pl.Int64, strict=False).fill_null(0))
    return (sign * minutes).fill_null(0)


def _explicit(raw: pl.Expr, fmt: str, tz: str) -> pl.Expr:
    parsed = raw.str.strip_chars().str.to_datetime(fmt, strict=False, time_unit="us")
    if any(d in fmt for d in ("%z", "%:z", "%#z")):
        return parsed.dt.convert_time_zone("UTC")
    return parsed.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")


def check_format(fmt: str) -> str | None:
    """Why ``fmt`` cannot serve as a ``[columns] formats`` entry, or None."""
    if "%" not in fmt:
        return Text("{format!r} is not a strftime format (e.g. \"%d.%m.%Y %H:%M\")", format=fmt)
    try:
        pl.Series([None], dtype=pl.String).str.to_datetime(fmt, strict=False)
    except Exception:  # polars says which directive it cannot read
        return Text("{format!r} is not a format polars can read", format=fmt)
    return None


def value_shape(expr: pl.Expr) -> pl.Expr:
    """A value's shape for messages: every digit as ``9`` (``8/27/2023`` -> ``9/99/9999``),
    so no number a cell holds is ever echoed."""
    return expr.str.normalize("NFKC").str.strip_chars().str.replace_all(r"[0-9]", "9").str.slice(0, 40)


def readings_report(readings: Mapping[str, DateReading], columns: Iterable[str]) -> dict[str, dict]:
    """``input.dates`` of report.json: the reading of each mapped time column."""
    return {c: readings.get(c, DEFAULT_READING).as_dict() for c in TIME_COLUMNS if c in set(columns)}
