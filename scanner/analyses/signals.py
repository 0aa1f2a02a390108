"""List-level signals (``LS…``): evidence that a list was bought, scraped or generated.

Each signal is metadata (code, kebab-case name, one-line summary, weight in the scoring
model, whether it is a *hard* signal that fails the list on its own) plus a function that
turns the list's aggregate facts into a :class:`SignalResult` — ``value``, ``threshold``,
``fired`` and a plain-language ``detail``. Details carry counts and shares only: never a
number, never a number block (a block plus a masked number restores the hidden digits).

The facts are polars group-bys over the scan's row frame (:func:`collect_facts`: three
streaming queries, every fact derived from the distinct numbers, the distinct consent times,
or the sources with the per-row counts); the functions here only do arithmetic on the aggregates
(a per-block test touches only blocks that already hold ``block_min_count`` numbers).
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

import polars as pl

from scanner.analyses.clusters import cluster_facts, compare_groups, day_dispersion, group_aggs
from scanner.analyses.signals_stats import (
    benjamini_hochberg, negbin_sf, occupancy_bins, poisson_sf,
)
from scanner.grouping import pass_filters

if TYPE_CHECKING:  # pragma: no cover
    from scanner.analyses.purchased import DetectPolicy

#: Segments and types that are not a person's number (as the PH rules read them).
NON_PERSONAL_SEGMENTS = ("sms-port", "service", "short-code", "toll-free", "iot", "relay")
NON_PERSONAL_TYPES = ("TOLL_FREE", "PREMIUM_RATE", "SHARED_COST", "UAN", "VOICEMAIL", "PAGER")

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
#: Legal thresholds for trading personal information (SPC/SPP interpretation, 2017, Art. 5).
VOLUME_CATEGORIES_50 = ("location", "credit", "property")
VOLUME_CATEGORIES_500 = ("transaction", "communication", "accommodation", "health")


@dataclass(frozen=True)
class SignalResult:
    code: str
    name: str
    value: float | int | None
    threshold: float | int | None
    fired: bool
    detail: str
    weight: float
    hard: bool = False

    def as_dict(self) -> dict[str, Any]:
        value = round(self.value, 6) if isinstance(self.value, float) else self.value
        threshold = round(self.threshold, 6) if isinstance(self.threshold, float) else self.threshold
        return {"code": self.code, "name": self.name, "value": value, "threshold": threshold,
                "fired": self.fired, "detail": self.detail, "weight": self.weight, "hard": self.hard}


@dataclass(frozen=True)
class Signal:
    code: str
    name: str
    summary: str
    weight: float
    hard: bool
    func: Callable[..., SignalResult]

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "")

    def result(self, value, threshold, fired: bool, detail: str) -> SignalResult:
        return SignalResult(self.code, self.name, value, threshold, bool(fired), detail,
                            self.weight, self.hard)


SIGNALS: dict[str, Signal] = {}


def signal(code: str, name: str, summary: str, *, weight: float, hard: bool = False):
    """Register a signal function under its code (codes are never reused)."""

    def register(func):
        if code in SIGNALS:
            raise ValueError(f"signal code {code} registered twice")
        SIGNALS[code] = Signal(code, name, summary, weight, hard, func)
        return func

    return register


# ---------------------------------------------------------------------------------------
# Facts: every aggregate the signals read, from a few streaming queries over the row frame.
# ---------------------------------------------------------------------------------------


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
    text = _text(name)
    return text.is_null() | text.str.contains(TEMPLATE_NAME_PATTERN).fill_null(False)


def _personal() -> pl.Expr:
    return (pl.col("valid") & pl.col("_id").is_not_null()
            & ~pl.col("segment").is_in(NON_PERSONAL_SEGMENTS).fill_null(False)
            & ~pl.col("type").is_in(NON_PERSONAL_TYPES).fill_null(False))


def _text(expr: pl.Expr) -> pl.Expr:
    out = expr.str.normalize("NFKC").str.strip_chars().str.to_lowercase()
    return pl.when(out.str.len_chars() > 0).then(out).otherwise(pl.lit(None, dtype=pl.String))


#: Powers of two as Int128 literals: exact integer keys packed into one Int128 column sort
#: and group several times faster than the same keys as separate columns.
_P32, _P63, _P64 = (pl.lit(2 ** e, dtype=pl.Int128) for e in (32, 63, 64))
_DIGITS = r"^[0-9]+$"


def _block_parts(cut: int) -> list[pl.Expr]:
    """A number's block of ``10^cut`` is its country code and its ``national_number`` without
    the last ``cut`` characters. The text is given by ``_len`` and ``_q``, its value, when it
    is ASCII digits that cast to Int64 (its width is ``_len - cut``), else by ``_p``, the text
    itself (never both): equal blocks have equal parts and conversely. Reads the frame of
    :func:`_numbers`, whose usual numbers carry no text to cut."""
    text = pl.col("_s").str.slice(0, pl.col("_len") - cut)
    value = text.cast(pl.Int64, strict=False)
    digits = (value.is_not_null() & text.str.contains(_DIGITS)).fill_null(False)
    canonical = pl.col("_s").is_null()
    return [pl.when(canonical).then(pl.col("_n") // 10 ** cut).when(digits).then(value).alias(f"_q{cut}"),
            pl.when(canonical | digits).then(pl.lit(None, dtype=pl.String)).otherwise(text).alias(f"_p{cut}")]


#: Columns of a ``numbers`` table that holds every number of the rows with the facts the
#: signals read per number (validity, type and segment are functions of the number;
#: ``any_unapproved_source``: a row of it has no approved source): no group-by over the
#: rows is needed then.
NUMBER_FACTS = {"number_key", "valid", "type", "segment", "any_unapproved_source"}


def _numbers(lf: pl.LazyFrame, numbers: pl.DataFrame | None) -> tuple[int, int, pl.DataFrame]:
    """The distinct valid personal numbers (from ``numbers`` when it has every
    :data:`NUMBER_FACTS`, else one streaming query over the rows): how many,
    how many have a row without an approved source, and those whose national number has 8
    characters or more: ``country_code``, ``_len`` (characters of the national number),
    ``_n`` (the national number cast to Int64, null when it does not cast), ``_s`` (its
    text, null when it is ASCII digits that cast: ``_n`` zero-padded to ``_len`` is the text)
    and ``_zero`` (it starts with a zero)."""
    personal = lf.filter(pl.col("_personal"))
    unprov = pl.col("source_class").is_null().any().alias("_unprov")
    if numbers is not None and NUMBER_FACTS <= set(numbers.columns):  # every number, with its facts
        return _numbers_of_table(numbers)
    if numbers is not None:  # one row per number_key
        ids = personal.group_by("_id").agg(unprov).collect(engine="streaming")
        found = (numbers.lazy().select(pl.col("number_key").alias("_id"), "country_code", "national_number")
                 .join(ids.lazy(), on="_id", how="semi"))
    else:  # country code and national number are functions of the number: any row will do
        ids = (personal.group_by("_id").agg(unprov, pl.col("country_code").first(),
                                            pl.col("national_number").first()).collect(engine="streaming"))
        found = ids.lazy()
    return ids.height, int(ids.get_column("_unprov").sum()), _long_numbers(found).collect()


def _long_numbers(found: pl.LazyFrame) -> pl.LazyFrame:
    """The numbers of :func:`_numbers`'s frame (from ``_id``, ``country_code``, ``national_number``)."""
    nn = pl.col("national_number")
    n = nn.cast(pl.Int64, strict=False)
    canonical = (n.is_not_null() & nn.str.contains(_DIGITS)).fill_null(False)
    return (found.select("_id", "country_code", nn.str.len_chars().alias("_len"), n.alias("_n"),
                         pl.when(canonical).then(pl.lit(None, dtype=pl.String)).otherwise(nn).alias("_s"),
                         nn.str.starts_with("0").alias("_zero"))
            .filter(pl.col("_len") >= 8))


def _numbers_of_table(numbers) -> tuple[int, int, pl.DataFrame]:
    """:func:`_numbers` from a table of every number with its :data:`NUMBER_FACTS`: a
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


def _run_stats(adjacent: pl.Expr) -> list[pl.Expr]:
    """Consecutive pairs and the longest run from ``adjacent``: whether each number, in order,
    follows the one before in its block (run ids ascend, so each run is one stretch)."""
    return [adjacent.sum().alias("pairs"), (~adjacent).cum_sum().rle().struct.field("len").max().alias("longest")]


#: Numbers per range partition of :func:`_plain_number_facts` (its sort and the cluster
#: facts hold one partition's work at a time).
PART_NUMBERS = 1 << 20


def _plain_number_facts(numbers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, dict, list] | None:
    """Block counts and run stats from one sort, no group-by, when every national number
    is ASCII digits with a country code and no two share country code and value with other
    lengths (leading zeros): sorted by country code, length and value, each block is one
    stretch, and each pair of consecutive numbers is what the order by country code and
    value gives (which it equals without such ties). None when that does not hold.

    Sorted range by range (:func:`_ranges`): every block of 10,000, hence every
    block of 1,000, run and cluster, lies in one range, and the ranges in order are the
    whole sort, so the counts, runs and ``ordered`` parts (a list, in order) are exactly
    those of one sort."""
    cc, length, n = pl.col("country_code"), pl.col("_len"), pl.col("_n")
    if numbers.get_column("_s").null_count() < numbers.height or numbers.get_column("country_code").null_count():
        return None
    value = (cc.cast(pl.Int128) * _P64 + n.cast(pl.Int128)).alias("_v")  # n >= 0: digits only
    padded = numbers.filter(pl.col("_zero")).select(value).to_series()  # a leading zero: shorter than _len
    if padded.len() and (numbers.lazy().filter(value.is_in(padded.implode())).group_by(value)
                         .agg(length.n_unique() > 1).select(pl.col("_len").any()).collect().item()):
        return None
    keys = _sort_keys(numbers)

    def same_block(cut: int) -> pl.Expr:  # as the number before
        q = n // 10 ** cut
        return ((q == q.shift(1)) & (length == length.shift(1)) & (cc == cc.shift(1))).fill_null(False)

    b4, b3, stats, ordered = [], [], [], []
    for at in _ranges(numbers, keys):
        srt = (numbers.select(cc, length, n).with_columns(_k=keys).with_row_index("_i") if at is None
               else numbers.select(cc, length, n)[at].with_columns(_k=keys.gather(at), _i=at))
        srt = srt.sort("_k").select(cc, length, n, "_i")
        for counts, cut in ((b4, 4), (b3, 3)):
            counts.append(srt.select((~same_block(cut)).cum_sum().rle().struct.field("len").alias("count")))
        part = srt.select("_i", n, same_block(4).alias("_same"))
        del srt
        stats.append(part.select(_run_stats(((n.diff() == 1) & pl.col("_same")).fill_null(False))).row(0, named=True))
        ordered.append(part)
    runs = {"pairs": sum(r["pairs"] or 0 for r in stats),
            "longest": max((r["longest"] for r in stats if r["longest"] is not None), default=None)}
    return pl.concat(b4), pl.concat(b3), runs, ordered


def _sort_keys(numbers: pl.DataFrame) -> pl.Series:
    """Each number's key in the order by country code, length and value (``_n`` >= 0):
    packed into an Int64 when the three fit (they do for real numbers: cheaper to make and
    to sort), else into an Int128."""
    cc, length, n = pl.col("country_code"), pl.col("_len"), pl.col("_n")
    top_group, top_n = numbers.select((cc.cast(pl.Int64) * 32 + length.cast(pl.Int64)).max(), n.max()).row(0)
    bits = max(int(top_n or 0), 1).bit_length()
    if int(numbers.get_column("_len").max() or 0) < 32 and (int(top_group or 0) + 1) << bits < 1 << 62:
        key = (cc.cast(pl.Int64) * 32 + length.cast(pl.Int64)) * (1 << bits) + n
    else:
        key = (cc.cast(pl.Int128) * _P32 + length.cast(pl.Int128)) * _P64 + n.cast(pl.Int128)
    return numbers.select(key.alias("_k")).to_series()


def _ranges(numbers: pl.DataFrame, keys: pl.Series) -> list[pl.Series | None]:
    """The rows of ``numbers`` in ranges of their sort ``keys`` of about
    :data:`PART_NUMBERS` each, cut at the first number of a block of 10,000 (at quantiles
    of a sample), in order; ``[None]`` (every row) for one range."""
    parts = -(-numbers.height // PART_NUMBERS)
    if parts <= 1:
        return [None]
    step = max(1, numbers.height // (parts * 256))
    sample = (keys.gather_every(step) - numbers.get_column("_n").gather_every(step) % 10_000).sort()
    cuts = sample.gather([sample.len() * k // parts for k in range(1, parts)]).unique().sort().to_list()
    edges = [None, *cuts, None]
    out = []
    for lo, hi in zip(edges, edges[1:]):
        inside = (pl.lit(True) if lo is None else pl.col("_k") >= lo) & (pl.lit(True) if hi is None else pl.col("_k") < hi)
        at = keys.to_frame().select(inside.arg_true().alias("_i")).to_series()
        if at.len():
            out.append(at)
    return out


def _number_facts(numbers: pl.DataFrame) -> dict[str, Any]:
    """Block counts, consecutive pairs and their expectation, longest run (LS002, LS003)
    over the numbers of :func:`_numbers`: by :func:`_plain_number_facts` when it applies,
    else by group-bys on the block keys and a sort by country code and value."""
    cc = pl.col("country_code")

    def counts(cut: int) -> pl.DataFrame:
        keyed = numbers.lazy().select(cc, "_len", *_block_parts(cut))
        q, p = pl.col(f"_q{cut}"), pl.col(f"_p{cut}")
        packed = cc.is_not_null() & q.is_not_null()  # then _p is null: (cc, _len, _q) packed, 32+32+63 bits
        return pl.concat([
            keyed.filter(packed).group_by(
                ((cc.cast(pl.Int128) * _P32 + pl.col("_len").cast(pl.Int128)) * _P63 + q.cast(pl.Int128))
                .alias("_k")).agg(pl.len().alias("count")).select("count"),
            keyed.filter(~packed).group_by(cc, "_len", q, p).agg(pl.len().alias("count")).select("count"),
        ]).collect()

    plain = _plain_number_facts(numbers)
    if plain is not None:
        b4, b3, runs, ordered = plain
    else:
        b4, b3 = counts(4), counts(3)
        same_block = [pl.col(c).eq_missing(pl.col(c).shift(1)) for c in ("_len", "_q4", "_p4")]
        ordered = (numbers.lazy().with_row_index("_i").drop_nulls("_n")
                   .sort(cc.cast(pl.Int128) * _P64 + pl.col("_n").cast(pl.Int128) + _P63)  # = by country_code, _n
                   .with_columns(_block_parts(4))  # after the sort, which then moves fewer columns
                   .select("_i", "_n", (pl.all_horizontal(same_block) & (cc == cc.shift(1))).fill_null(False)
                           .alias("_same"))).collect()
        runs = ordered.select(_run_stats(((pl.col("_n").diff() == 1) & pl.col("_same")).fill_null(False))
                              ).row(0, named=True)
    expected = b4.select((pl.col("count") * (pl.col("count") - 1) / 10_000.0).sum()).item()
    return {"blocks": {10_000: b4, 1_000: b3}, "pairs": int(runs["pairs"] or 0),
            "longest": int(runs["longest"] or 0), "expected": float(expected or 0.0), "ordered": ordered}


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
    """The list's facts for the signals. ``numbers``: when ``rows`` carry ``number_key``
    instead of the number columns, the distinct numbers (``number_key``, ``country_code``,
    ``national_number``; one row per ``number_key``; with every :data:`NUMBER_FACTS` column it
    must hold every number of the rows, and no row is grouped by number). ``name_counts``: rows per ``name``
    (``k``), when ``rows`` carry no names.

    Three streaming queries read the rows (collect_all would cache the shared row plan whole:
    memory grows with the rows, 3 GiB at 30M rows, while each query alone keeps only
    aggregates): the distinct personal numbers, the distinct consent times, and the sources
    with the per-row counts (plus the names without ``name_counts``); every other fact is
    derived from their results.
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
    by_src = by_src.with_columns(_text(pl.col("source")).alias("_s"))
    prov = by_src.select(
        pl.col("k").filter(pl.col("_s").is_null()).sum().alias("missing"),
        pl.col("k").filter(~pl.col("unapproved")).sum().alias("approved"),
    ).row(0, named=True)
    top = (by_src.filter(pl.col("_s").is_not_null())
           .group_by("_s").agg(pl.col("k").sum(), pl.col("unapproved").all())
           .sort("k", "_s", descending=[True, False]).head(1))
    prov["top"] = top.row(0, named=True) if top.height else None
    name = _text(pl.col("name"))
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


# ---------------------------------------------------------------------------------------
# Helpers for the statistical signals.
# ---------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if x >= 0.001 or x == 0 else f"{100 * x:.2g}%"


def _negbin_tails(counts: list[int], mean: float, shape: float) -> list[float]:
    """``negbin_sf`` of each count, computed once per distinct count: hundreds of thousands
    of blocks (or stamp groups) share a few dozen sizes."""
    tail = {k: negbin_sf(k, mean, shape) for k in set(counts)}
    return [tail[k] for k in counts]


def _block_test(counts: pl.Series, size: int, policy: "DetectPolicy", alpha: float) -> dict[str, Any]:
    """Dense-block test at one block size.

    Null: a genuine list's numbers fall into the blocks in play with gamma-varying rates,
    so a block's count is negative binomial with mean ``n / B`` and shape
    ``policy.block_dispersion``. ``B`` is the occupancy estimate of how many blocks the
    list draws from (refitted without the blocks already found dense), but never less than
    ``policy.min_spread_blocks`` (scaled to the block size): a genuine list's people live in
    at least a small city's worth of blocks, while an enumerated list may sit in a handful. Benjamini–Hochberg across the
    blocks keeps the chance that a genuine list shows any dense block at or below ``alpha``.
    """
    n_all, d_all = int(counts.sum()), counts.len()
    srt = counts.sort(descending=True)
    flagged = 0
    mean = 0.0
    cand = srt.filter(srt >= policy.block_min_count).to_list()
    for _ in range(5):
        rest = srt.slice(flagged)
        n, d = int(rest.sum()), rest.len()
        # no repeats at all only says "at least ~n^2/2 blocks" (birthday bound)
        bins = max(min(occupancy_bins(n, d), max(d, n * (n - 1) / 2, 1.0)),
                   policy.min_spread_blocks * (10_000 / size))
        mean = n / bins if bins else 0.0
        pvals = _negbin_tails(cand, mean, policy.block_dispersion)
        new = benjamini_hochberg(pvals, alpha, m=d_all)
        if new == flagged:
            break
        flagged = new
    limit = policy.block_min_count
    bound = alpha / max(d_all, 1)
    while negbin_sf(limit, mean, policy.block_dispersion) > bound and limit < size:
        limit = max(limit + 1, int(limit * 1.05))
    lo = max(policy.block_min_count, int(limit / 1.05) - 1)
    while lo < limit and negbin_sf(lo, mean, policy.block_dispersion) > bound:
        lo += 1
    dense = srt.head(flagged)
    return {"flagged": flagged, "numbers": int(dense.sum()) if flagged else 0, "n": n_all,
            "blocks": d_all, "spread": bins, "mean": mean, "limit": lo, "max": int(srt[0]) if d_all else 0}


# ---------------------------------------------------------------------------------------
# The signals.
# ---------------------------------------------------------------------------------------


def _judged_share(s: Signal, hits: int, judged: int, min_judged: int, threshold: float,
                  judged_what: str, hit_what: str) -> SignalResult:
    """A share-of-rows signal over the rows that carry the facts it needs."""
    if judged < min_judged:
        return s.result(None, threshold, False, f"not judged: {judged} {judged_what}")
    share = hits / judged
    return s.result(share, threshold, share >= threshold,
                    f"{hits:,} of {judged:,} rows ({_pct(share)}) {hit_what}; fires at {_pct(threshold)}")


@signal("LS001", "invalid-numbers", "high share of unparseable, invalid or non-personal numbers",
        weight=0.3)
def invalid_numbers(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a list where many values are not a valid personal number
    (unparseable, invalid for their region, service/IoT/relay ranges).

    Why it matters: lists generated from number ranges or scraped from pages carry
    unassigned and non-personal numbers that a real customer base does not.

    Example: 30% of a vendor list fails validation while a CRM export shows 1-3%.
    """
    return _judged_share(s, facts.rows - facts.personal, facts.rows, policy.min_rows, policy.invalid_share,
                         "rows", "hold no valid personal number")


@signal("LS002", "dense-number-blocks",
        "number blocks far fuller than a genuine list of this size and spread would fill",
        weight=0.9)
def dense_blocks(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: blocks of 10,000 (or 1,000) consecutive numbers holding far more of
    the list than a genuine list of the same size and geographic spread would put there.

    Why it matters: lists made by enumerating number ranges (号段扫号) sit in a few blocks,
    even after unreachable numbers are filtered out (which removes the runs but not the
    density). Padding a genuine list with an enumerated block shows the same way.

    How it is judged: each block's count is tested against a negative binomial null
    (mean = numbers / estimated blocks in play, shape ``block_dispersion``), with
    Benjamini–Hochberg across blocks at ``block_alpha`` (half at each block size): a
    genuine list fires with probability at most ``block_alpha``.

    Example: 3,000 of 8,000 numbers share one block where at most 14 would be expected.
    """
    if facts.distinct < policy.block_min_count:
        return s.result(0, policy.block_min_count, False,
                        f"{facts.distinct} distinct numbers: too few to judge block density")
    tests = {size: _block_test(facts.blocks[size].get_column("count"), size, policy, policy.block_alpha / 2)
             for size in (10_000, 1_000)}
    main = tests[10_000]
    facts.extra["block_tests"] = tests  # the report's block-density chart draws the null from these
    hit = max(tests.values(), key=lambda t: (t["flagged"] > 0, t["numbers"]))
    fired = any(t["flagged"] for t in tests.values())
    facts.extra["dense_numbers"] = hit["numbers"] if fired else 0
    if fired:
        size = 10_000 if hit is main else 1_000
        detail = (f"{hit['flagged']} block(s) of {size:,} numbers hold {hit['numbers']:,} of the list's "
                  f"{facts.distinct:,} distinct numbers ({_pct(hit['numbers'] / facts.distinct)}); a genuine "
                  f"list of this size spread over ~{hit['spread']:,.0f} blocks would put at most {hit['limit']:,} "
                  f"in any one (false-alarm rate {policy.block_alpha:g})")
    else:
        detail = (f"fullest block holds {main['max']:,} of {facts.distinct:,} numbers; a genuine list of this "
                  f"size and spread allows up to {main['limit']:,} (false-alarm rate {policy.block_alpha:g})")
    return s.result(main["max"], main["limit"], fired, detail)


@signal("LS003", "sequential-runs", "far more consecutive numbers than chance allows", weight=0.8)
def sequential_runs(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: pairs of consecutive numbers (…0001, …0002) well beyond what the
    list's own block counts explain.

    Why it matters: a generated list walks number ranges; genuine numbers in a block are
    scattered, so a block holding ``c`` of its 10,000 numbers has about ``c(c-1)/10,000``
    consecutive pairs. The total is tested against that Poisson expectation at
    ``run_alpha`` and must exceed it by ``run_min_excess`` pairs.

    Example: 2,400 consecutive pairs and a run of 800 numbers where 30 pairs are expected.
    """
    expected, observed = facts.adjacent_expected, facts.adjacent_pairs
    p = poisson_sf(observed, expected) if observed else 1.0
    limit = int(expected + policy.run_min_excess)
    while poisson_sf(limit, expected) > policy.run_alpha:
        limit += max(1, int(math.sqrt(expected + 1) / 4))
    fired = p <= policy.run_alpha and observed - expected >= policy.run_min_excess
    detail = (f"{observed:,} pairs of consecutive numbers (longest run {facts.longest_run:,}) where the "
              f"list's block counts explain about {expected:,.1f}; fires from {limit:,} "
              f"(false-alarm rate {policy.run_alpha:g})")
    return s.result(observed, limit, fired, detail)


def _consent_not_judged(facts: ListFacts, policy: "DetectPolicy") -> str | None:
    """Why the time-of-day signals cannot judge this list, or None."""
    n, timed = facts.consent["n"] or 0, facts.consent["timed"] or 0
    if n >= policy.consent_min_rows and timed == 0:
        return "consent times carry dates only"
    if timed < policy.consent_min_rows:
        return f"{timed} rows carry a consent time of day; not judged below {policy.consent_min_rows}"
    return None


def _tick_us(c: dict) -> tuple[int, str]:
    return (60_000_000, "minute") if c["minute_only"] else (1_000_000, "second")


@signal("LS004", "bulk-stamped-consent", "many rows share one consent timestamp", weight=0.5)
def bulk_stamped(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: consent timestamps shared by many rows, more than arrivals at the
    list's own rate could produce.

    Why it matters: real consent is given one person at a time; a vendor who fabricates
    consent stamps a batch with one time. Each identical-timestamp group is tested against
    the list's arrival rate (negative binomial, Benjamini–Hochberg over the time span).
    Stamps without a time of day (dates only, read as local midnight) are not judged: a
    busy day looks the same.

    Example: 4,000 of 5,000 rows consented at 2024-03-01 10:00:00.
    """
    why = _consent_not_judged(facts, policy)
    c = facts.consent
    if why:
        return s.result(None, policy.bulk_share, False, "not judged: " + why)
    tick, unit = _tick_us(c)
    span_us = (c["last"] - c["first"]).total_seconds() * 1e6
    ticks = max(span_us / tick, 86_400_000_000 / tick) + 1
    rate = c["timed"] / ticks
    groups = c["groups"].filter(c["groups"] >= policy.bulk_min_group).sort(descending=True).to_list()
    pvals = _negbin_tails(groups, rate, policy.block_dispersion)
    k = benjamini_hochberg(pvals, policy.block_alpha, m=int(ticks))
    bulk_rows = sum(groups[:k])
    share = bulk_rows / c["timed"]
    fired = share >= policy.bulk_share
    detail = (f"{bulk_rows:,} of {c['timed']:,} consent times ({_pct(share)}) fall in {k} identical-"
              f"{unit} group(s) larger than the list's arrival rate allows; fires at {_pct(policy.bulk_share)}")
    return s.result(share, policy.bulk_share, fired, detail)


@signal("LS005", "machine-regular-consent", "consent times spaced by a constant gap", weight=0.5)
def machine_regular(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: consent times that follow each other at one constant interval.

    Why it matters: people arrive irregularly (gaps spread roughly exponentially); a
    script that backfills consent writes ``t, t+60s, t+120s, …``. The share of gaps equal
    to the most common gap is compared with what irregular arrivals at the same mean rate
    give (and must reach ``regular_share``).

    Example: 95% of gaps between consecutive consent times are exactly 30 seconds.
    """
    why = _consent_not_judged(facts, policy)
    if why:
        return s.result(None, policy.regular_share, False, "not judged: " + why)
    gaps: pl.DataFrame = facts.consent["gaps"]
    total = int(gaps.get_column("k").sum()) if gaps.height else 0
    if total < policy.consent_min_rows // 2:
        return s.result(None, policy.regular_share, False,
                        f"not judged: only {total} distinct consent times")
    tick, _unit = _tick_us(facts.consent)
    top = gaps.sort("k", "gap", descending=[True, False]).row(0, named=True)
    share = top["k"] / total
    mean_ticks = max(float(gaps.select((pl.col("gap") * pl.col("k")).sum()).item()) / total / tick, 1.0)
    d = max(top["gap"] / tick, 1.0)
    expected = (1 / mean_ticks) * (1 - 1 / mean_ticks) ** (d - 1) if mean_ticks > 1 else 1.0
    threshold = max(policy.regular_share, min(1.0, 5 * expected))
    fired = share >= threshold and share > 5 * expected
    detail = (f"{_pct(share)} of the gaps between consent times are one and the same interval "
              f"({top['gap'] / 1e6:g} s); irregular arrivals at this rate give about {_pct(expected)}; "
              f"fires at {_pct(threshold)}")
    return s.result(share, threshold, fired, detail)


@signal("LS006", "night-time-consent", "a large share of consent given between midnight and dawn",
        weight=0.35)
def night_consent(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: many consents given at night (00:00 to ``night_end_hour``, in the
    policy's time zone).

    Why it matters: people sign up by day; fabricated timestamps spread evenly over the
    clock put a quarter of them between 00:00 and 06:00, where genuine lists show a few
    percent.

    Example: 26% of consent times fall between 00:00 and 06:00.
    """
    why = _consent_not_judged(facts, policy)
    c = facts.consent
    if why:
        return s.result(None, policy.night_share, False, "not judged: " + why)
    share = c["night"] / c["timed"]
    fired = share >= policy.night_share
    detail = (f"{c['night']:,} of {c['timed']:,} consent times ({_pct(share)}) fall between 00:00 and "
              f"{policy.night_end_hour:02d}:00 local time; fires at {_pct(policy.night_share)}")
    return s.result(share, policy.night_share, fired, detail)


@signal("LS007", "consent-after-collection", "consent recorded after the number was collected",
        weight=0.25)
def consent_after_collection(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: rows whose consent time is more than a day after the time the number
    was collected (first contact).

    Why it matters: consent must precede use; consent dated after collection is usually
    backfilled to make a bought or scraped list look compliant.

    Example: 70% of rows were collected in 2023 and "consented" in 2025.
    """
    c = facts.consent
    return _judged_share(s, c["after_collected"], c["with_collected"] or 0, policy.consent_min_rows,
                         policy.after_collection_share, "rows carry both a consent and a collection time",
                         "record consent more than a day after collection")


@signal("LS008", "consent-before-source", "consent dated before its source existed", weight=0.4)
def consent_before_source(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: consent times earlier than the approved source's ``valid_from``.

    Why it matters: a sign-up form cannot collect consent before it went live; such
    times are invented.

    Example: rows attributed to the 2024 web-signup source carry 2021 consent times.
    """
    c = facts.consent
    return _judged_share(s, c["before"], c.get("judged") or 0, policy.consent_min_rows,
                         policy.before_source_share, "rows carry a consent time and a dated approved source",
                         "consented before their source's start date")


@signal("LS009", "missing-provenance", "most rows have no source", weight=0.3)
def missing_provenance(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a list where most rows record no source at all.

    Why it matters: PIPL requires knowing where personal information came from; lists
    without provenance are the typical form of traded lists.

    Example: 4,800 of 5,000 rows have an empty 来源 column (or there is no such column).
    """
    return _judged_share(s, facts.provenance["missing"], facts.rows, policy.min_rows,
                         policy.missing_source_share, "rows", "record no source")


@signal("LS010", "catch-all-provenance", "one unapproved or catch-all source covers nearly every row",
        weight=0.3)
def catch_all_provenance(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: nearly every row names the same source, and that source is not an
    approved one or says nothing (导入, 其他, unknown, list, …).

    Why it matters: a real customer base has the sources the business runs; a bought
    list arrives with one filler value in the source column.

    Example: 99% of rows say 来源 = "数据导入".
    """
    top = facts.provenance.get("top")
    if top is None or facts.rows < policy.min_rows:
        return s.result(None, policy.catch_all_share, False,
                        "not judged: no sources recorded" if top is None
                        else f"not judged below {policy.min_rows} rows")
    share = top["k"] / facts.rows
    catch_all = top["_s"] in CATCH_ALL_SOURCES
    fired = share >= policy.catch_all_share and (catch_all or top["unapproved"])
    kind = "a catch-all value" if catch_all else ("not an approved source" if top["unapproved"]
                                                  else "an approved source")
    detail = (f"the most common source covers {top['k']:,} of {facts.rows:,} rows ({_pct(share)}) and is "
              f"{kind}; fires at {_pct(policy.catch_all_share)} for catch-all or unapproved sources")
    return s.result(share, policy.catch_all_share, fired, detail)


@signal("LS011", "template-names", "names missing or placeholders (先生/女士/客户/Mr/Ms…)", weight=0.3)
def template_names(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a list with a name column where most names are empty or templates
    such as 先生, 女士, 客户123, Mr, Ms, customer.

    Why it matters: a business knows its customers' names; a generated or traded list
    fills the column with placeholders. Lists without a name column are not judged.

    Example: 3,900 of 5,000 names are "先生" or "女士".
    """
    nm = facts.names
    if facts.rows == 0 or nm["missing"] == facts.rows:
        return s.result(None, policy.template_name_share, False, "not judged: the list has no names")
    bad = nm["missing"] + nm["template"]
    share = bad / facts.rows
    fired = share >= policy.template_name_share and facts.rows >= policy.min_rows
    detail = (f"{bad:,} of {facts.rows:,} names ({_pct(share)}) are empty ({nm['missing']:,}) or "
              f"placeholders ({nm['template']:,}); fires at {_pct(policy.template_name_share)}")
    return s.result(share, policy.template_name_share, fired, detail)


def volume_threshold(policy: "DetectPolicy", categories: frozenset[str]) -> tuple[int, str]:
    if categories & set(VOLUME_CATEGORIES_50):
        return policy.volume_location_credit, "location, credit or property data present"
    if categories & set(VOLUME_CATEGORIES_500):
        return policy.volume_sensitive, "transaction, communication, accommodation or health data present"
    return policy.volume_ordinary, "ordinary personal information"


@signal("LS012", "unprovenanced-volume",
        "more records without approved provenance than the criminal threshold for trading them",
        weight=0.4)
def unprovenanced_volume(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: the number of distinct valid numbers without an approved source,
    when it reaches the size at which trading such records is a crime in China
    (SPC/SPP interpretation of Criminal Law Art. 253-1, 2017: 5,000 ordinary records; 500
    with transaction, communication, accommodation or health data; 50 with location,
    credit or property data).

    Why it matters: buying or selling personal information is illegal (PIPL Art. 10); a
    list of that size with no approved provenance exposes the importer.

    Example: 12,000 distinct numbers, none from an approved source.
    """
    threshold, why = volume_threshold(policy, facts.categories)
    value = facts.unprovenanced
    fired = value >= threshold
    detail = (f"{value:,} distinct valid numbers have no approved source; the threshold is "
              f"{threshold:,} ({why})")
    return s.result(value, threshold, fired, detail)


def _not_judged_overlap(facts: ListFacts) -> str | None:
    if facts.overlap_error:
        return "not judged: " + facts.overlap_error
    if facts.overlaps is None:
        return "not judged: no registry"
    return None


def _same_source(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().lower() == b.strip().lower()


@signal("LS013", "copy-of-registered-list", "exact copy of a list already in the registry",
        weight=0.2, hard=True)
def exact_copy(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: the same file (sha256) or the same set of numbers as a registered list.

    Why it matters: importing a list already held duplicates contacts and hides where
    the copy came from; the same set under another vendor's name is a resold list.
    A hard signal: the list verdict fails.

    Example: a "new" vendor list whose numbers equal the 2025 expo list's.
    """
    why = _not_judged_overlap(facts)
    if why:
        return s.result(None, 1.0, False, why)
    exact = [m for m in facts.overlaps if m["exact"]]
    if not exact:
        return s.result(0, 1, False, "no registered list has the same file or the same numbers")
    m = exact[0]
    origin = f"source {m['source']!r}" if m.get("source") else "no recorded source"
    return s.result(1, 1, True, f"same {'file' if m.get('same_file') else 'numbers'} as registered list "
                    f"{m['list']!r} ({origin}, {m['shared']:,} numbers)")


@signal("LS014", "near-duplicate-of-registered", "nearly the same numbers as a registered list",
        weight=0.2)
def near_duplicate(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: Jaccard similarity with a registered list at or above
    ``near_duplicate_jaccard`` without being an exact copy.

    Why it matters: a list re-imported under a new name, or a copy with a few rows added
    or removed to defeat file hashes.

    Example: 97% Jaccard with last month's import.
    """
    why = _not_judged_overlap(facts)
    if why:
        return s.result(None, policy.near_duplicate_jaccard, False, why)
    best = max(facts.overlaps, key=lambda m: m["jaccard"], default=None)
    value = best["jaccard"] if best else 0.0
    fired = best is not None and not best["exact"] and value >= policy.near_duplicate_jaccard
    detail = (f"highest Jaccard similarity {_pct(value)} (with registered list {best['list']!r})" if best
              else "no registered list shares numbers with this one")
    return s.result(value, policy.near_duplicate_jaccard, fired,
                    detail + f"; fires at {_pct(policy.near_duplicate_jaccard)}")


@signal("LS015", "overlap-other-source", "largely contained in a list registered from another source",
        weight=0.7)
def overlap_other_source(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a large share of this list's numbers is inside a registered list that
    came from a different source (vendor, partner, event).

    Why it matters: the same people arriving from two unrelated sources means one of
    them resold the other's list.

    "This list's source" is the one it is registered under, else its most common source
    value; a registered list from the same input file is a re-import (LS013), not a resale.

    Example: 80% of a "partner" list's numbers are in a list bought from vendor X.
    """
    why = _not_judged_overlap(facts)
    if why:
        return s.result(None, policy.overlap_containment, False, why)
    others = [m for m in facts.overlaps
              if not m.get("same_file") and not _same_source(m.get("source"), facts.list_source)]
    best = max(others, key=lambda m: m["containment"], default=None)
    value = best["containment"] if best else 0.0
    fired = value >= policy.overlap_containment
    if best:
        origin = f"source {best['source']!r}" if best.get("source") else "no recorded source"
        detail = (f"{_pct(value)} of this list's numbers ({best['shared']:,}) are in registered list "
                  f"{best['list']!r} ({origin})")
    else:
        detail = "no registered list from another source shares numbers with this one"
    return s.result(value, policy.overlap_containment, fired,
                    detail + f"; fires at {_pct(policy.overlap_containment)}")


@signal("LS016", "overlap-leaked-list", "shares numbers with a list marked leaked", weight=0.9, hard=True)
def overlap_leaked(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a share of at least ``leaked_containment`` of this list's numbers is
    in a registered list marked ``leaked``.

    Why it matters: leaked data is circulated and sold; importing it uses personal
    information obtained unlawfully. A hard signal: the list verdict fails.

    Example: 12% of the numbers appear in a leaked courier dataset.
    """
    why = _not_judged_overlap(facts)
    if why:
        return s.result(None, policy.leaked_containment, False, why)
    leaked = [m for m in facts.overlaps if m["leaked"]]
    best = max(leaked, key=lambda m: m["containment"], default=None)
    value = best["containment"] if best else 0.0
    fired = best is not None and value >= policy.leaked_containment and best["shared"] >= policy.leaked_min_shared
    detail = (f"{_pct(value)} of this list's numbers ({best['shared']:,}) are in leaked list {best['list']!r}"
              if best else "no list marked leaked shares numbers with this one")
    return s.result(value, policy.leaked_containment, fired,
                    detail + f"; fires at {_pct(policy.leaked_containment)}")
