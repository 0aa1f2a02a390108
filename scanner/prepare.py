"""Derive the working columns the rules read from the canonical input columns.

Everything here is a polars expression over the ingested text columns: vocabulary
classes for consent/channel/purpose, parsed timestamps, source classes. A canonical
column missing from the input becomes a typed null column first (:func:`ensure_columns`).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Mapping

import polars as pl

from scanner.ingest.dates import DEFAULT_READING, DateReading, value_shape, with_parsed_times
from scanner.ingest.profiles import TIME_SHAPE
from scanner.policy import CANONICAL_COLUMNS, Policy, vocab_key  # noqa: F401


def ensure_columns(lf: pl.LazyFrame, present: set[str]) -> pl.LazyFrame:
    """Add every canonical column the input lacks as a null String column."""
    missing = [c for c in CANONICAL_COLUMNS if c not in present]
    return lf.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in missing])


#: Above this many distinct values a column is derived row by row instead.
DISTINCT_LIMIT = 50_000

Distinct = Mapping[str, pl.Series]


def distinct_values(frame: pl.DataFrame, columns) -> dict[str, pl.Series]:
    """The distinct non-null values of each low-cardinality text column of ``frame`` (for
    :func:`by_distinct`); a column absent from ``frame`` has none (it becomes all nulls)."""
    out = {}
    for column in columns:
        if column not in frame.columns:
            out[column] = pl.Series(column, [], dtype=pl.String)
            continue
        if frame.schema[column] != pl.String:
            continue
        values = frame.get_column(column).drop_nulls().unique()
        if values.len() <= DISTINCT_LIMIT:
            out[column] = values
    return out


def by_distinct(src: str, derive: Callable[[pl.Expr], pl.Expr], distinct: Distinct | None) -> pl.Expr:
    """``derive(pl.col(src))``, evaluated once per distinct value when ``distinct[src]``
    holds them all (else row by row).

    Each row then only looks its value up (an Enum cast and a gather, far cheaper than NFKC
    and the vocabulary per row). The Enum cast is strict: a value
    missing from the table raises instead of mapping silently to null.
    """
    values = (distinct or {}).get(src)
    if values is None:
        return derive(pl.col(src))
    # with_columns broadcasts a derivation that is a literal (e.g. no approved sources)
    table = pl.DataFrame({"v": values.cast(pl.String)}).with_columns(derive(pl.col("v")).alias("out"))["out"]
    at_null = pl.DataFrame({"v": [None]}, schema={"v": pl.String}).with_columns(derive(pl.col("v")).alias("out"))["out"]
    null_value = pl.lit(at_null[0], dtype=at_null.dtype)
    if not values.len():
        return pl.when(pl.col(src).is_null()).then(null_value).otherwise(null_value)
    index = pl.col(src).cast(pl.Enum(values.to_list())).to_physical()
    return pl.when(pl.col(src).is_null()).then(null_value).otherwise(pl.lit(table).gather(index))


def text_key(expr: pl.Expr) -> pl.Expr:
    """The vocabulary key of a cell (NFKC, trimmed, lower-cased); empty -> null."""
    out = expr.str.normalize("NFKC").str.strip_chars().str.to_lowercase()
    return pl.when(out.str.len_chars() > 0).then(out).otherwise(pl.lit(None, dtype=pl.String))


def vocabulary_class(expr: pl.Expr, table: dict[str, str]) -> pl.Expr:
    """Map a cell through a vocabulary: its class, ``missing`` when empty, ``unknown`` when unmapped."""
    key = text_key(expr)
    mapped = key.replace_strict(list(table), list(table.values()), default=None, return_dtype=pl.String)
    return (
        pl.when(key.is_null()).then(pl.lit("missing"))
        .when(mapped.is_null()).then(pl.lit("unknown"))
        .otherwise(mapped)
    )


def parse_datetime_expr(expr: pl.Expr, tz: str, reading: DateReading = DEFAULT_READING) -> pl.Expr:
    """Expression form of :func:`~scanner.ingest.dates.with_parsed_times` for small inputs
    (tests, single values)."""
    return expr.map_batches(
        lambda s: with_parsed_times(pl.LazyFrame({"v": s}), "v", "out", tz, reading).collect().get_column("out"),
        return_dtype=pl.Datetime("us", "UTC"),
    )


def _contains_any(key: pl.Expr, words: tuple[str, ...]) -> pl.Expr:
    if not words:
        return pl.lit(False)
    return key.str.contains_any(list(words)).fill_null(False)


def source_exprs(policy: Policy, distinct: Distinct | None = None) -> list[pl.Expr]:
    """source_norm, source_class, source_purchase, source_third_party."""
    exprs = _source_exprs(policy, pl.col("source"))
    return [by_distinct("source", lambda col, i=i: _source_exprs(policy, col)[i], distinct).alias(e.meta.output_name())
            for i, e in enumerate(exprs)]


def _source_exprs(policy: Policy, source: pl.Expr) -> list[pl.Expr]:
    key = text_key(source)
    aliases: dict[str, str] = {}
    third_party_sources = []
    for src in policy.sources:
        for label in (src.name, *src.aliases):
            aliases[vocab_key(label)] = src.name
        if src.third_party:
            third_party_sources.append(src.name)
    source_class = (
        key.replace_strict(list(aliases), list(aliases.values()), default=None, return_dtype=pl.String)
        if aliases else pl.lit(None, dtype=pl.String)
    )
    return [
        key.alias("source_norm"),
        source_class.alias("source_class"),
        _contains_any(key, policy.vocabulary.words("purchase")).alias("source_purchase"),
        (_contains_any(key, policy.vocabulary.words("third_party"))
         | source_class.is_in(third_party_sources).fill_null(False)).alias("source_third_party"),
    ]


def source_window_expr(policy: Policy) -> pl.Expr:
    """True/False when an approved source's window can be judged, null otherwise."""
    # An unreadable collection time leaves the window unjudged: it is not a missing one
    # that the consent time could stand in for.
    when_collected = pl.when(pl.col("collected_at_unread").is_null()).then(
        pl.coalesce(pl.col("collected_at_utc"), pl.col("consent_at")))
    expr = None
    tz = policy.tz
    for src in policy.sources:
        if src.valid_from is None and src.valid_until is None:
            continue
        ok = pl.lit(True)
        if src.valid_from is not None:
            start = dt.datetime.combine(src.valid_from, dt.time(), tz).astimezone(dt.timezone.utc)
            ok = ok & (when_collected >= pl.lit(start))
        if src.valid_until is not None:
            end = dt.datetime.combine(src.valid_until + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.timezone.utc)
            ok = ok & (when_collected < pl.lit(end))
        cond = pl.col("source_class") == src.name
        expr = (pl.when(cond) if expr is None else expr.when(cond)).then(ok)
    if expr is None:
        return pl.lit(None, dtype=pl.Boolean)
    return expr.otherwise(pl.lit(None, dtype=pl.Boolean))


#: Columns whose derived values :func:`with_consent_columns` and :func:`source_exprs` can
#: compute per distinct value (pass ``distinct_values(frame, DISTINCT_COLUMNS)``).
DISTINCT_COLUMNS = ("consent", "consent_channel", "consent_purpose", "consent_evidence", "source")


def consent_class(expr: pl.Expr, policy: Policy, *, inverted: bool = False) -> pl.Expr:
    """A consent cell's row class: granted, refused, withdrawn, missing or unknown.

    ``inverted``: the column states refusal (an opt-out column), so yes reads refused and
    no granted, and a time (an opt-out time) withdrawn. A status that records no consent
    either way (``none``) counts as missing.
    """
    cls = vocabulary_class(expr, policy.vocabulary.table("consent", inverted=inverted))
    if inverted:
        cls = pl.when((cls == "unknown") & expr.str.contains(TIME_SHAPE)).then(pl.lit("withdrawn")).otherwise(cls)
    return pl.when(cls == "none").then(pl.lit("missing")).otherwise(cls)


#: (input column, parsed column, shape of its unreadable values) of each time column
TIMES = (("consent_time", "consent_at", "consent_time_unread"),
         ("collected_at", "collected_at_utc", "collected_at_unread"))


def with_times(lf: pl.LazyFrame, tz: str, readings: Mapping[str, DateReading] | None = None) -> pl.LazyFrame:
    """The time columns parsed (UTC; :func:`~scanner.ingest.dates.parse_times`), and the
    shape of each value that cannot be read (:func:`~scanner.ingest.dates.value_shape`;
    null when read or empty). ``readings``: each column's (``Ingested.date_formats``)."""
    readings = readings or {}
    for src, dst, unread in TIMES:
        lf = with_parsed_times(lf, src, dst, tz, readings.get(src, DEFAULT_READING))
        # Only rows without a parsed time can be unreadable: the shape is computed for those.
        unparsed = text_key(pl.when(pl.col(dst).is_null()).then(pl.col(src)))
        lf = lf.with_columns(pl.when(unparsed.is_not_null()).then(value_shape(pl.col(src))).alias(unread))
    return lf


def _or_header(channel: pl.Expr, header_channel: str | None) -> pl.Expr:
    if header_channel is None:
        return channel
    return pl.when(channel == "missing").then(pl.lit(header_channel)).otherwise(channel)


def with_consent_columns(lf: pl.LazyFrame, policy: Policy, distinct: Distinct | None = None, *,
                         inverted: frozenset[str] = frozenset(),
                         readings: Mapping[str, DateReading] | None = None,
                         header_channel: str | None = None,
                         consent_from_time: bool = False) -> pl.LazyFrame:
    """consent_row_class, channel_class, purpose_class, consent_at, consent_time_invalid,
    evidence_present, collected_at_utc (and the unreadable shapes of :func:`with_times`).

    ``distinct``: the distinct values of low-cardinality input columns
    (:func:`distinct_values`); the vocabulary classes are then mapped once per value.
    ``inverted``: canonical columns read inverted (``Ingested.inverted``); ``readings``:
    how the time columns are read (``Ingested.date_formats``); ``header_channel``: the
    channel the consent column's header names, taken for rows with no channel of their own;
    ``consent_from_time``: no column records opt-ins (none, or an opt-out column), so a row
    with a consent time (read or not) and no answer of its own opted in then.
    """
    vocab = policy.vocabulary
    consent_inverted = "consent" in inverted
    lf = with_times(lf, policy.campaign.timezone, readings)
    consent = by_distinct("consent", lambda c: consent_class(c, policy, inverted=consent_inverted), distinct)
    if consent_from_time:
        consent = (pl.when((consent == "missing") & text_key(pl.col("consent_time")).is_not_null())
                   .then(pl.lit("granted")).otherwise(consent))
    return lf.with_columns(
        consent.alias("consent_row_class"),
        _or_header(by_distinct("consent_channel", lambda c: vocabulary_class(c, vocab.table("channel")),
                               distinct), header_channel).alias("channel_class"),
        by_distinct("consent_purpose", lambda c: vocabulary_class(c, vocab.table("purpose")), distinct)
        .alias("purpose_class"),
        pl.col("consent_time_unread").is_not_null().alias("consent_time_invalid"),
        by_distinct("consent_evidence", lambda c: text_key(c).is_not_null(), distinct).alias("evidence_present"),
    )
