"""The row kernel: ingest's records → normalized, enriched, ruled and protected rows (docs/ARCHITECTURE.md).

``row_kernel(batch, ctx)`` is a pure ``pl.DataFrame -> pl.DataFrame`` over one batch of
ingested records: same rows, same order, the columns of :data:`KERNEL_SCHEMA` plus the
policy's kept extra columns. It needs nothing beyond ``ctx`` (policy, key material, the
suppression set, the registry's answers and phonenumbers' metadata), so a scan runs it batch
by batch with bounded memory (and an engine adapter could run it per partition).

Rules that read list-wide facts (:data:`LIST_COLUMNS`: duplicates and the effective consent
of a number's rows) cannot be decided inside one batch; the kernel evaluates every other
active row rule into ``local_mask`` and passes on the inputs of the list-dependent ones
(see :meth:`KernelContext.list_rule_inputs`).

Per-number work (normalization, the phone token, the mask, the suppression and registry
lookups) runs once per distinct raw value of the batch and is gathered onto the rows.

With several phone columns (``ctx.phone_columns``) the kernel works on *numbers*, not rows:
:func:`phone_pairs` turns each row into one record per non-empty phone cell (the row's
other columns repeated), ordered by row, then column, with ``phone_column`` the cell's
column index (0: the primary). A row whose phone cells are all empty keeps one record, of
the primary column. Every row rule then judges each (row, number) pair with the row's own
facts (consent, source); the list stage picks each row's contact number. With one phone
column the records are the rows and ``phone_column`` is 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

import phonenumbers
import polars as pl

from scanner.decide import ActiveRules, finding_mask_expr
from scanner.phone.normalize import parse_distinct
from scanner.policy import Policy
from scanner.prepare import (
    DISTINCT_COLUMNS, by_distinct, distinct_values, ensure_columns, source_exprs, source_window_expr,
    with_consent_columns,
)
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.embedded import numbers_in_phone_cells
from scanner.privacy.masking import mask_name_expr, mask_phone_expr
from scanner.privacy.tokens import normalize_email_expr, normalize_name_expr, token_expr
from scanner.rules import RULES, rule_columns

#: Columns only the whole list can decide (analyses/duplicates.py); rules reading them run
#: after the list analyses.
LIST_COLUMNS = frozenset({"is_duplicate", "dup_conflict", "consent_class", "dup_count"})

#: What the kernel produces for every row (plus the policy's kept extra columns).
KERNEL_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64, "line": pl.Int64,
    "phone_token": pl.String, "phone_masked": pl.String, "valid": pl.Boolean, "type": pl.String,
    "region": pl.String, "e164": pl.String, "country_code": pl.Int32, "national_number": pl.String,
    "segment": pl.String, "number_key": pl.UInt128,
    "name": pl.String, "name_token": pl.String, "name_masked": pl.String, "email_token": pl.String,
    "source": pl.String, "source_norm": pl.String, "source_class": pl.String,
    "consent": pl.String, "consent_channel": pl.String, "consent_purpose": pl.String,
    "consent_row_class": pl.String, "channel_class": pl.String, "purpose_class": pl.String,
    "consent_at": pl.Datetime("us", "UTC"), "collected_at_utc": pl.Datetime("us", "UTC"),
    "consent_time_invalid": pl.Boolean, "consent_time_unread": pl.String, "collected_at_unread": pl.String,
    "evidence_present": pl.Boolean, "consent_tampered": pl.Boolean, "consent_from": pl.String,
    "local_mask": pl.UInt64, "phone_column": pl.Int32,
}

Registered = Callable[[pl.Series], pl.Series]


@dataclass(frozen=True)
class KernelContext:
    """Everything the kernel reads besides the batch (built once per scan)."""

    policy: Policy
    keys: KeyMaterial = field(repr=False)
    as_of: dt.datetime
    kept: tuple[str, ...] = ()
    #: the frame names of the phone columns, primary first (``Ingested.phone_columns``)
    phone_columns: tuple[str, ...] = ("phone",)
    suppressed: pl.Series = field(default_factory=lambda: pl.Series("e164", [], dtype=pl.String), repr=False)
    #: suppressed numbers known by their token only (``number_key``: the do-not-contact
    #: store, token files given to ``--suppress``)
    suppressed_keys: pl.Series = field(default_factory=lambda: pl.Series("number_key", [], dtype=pl.UInt128),
                                       repr=False)
    #: tokens -> the subset already in the registry (None: no registry)
    registered: Registered | None = field(default=None, repr=False)
    consent_ledger: Any = None
    #: canonical columns read inverted (``Ingested.inverted``)
    inverted: frozenset[str] = frozenset()
    #: how each time column is read (``Ingested.date_formats``)
    readings: Any = None
    #: the channel the consent column's header names (``Email Marketing Consent``): the
    #: channel of a row whose own channel cell is empty
    consent_channel: str | None = None
    #: no consent column: a row's consent time records its opt-in (:func:`consent_from_time`)
    consent_from_time: bool = False
    #: given the numbers embedded in phone cells besides their own (the outputs' plaintext
    #: check searches for them too; None: not gathered)
    embedded: Callable[[pl.DataFrame], None] | None = field(default=None, repr=False)

    @cached_property
    def active(self) -> ActiveRules:
        return ActiveRules.from_policy(self.policy)

    @cached_property
    def rule_context(self) -> dict[str, Any]:
        policy = self.policy
        return {
            "channel": policy.campaign.channel,
            "purpose": policy.campaign.purpose,
            "allowed_regions": policy.campaign.allowed_regions,
            "max_age_days": policy.consent.max_age_days,
            "require_evidence": policy.consent.require_evidence,
            "has_sources": bool(policy.sources),
            "as_of": self.as_of.astimezone(dt.timezone.utc),
        }

    @cached_property
    def split_codes(self) -> tuple[list[str], list[str]]:
        """(codes the kernel decides, codes that read :data:`LIST_COLUMNS`), catalogue order."""
        local, listed = [], []
        for code in self.active.row_codes:
            roots = set(RULES[code].expr(self.rule_context).meta.root_names())
            (listed if roots & LIST_COLUMNS else local).append(code)
        return local, listed

    @cached_property
    def list_rule_inputs(self) -> list[str]:
        """Kernel columns the list-dependent rules read (besides :data:`LIST_COLUMNS`)."""
        _, listed = self.split_codes
        roots = {r for code in listed for r in RULES[code].expr(self.rule_context).meta.root_names()}
        missing = roots - LIST_COLUMNS - set(KERNEL_SCHEMA)
        if missing:  # a rule reading a column the kernel does not pass on: a bug
            raise AssertionError(f"list-dependent rules read columns the kernel drops: {sorted(missing)}")
        return sorted(roots - LIST_COLUMNS)


def region_hint_expr(policy: Policy) -> pl.Expr:
    code = pl.col("input_region").str.strip_chars().str.to_uppercase()
    return (
        pl.when(code.is_in(sorted(phonenumbers.SUPPORTED_REGIONS)))
        .then(code)
        .otherwise(pl.lit(policy.campaign.region))
        .alias("region_hint")
    )


def gather_by_key(lf: pl.LazyFrame, column: str, keys: pl.Series, table: pl.DataFrame) -> pl.LazyFrame:
    """Add ``table``'s columns to each row, ``table`` row i belonging to key ``keys[i]`` (unique).

    A lookup of the row's key, materialized once as a column (polars would evaluate a shared
    sub-expression once per gather), then one gather per column: unlike an order-keeping
    left join it copies none of the row frame's own columns. A key missing from ``keys``
    gives nulls.
    """
    index = pl.col(column).replace_strict(keys, pl.int_range(keys.len(), dtype=pl.UInt32, eager=True),
                                          default=None)
    return (lf.with_columns(index.alias("_gather_at"))
            .with_columns(pl.lit(table.get_column(c)).gather(pl.col("_gather_at")).alias(c) for c in table.columns)
            .drop("_gather_at"))


def number_answers(distinct: pl.DataFrame, ctx: KernelContext) -> pl.DataFrame:
    """Per distinct (raw, region_hint): the normalization plus what depends only on the
    number (token, mask, suppression, registry membership), computed once per value."""
    answers = parse_distinct(distinct.select("raw", "region_hint"))
    if ctx.embedded is not None:
        ctx.embedded(numbers_in_phone_cells(answers, ctx.policy.campaign.region))
    answers = answers.drop("raw", "region_hint")
    answers = answers.with_columns(
        token_expr(ctx.keys, "phone", pl.col("e164")).alias("phone_token"),
        mask_phone_expr(pl.col("e164"), pl.col("country_code"), pl.col("national_number")).alias("phone_masked"),
    ).with_columns(number_key_expr())
    suppressed = pl.col("e164").is_in(ctx.suppressed.implode())
    if ctx.suppressed_keys.len():
        suppressed = suppressed | pl.col("number_key").is_in(ctx.suppressed_keys.implode())
    answers = answers.with_columns(suppressed.fill_null(False).alias("suppressed"))
    if ctx.registered is None:
        return answers.with_columns(pl.lit(False).alias("in_registry"))
    seen = ctx.registered(answers.get_column("phone_token").drop_nulls().unique())
    return answers.with_columns(pl.col("phone_token").is_in(seen.implode()).fill_null(False).alias("in_registry"))


def number_key_expr() -> pl.Expr:
    """``number_key``: the phone token's 128 bits as an integer (null without a number).

    It identifies a number for the list-wide group-bys and joins: one-to-one with ``e164``
    (a keyed 128-bit digest: a collision is as unlikely as a token collision) and several
    times cheaper to group on than the text.
    """
    return pl.col("phone_token").str.to_integer(base=16, dtype=pl.UInt128).alias("number_key")


def _with_numbers(lf: pl.LazyFrame, ctx: KernelContext) -> pl.LazyFrame:
    """Join the per-value answers onto the rows.

    Pairs are keyed by a 64-bit hash (joining on it is much cheaper than on two strings); if
    two distinct pairs of the batch ever share a hash, the exact string-keyed join is used.
    """
    keyed = lf.with_columns(pl.struct("raw", "region_hint").hash().alias("_pair"))
    distinct = keyed.select("_pair", "raw", "region_hint").unique().collect()
    if distinct.get_column("_pair").n_unique() == distinct.height:
        answers = number_answers(distinct, ctx)
        return gather_by_key(keyed, "_pair", distinct.get_column("_pair"), answers).drop("_pair")
    answers = pl.concat([distinct.select("raw", "region_hint"), number_answers(distinct, ctx)], how="horizontal")
    return lf.join(answers.lazy(), on=["raw", "region_hint"], how="left", nulls_equal=True,
                   maintain_order="left")


def phone_pairs(batch: pl.DataFrame, phone_columns: tuple[str, ...]) -> pl.DataFrame:
    """One record per (row, phone cell) of ``batch`` (see the module docstring): the cell's
    text as ``phone``, its column index as ``phone_column``, the row's other columns
    repeated; by row, then column. Cells are paired by index (one unpivot, one gather), so
    a row's other columns are copied once per number it holds, never once per column."""
    cells = batch.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_at"), *phone_columns)
    none = cells.select(pl.all_horizontal(pl.col(c).is_null() for c in phone_columns)).to_series()
    long = (cells.unpivot(on=list(phone_columns), index="_at", variable_name="_name", value_name="_cell")
            .with_columns(pl.col("_name").replace_strict(list(phone_columns), range(len(phone_columns)),
                                                         return_dtype=pl.Int32).alias("phone_column"))
            .filter(pl.col("_cell").is_not_null()
                    | ((pl.col("phone_column") == 0) & pl.lit(none).gather(pl.col("_at"))))
            .sort("_at", "phone_column"))
    rest = batch.drop(phone_columns)
    return pl.concat([rest[long.get_column("_at")], long.select(pl.col("_cell").alias("phone"), "phone_column")],
                     how="horizontal")


def row_kernel(batch: pl.DataFrame, ctx: KernelContext, *, bad_rows=()) -> pl.DataFrame:
    """The row stages for one batch of ingested records (see the module docstring).

    ``batch``: ``row`` plus the input's columns as text (canonical names for mapped ones);
    ``bad_rows``: the batch's malformed records (IN001). With several phone columns the
    output holds one record per (row, number) pair (:func:`phone_pairs`), else one per row.
    """
    policy = ctx.policy
    if "line" not in batch.columns:  # a frame without a file: a record's place is its row
        batch = batch.with_columns(pl.col("row").alias("line"))
    if len(ctx.phone_columns) > 1:
        batch = phone_pairs(batch, ctx.phone_columns)
        column = pl.col("phone_column")
    else:
        column = pl.lit(0, dtype=pl.Int32).alias("phone_column")
    lf = ensure_columns(batch.lazy(), set(batch.columns)).rename({"region": "input_region"})
    lf = lf.with_columns(pl.col("phone").alias("raw"), region_hint_expr(policy), column)
    # The per-number answers are materialized once: every later stage reads them.
    lf = _with_numbers(lf, ctx).collect().lazy()

    distinct = distinct_values(batch, (*DISTINCT_COLUMNS, "name"))
    lf = with_consent_columns(lf, policy, distinct, inverted=ctx.inverted, readings=ctx.readings,
                              header_channel=ctx.consent_channel,
                              consent_from_time=ctx.consent_from_time).with_columns(
        pl.col("row").is_in(pl.Series(list(bad_rows), dtype=pl.Int64).implode()).alias("bad_record"),
        *source_exprs(policy, distinct),
    ).with_columns(source_window_expr(policy).alias("source_window_ok"))
    if ctx.consent_ledger is not None:
        from scanner.ledger import consent_from_ledger

        lf = consent_from_ledger(lf, ctx.consent_ledger, ctx.keys, channel=policy.campaign.channel,
                                 purpose=policy.campaign.purpose, as_of=ctx.as_of)
    else:
        from scanner.ledger import file_consent_from

        lf = lf.with_columns(file_consent_from(), pl.lit(False).alias("consent_tampered"))

    local, _ = ctx.split_codes
    active = ctx.active
    lf = lf.with_columns(rule_columns(local, ctx.rule_context))
    lf = lf.with_columns(
        finding_mask_expr(active, codes=local).alias("local_mask"),
        by_distinct("name", lambda c: token_expr(ctx.keys, "name", normalize_name_expr(c)), distinct)
        .alias("name_token"),
        by_distinct("name", lambda c: mask_name_expr(normalize_name_expr(c)), distinct).alias("name_masked"),
        token_expr(ctx.keys, "email", normalize_email_expr(pl.col("email"))).alias("email_token"),
    )
    out = lf.select(*[pl.col(c).cast(t) for c, t in KERNEL_SCHEMA.items()],
                    *[pl.col(c) for c in ctx.kept]).collect(engine="in-memory")
    if out.height != batch.height:  # the nothing-lost invariant; a bug, not bad input
        raise AssertionError(f"row accounting broke: {out.height} != {batch.height}")
    return out
