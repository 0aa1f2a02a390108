"""The list's facts: every aggregate the signals read, from a few streaming queries over
the scan's row frame (:func:`collect_facts`)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import polars as pl

from scanner.analyses.clusters import cluster_facts, compare_groups, day_dispersion, group_aggs
from scanner.analyses.signals.blocks import _long_numbers, _number_facts
from scanner.grouping import pass_filters
from scanner.prepare import text_key
from scanner.rules.phone import non_personal

#: Source values that say nothing about where a record came from.
CATCH_ALL_SOURCES = (
    "导入", "批量导入", "数据导入", "导入数据", "其他", "其它", "未知", "名单", "数据", "资源",
    "客户资料", "客户名单", "号码", "import", "imported", "bulk", "upload", "other", "others",
    "unknown", "list", "data", "leads", "misc", "n/a", "na", "none", "-",
)
TEMPLATE_NAME_PATTERN = (
    r"^(?:先生|女士|小姐|客户|用户|会员|顾客|老板|经理|老师|测试|未知|无名|匿名|无|"
    r"mr|ms|mrs|miss|sir|madam|customer|user|client|member|test|unknown|anonymous|n/?a)"
    r"[\s._#\-]*\d*$|^[\d\s._#\-]+$"
)


@dataclass
class ListFacts:
    rows: int
    personal: int                 # rows holding a valid personal number
    distinct: int                 # distinct valid personal numbers
    blocks: dict[int, pl.DataFrame]  # block size (10^k) -> [count] per block in play
    adjacent_pairs: int
    adjacent_expected: float
    longest_run: int
    consent: dict[str, Any]
    provenance: dict[str, Any]
    names: dict[str, Any]
    unprovenanced: int
    categories: frozenset[str]
    list_source: str | None
    overlaps: list[dict] | None
    overlap_error: str | None = None
    clusters: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def _col(schema, name: str, dtype) -> pl.Expr:
    return pl.col(name).cast(dtype) if name in schema else pl.lit(None, dtype=dtype).alias(name)


def prepare_rows(rows: pl.LazyFrame) -> pl.LazyFrame:
    """The contract columns the signals read; absent optional columns become typed nulls.

    ``_id`` identifies a row's number (null without one): ``number_key`` when the rows carry
    it (a number's text then lives in the ``numbers`` table given to :func:`collect_facts`),
    else ``e164``.
    """
    schema = rows.collect_schema()
    collected = "collected_at" if "collected_at" in schema else "collected_at_utc"
    return rows.select(
        _col(schema, "row", pl.Int64),
        pl.col("number_key").alias("_id") if "number_key" in schema else _col(schema, "e164", pl.String).alias("_id"),
        pl.col("valid").fill_null(False) if "valid" in schema else pl.lit(False).alias("valid"),
        _col(schema, "type", pl.String),
        _col(schema, "country_code", pl.Int32),
        _col(schema, "national_number", pl.String),
        _col(schema, "segment", pl.String),
        _col(schema, "name", pl.String),
        _col(schema, "source", pl.String),
        _col(schema, "source_class", pl.String),
        _col(schema, "consent_at", pl.Datetime("us", "UTC")),
        _col(schema, collected, pl.Datetime("us", "UTC")).alias("collected_at"),
        (pl.col("is_duplicate").fill_null(False) if "is_duplicate" in schema
         else pl.lit(False).alias("is_duplicate")),
        # a name missing or a placeholder; the scan's rows carry this instead of the name
        (pl.col("name_placeholder").fill_null(True) if "name_placeholder" in schema
         else placeholder_name(pl.col("name").cast(pl.String)) if "name" in schema
         else pl.lit(True)).alias("_placeholder"),
    )


def placeholder_flags(names: pl.Series) -> pl.Series:
    """``name_placeholder`` of each row: its name is missing or a template (the template
    test runs once per distinct name)."""
    distinct = names.cast(pl.String).unique()
    bad = distinct.filter(pl.select(placeholder_name(pl.lit(distinct))).to_series())
    return (names.is_null() | names.cast(pl.String).is_in(bad.implode())).alias("name_placeholder")


def placeholder_name(name: pl.Expr) -> pl.Expr:
    """A name that is missing or a template (:data:`TEMPLATE_NAME_PATTERN`)."""
    text = text_key(name)
    return text.is_null() | text.str.contains(TEMPLATE_NAME_PATTERN).fill_null(False)


def _personal() -> pl.Expr:
    """A valid number that is a person's: not a service, IoT or relay number (as the PH
    rules read them)."""
    return pl.col("valid") & pl.col("_id").is_not_null() & ~non_personal()


#: Columns of the table of every number the number facts are read from (validity, type and
#: segment are functions of the number; ``any_unapproved_source``: a row of it has no
#: approved source).
NUMBER_FACTS = {"number_key", "valid", "type", "segment", "any_unapproved_source"}


def _numbers(lf: pl.LazyFrame, numbers) -> tuple[int, int, pl.DataFrame]:
    """The distinct valid personal numbers, always read from a table of every number with
    its :data:`NUMBER_FACTS` (``numbers``, or :func:`number_table` of the rows when it lacks
    them): how many, how many have a row without an approved source, and those whose
    national number has 8 characters or more: ``country_code``, ``_len`` (characters of the
    national number), ``_n`` (the national number cast to Int64, null when it does not
    cast), ``_s`` (its text, null when it is ASCII digits that cast: ``_n`` zero-padded to
    ``_len`` is the text) and ``_zero`` (it starts with a zero)."""
    if numbers is None or not NUMBER_FACTS <= set(numbers.columns):
        numbers = number_table(lf, numbers)
    return _numbers_of_table(numbers)


def number_table(lf: pl.LazyFrame, numbers: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every personal number of rows that carry their numbers' facts (``lf``, as
    :func:`prepare_rows` with ``_personal``) with its :data:`NUMBER_FACTS`, from one streaming
    group-by of the personal rows: validity, type, segment, country code and national
    number are functions of the number, so any of its rows will do. ``numbers``: when the
    rows identify their number by ``number_key`` only, the table of its ``country_code`` and
    ``national_number`` (a number it lacks has neither)."""
    aggs = [pl.col("valid", "type", "segment").first(),
            pl.col("source_class").is_null().any().alias("any_unapproved_source")]
    if numbers is None:
        aggs.append(pl.col("country_code", "national_number").first())
    table = (lf.filter(pl.col("_personal")).group_by("_id").agg(aggs).collect(engine="streaming")
             .rename({"_id": "number_key"}))
    if numbers is not None:
        table = table.join(numbers.select("number_key", "country_code", "national_number"), on="number_key",
                           how="left")
    return table


def _numbers_of_table(numbers) -> tuple[int, int, pl.DataFrame]:
    """:func:`_numbers` of a table of every number with its :data:`NUMBER_FACTS`: a
    DataFrame, or a table kept in parts (``map(func, columns)``, as
    :class:`scanner.rowstore.SpilledTable`), read part by part so that only the frame of
    long numbers is ever whole."""
    counts: list[tuple[int, int]] = []

    def part_of(part: pl.DataFrame) -> pl.DataFrame:
        found = part.rename({"number_key": "_id"}).filter(_personal())
        counts.append((found.height, int(found.get_column("any_unapproved_source").sum())))
        return _long_numbers(found.lazy()).collect()

    columns = [*NUMBER_FACTS, "country_code", "national_number"]
    frame = numbers.map(part_of, columns) if hasattr(numbers, "map") else part_of(numbers.select(columns))
    return sum(n for n, _ in counts), sum(u for _, u in counts), frame


def _stamps(lf: pl.LazyFrame, *, rows: int, timezone: str, night_end_hour: int) -> dict[str, Any]:
    """Consent-time facts from the distinct consent times and their row counts (one
    streaming query, in passes on large lists: ``rows``, the rows of ``lf``; the time-zone
    work then runs once per distinct time, not per row)."""
    stamped = lf.filter(pl.col("consent_at").is_not_null())
    stamps = pl.concat([  # in passes: consent times are mostly rare keys (scanner.grouping)
        (stamped if where is None else stamped.filter(where)).group_by("consent_at").agg(pl.len().alias("g"))
        .collect(engine="streaming") for where in pass_filters(rows, pl.col("consent_at"))])
    day_us = 86_400_000_000
    local_us = pl.col("consent_at").dt.convert_time_zone(timezone).dt.replace_time_zone(None).cast(pl.Int64)
    stamps = stamps.with_columns((((local_us % day_us) + day_us) % day_us).alias("_tod"))
    # A stamp at exactly local midnight is a date without a time of day: the time-of-day
    # signals (bulk stamps, regular gaps, night) read only stamps that carry a time.
    timed = pl.col("_tod") != 0
    c = stamps.select(
        pl.col("g").sum().alias("n"),
        pl.col("g").filter(timed).sum().alias("timed"),
        pl.col("g").filter(timed & (pl.col("_tod") < night_end_hour * 3_600_000_000)).sum().alias("night"),
        ((pl.col("_tod") % 60_000_000) == 0).filter(timed).all().alias("minute_only"),
        pl.col("consent_at").filter(timed).min().alias("first"),
        pl.col("consent_at").filter(timed).max().alias("last"),
    ).row(0, named=True)
    with_time = stamps.filter(timed)
    hours = (with_time.group_by(pl.col("_tod") // 3_600_000_000).agg(pl.col("g").sum()).sort("_tod")
             .get_column("g"))
    # rounded: the float sum may differ in its last bit between equivalent query plans
    c["hour_entropy"] = (round(-sum(p * math.log(p) for p in (hours / hours.sum()).to_list() if p > 0)
                               / math.log(24), 12) if hours.len() else None)
    c["dispersion"], c["span_days"], c["per_day"] = day_dispersion(stamps, local_us) or (None, 0, 0.0)
    c["groups"] = with_time.get_column("g")
    # For the report's charts (scanner/report/aggregates.py): rows per local hour of day and
    # per local date, small tables whatever the list's size.
    c["hours"] = with_time.group_by((pl.col("_tod") // 3_600_000_000).alias("hour")).agg(pl.col("g").sum())
    c["days"] = stamps.group_by(local_us.floordiv(day_us).alias("day")).agg(pl.col("g").sum())
    c["gaps"] = (with_time.lazy().select(pl.col("consent_at").sort())
                 .select((pl.col("consent_at").diff().dt.total_microseconds()).alias("gap")).drop_nulls()
                 .group_by("gap").agg(pl.len().alias("k"))).collect()
    return c


_COUNTS = ("personal", "with_collected", "after_collected", "judged", "before")


def _by_source(lf: pl.LazyFrame, *, timezone: str, windows: Mapping[str, tuple]) -> pl.DataFrame:
    """Rows (``k``) per raw source value and approval, one streaming pass, with the per-row
    counts of :data:`_COUNTS` per group (sum them for the list's): personal rows, rows with
    consent and collection times, consent more than a day after collection, rows judged
    against a dated approved source and those consented before its start."""
    stamped = pl.col("consent_at").is_not_null()
    aggs = [pl.len().alias("k"), pl.col("_personal").sum().alias("personal"),
            (stamped & pl.col("collected_at").is_not_null()).sum().alias("with_collected"),
            (pl.col("consent_at") > pl.col("collected_at") + pl.duration(days=1)).sum().alias("after_collected")]
    if windows:
        starts = pl.Series([dt.datetime.combine(v[0], dt.time()) for v in windows.values()],
                           dtype=pl.Datetime("us")).dt.replace_time_zone(timezone).dt.convert_time_zone("UTC")
        start = pl.col("source_class").replace_strict(list(windows), starts, default=None, return_dtype=starts.dtype)
        aggs += [(stamped & start.is_not_null()).sum().alias("judged"),
                 (pl.col("consent_at") < start).sum().alias("before")]
    else:
        aggs += [pl.lit(0, dtype=pl.UInt32).alias("judged"), pl.lit(0, dtype=pl.UInt32).alias("before")]
    aggs += group_aggs()
    return (lf.group_by("source", pl.col("source_class").is_null().alias("unapproved"), "_clustered").agg(aggs)
            .collect(engine="streaming"))


def collect_facts(rows: pl.LazyFrame, *, timezone: str, night_end_hour: int,
                  categories=(), list_source: str | None = None,
                  source_windows: Mapping[str, tuple] | None = None,
                  numbers: pl.DataFrame | None = None, name_counts: pl.DataFrame | None = None) -> ListFacts:
    """The list's facts for the signals. The number facts are read from one table of every
    number with its :data:`NUMBER_FACTS` (the scan's distinct numbers): ``numbers``, else
    :func:`number_table` of the rows. ``numbers``: with every :data:`NUMBER_FACTS` column it must
    hold every number of the rows (no row is then grouped by number); without them, when
    ``rows`` carry ``number_key`` instead of the number columns, it maps ``number_key`` to
    ``country_code`` and ``national_number``. ``name_counts``: rows per ``name`` (``k``), when
    ``rows`` carry no names.

    Each query that reads the rows runs on its own (collect_all would cache the shared row
    plan whole, so memory would grow with the rows, while each query alone keeps only
    aggregates): the distinct consent times, the sources with the per-row counts (plus the
    names without ``name_counts``, and the numbers without a complete table); every other
    fact is derived from their results.
    """
    lf = prepare_rows(rows).with_columns(_personal().alias("_personal"))
    distinct, unprovenanced, nums = _numbers(lf, numbers)
    nf = _number_facts(nums)
    cf = cluster_facts(nf.pop("ordered"))
    ids = nums.get_column("_id").gather(cf.pop("clustered_index"))  # the sort carried row indices, not ids
    lf = lf.with_columns((pl.col("_id").is_in(ids.implode()).fill_null(False) if ids.len() else pl.lit(False))
                         .alias("_clustered"))
    windows = {k: v for k, v in (source_windows or {}).items() if v and v[0] is not None}
    # Source and name facts are counted per distinct raw value first; the text keys and the
    # template test then run once per value, not once per row.
    by_src = _by_source(lf, timezone=timezone, windows=windows)
    ct = by_src.select(pl.col("k", *_COUNTS).sum()).row(0, named=True)
    c = _stamps(lf, rows=int(ct["k"]), timezone=timezone, night_end_hour=night_end_hour)
    c.update({k: int(ct[k]) for k in _COUNTS[1:]})
    by_nm = (name_counts.lazy().select(pl.col("name").cast(pl.String), pl.col("k").cast(pl.UInt32))
             if name_counts is not None else lf.group_by("name").agg(pl.len().alias("k"))).collect(engine="streaming")
    by_src = by_src.with_columns(text_key(pl.col("source")).alias("_s"))
    prov = by_src.select(
        pl.col("k").filter(pl.col("_s").is_null()).sum().alias("missing"),
        pl.col("k").filter(~pl.col("unapproved")).sum().alias("approved"),
    ).row(0, named=True)
    top = (by_src.filter(pl.col("_s").is_not_null())
           .group_by("_s").agg(pl.col("k").sum(), pl.col("unapproved").all())
           .sort("k", "_s", descending=[True, False]).head(1))
    prov["top"] = top.row(0, named=True) if top.height else None
    name = text_key(pl.col("name"))
    nm = by_nm.select(
        pl.col("k").filter(name.is_null()).sum().alias("missing"),
        pl.col("k").filter(name.str.contains(TEMPLATE_NAME_PATTERN).fill_null(False)).sum().alias("template"),
    )
    cf["compare"] = compare_groups(by_src, names_known=nm.item(0, "missing") < int(ct["k"]))
    return ListFacts(
        clusters=cf, rows=int(ct["k"]), personal=int(ct["personal"]), distinct=distinct,
        blocks=nf["blocks"], adjacent_pairs=nf["pairs"], adjacent_expected=nf["expected"],
        longest_run=nf["longest"],
        consent=c, provenance=prov, names=nm.row(0, named=True),
        unprovenanced=unprovenanced, categories=frozenset(categories),
        list_source=list_source or (prov["top"]["_s"] if prov["top"] else None), overlaps=None,
    )
