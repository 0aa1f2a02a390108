"""Python API: ``scan()``, ``ScanResult``, ``normalize()`` (docs/ARCHITECTURE.md).

``scan`` runs the whole flow — ingest → normalize → enrich → list analyses → row rules →
decide → protect — as one lazy polars plan over the ingested frame, then assembles the
report. Inside the plan only small distinct-value tables are materialized (raw phone
values, low-cardinality text columns, the tokens looked up in the registry).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import queue
import secrets
import threading
from dataclasses import dataclass, field
from importlib.metadata import version as _pkg_version
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import phonenumbers
import polars as pl

from scanner.analyses.columns import (
    SAMPLE as COLUMN_SAMPLE, column_findings, data_categories, unused_role_findings,
)
from scanner.analyses.duplicates import (
    DUPLICATE_PARTIAL_COLUMNS, duplicate_inputs, duplicate_merge_aggs, duplicate_partial_aggs,
    finish_duplicate_stats, with_duplicate_columns,
)
from scanner.analyses.overlap import registered_tokens
from scanner.analyses.signals import placeholder_flags
from scanner import interrupt
from scanner.concurrency import InOrderWorker
from scanner.contact import contact_expr, pair_ordinal
from scanner.decide import (
    ActiveRules, finding_counts, finding_mask_expr, list_verdict, only_in001, verdict_expr,
)
from scanner.errors import InputError, ScannerError  # noqa: F401 (re-exported)
from scanner.ingest import Ingested, InputStream, open_input, read_input
from scanner.ingest.dates import readings_report
from scanner.ingest.header_words import channel_named_by, meaning
from scanner.kernel import KernelContext, row_kernel
from scanner.ledger import entries_after
from scanner.phone.normalize import normalize, parse_distinct  # noqa: F401 (re-exported)
from scanner.policy import Policy, load_policy
from scanner.prepare import text_key
from scanner.privacy.keys import KeyMaterial, load_or_new_key, resolve_state_dir
from scanner.privacy.texts import TextGuard
from scanner.privacy.vault import VaultWriter
from scanner.rowstore import ROW_OUTPUT_NAMES, SPILL_COLUMNS, RowStore, SpilledTable, findings_table, rows_plan
from scanner.review.decisions import DECISIONS, load_decisions
from scanner.review.honour import Honour, no_decisions
from scanner.rules import RULES, rule_columns
from scanner.suppress.files import suppression_files
from scanner.suppress.store import suppressed_keys

REPORT_SCHEMA = "contact-scanner/report/v1"
UNMAPPED_LIMIT = 20
BAD_RECORDS_LISTED = 100

#: ``progress(stage)`` at each stage; during the row stages also ``progress(stage, rows_done)``.
Progress = Callable[..., None]


def tool_version() -> str:
    try:
        return _pkg_version("contact-scanner")
    except Exception:  # running from a source tree without metadata
        return "0.0.0+unknown"


# ``--state-dir``, else ``$CONTACT_SCANNER_HOME``, else the nearest ``.contact-scanner/`` upward,
# else the per-user folder (scanner.privacy.state: one rule for every command).
state_dir_from = resolve_state_dir


def parse_as_of(value: str | dt.datetime | dt.date | None, policy: Policy) -> dt.datetime:
    """The scan's as-of time, timezone-aware in the policy's zone (default: now)."""
    tz = policy.tz
    if value is None:
        return dt.datetime.now(tz).replace(microsecond=0)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError("--as-of: {value!r} is not an ISO date or date-time", value=value) from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


#: Rows per row-kernel batch (files are also cut into batches by the reader). Three batches
#: are in flight at once (read ahead, in the kernel, being spilled), and a batch's rows
#: output is written whole: half a million rows keep that under ~1 GiB for wide lists, at
#: the same CPU time as a million.
BATCH_ROWS = 1 << 19
#: Input bytes read at a time (about half a million rows of a typical CRM export).
BATCH_BYTES = 32 << 20

#: Per distinct number (any row of it will do: these are functions of the number).
NUMBER_COLUMNS = ("number_key", "phone_token", "e164", "national_number", "country_code", "valid", "type",
                  "segment")


def _number_partials(out: pl.DataFrame, order: pl.Expr | None = None) -> pl.DataFrame:
    """A batch's per-number table: :data:`NUMBER_COLUMNS`; over the number's rows, whether
    any has a source the policy does not approve (what the list signals read per number:
    counted from this table, they need no group-by over the rows, whose memory grows with
    the rows); and the number's duplicate aggregates (:func:`duplicate_partial_aggs`, over
    all its rows: ``valid`` is a function of the number, so a valid number's rows are all
    valid). One group-by, one spilled table, one merge for both (they were two, which cost
    ~5 CPU-s more per 10M rows). Each row is a partial of its own, merged by
    :func:`_merge_number_partials`. ``order``: the ``pair`` ordinal of several phone columns
    (:func:`~scanner.contact.pair_ordinal`); a number's first occurrence is its least."""
    # the inputs materialized first: as one lazy plan the group-by costs twice as much
    rows = duplicate_inputs(
        out.lazy().filter(pl.col("number_key").is_not_null())
        .select(*NUMBER_COLUMNS, "row" if order is None else order, "source_class", "consent_row_class",
                "source_norm")).collect()
    return rows.group_by("number_key").agg(pl.col(list(NUMBER_COLUMNS[1:])).first(),
                                           pl.col("source_class").is_null().any().alias("any_unapproved_source"),
                                           *duplicate_partial_aggs("row" if order is None else "pair"))


def _merge_number_partials(partials: pl.DataFrame) -> pl.DataFrame:
    return partials.group_by("number_key").agg(pl.col(list(NUMBER_COLUMNS[1:])).first(),
                                               pl.col("any_unapproved_source").any(),
                                               *duplicate_merge_aggs())


def _numbers_of(merged: pl.DataFrame) -> pl.DataFrame:
    """The distinct-numbers table from merged per-number partials."""
    return merged.select(*NUMBER_COLUMNS, "any_unapproved_source")


def _duplicates_of(merged: pl.DataFrame) -> pl.DataFrame:
    """:func:`finish_duplicate_stats` of the valid numbers of merged per-number partials."""
    valid = merged.filter(pl.col("valid")).select("number_key", *DUPLICATE_PARTIAL_COLUMNS)
    return finish_duplicate_stats(valid).collect()

#: Kernel columns the list analyses, the list-dependent rules and the report read per row;
#: spilled batch by batch (rowstore.py), never a number or a name: a number is its
#: ``number_key`` (its text lives once in the numbers table), names are counted per batch.
LIST_FRAME_COLUMNS = (
    "row", "number_key", "valid", "type", "segment", "source", "source_norm",
    "source_class", "consent_row_class", "channel_class", "purpose_class", "consent_at",
    "collected_at_utc", "consent_time_invalid", "evidence_present", "consent_tampered", "consent_from", "local_mask",
    "name_placeholder",
)
#: Vocabulary columns whose unmapped values the report lists (counted batch by batch).
VOCABULARY_COLUMNS = (("consent", "consent_row_class"), ("consent_channel", "channel_class"),
                      ("consent_purpose", "purpose_class"))
#: Time columns whose unreadable values the report lists by their shape (digits as 9).
UNREAD_COLUMNS = (("consent_time", "consent_time_unread"), ("collected_at", "collected_at_unread"))


@dataclass
class ScanResult:
    """What a scan produced. ``rows`` and ``report`` hold no plaintext number.

    The row outputs live in a private spill directory until :meth:`write` streams them out;
    ``rows`` materializes them (convenient for small lists, costly for very large ones:
    use :meth:`iter_rows`).
    """

    report: dict[str, Any]
    policy: Policy
    keys: KeyMaterial = field(repr=False)
    # Private: the spilled row outputs, the per-row list frame and the distinct numbers
    # (these two hold numbers: never written; the numbers stay sealed in the spill, read a
    # few columns at a time).
    _store: RowStore = field(repr=False)
    _list: pl.LazyFrame = field(repr=False)
    _number_parts: SpilledTable = field(repr=False)
    _names: pl.DataFrame = field(repr=False)
    _extra_out: list[str] = field(repr=False)
    _kept: list[str] = field(repr=False)
    #: the phone columns' headers, primary first (rows.parquet's ``contact_column``)
    _phone_headers: tuple[str, ...] = field(default=("phone",), repr=False)
    #: numbers embedded in the input's text (``e164``, ``national_number``, ``digits``)
    _embedded: pl.DataFrame | None = field(default=None, repr=False)
    _rows: pl.DataFrame | None = field(default=None, repr=False)
    _findings: pl.DataFrame | None = field(default=None, repr=False)

    def rows_plan(self, part: int | None = None) -> pl.LazyFrame:
        """The rows output (or one batch's part of it) as a lazy plan over the spill."""
        if self._findings is None:
            self._findings = findings_table(self._store, ActiveRules.from_policy(self.policy))
        return rows_plan(self._store, self._findings, extra_out=self._extra_out, kept=self._kept, part=part,
                         phone_headers=self._phone_headers)

    def iter_rows(self) -> Iterator[pl.DataFrame]:
        """The rows output, one batch at a time, in row order."""
        for i in range(len(self._store.parts)):
            yield self.rows_plan(i).collect()

    @property
    def rows(self) -> pl.DataFrame:
        if self._rows is None:
            self._rows = self.rows_plan().collect()
        return self._rows

    @property
    def contactable(self) -> pl.DataFrame:
        """Accepted rows, minimal columns."""
        return contactable_of(self.rows)

    @property
    def _number_table(self) -> pl.DataFrame:
        """The distinct numbers with their per-number facts, whole (tests and tools)."""
        return self._number_parts.frame()

    @property
    def _numbers(self) -> pl.DataFrame:
        """Per row: the token -> number mapping (tests and tools; never written)."""
        return per_row_numbers(self._list.select("row", "number_key"),
                               self._number_parts.select("number_key", "phone_token", "e164", "national_number",
                                                         "country_code"))

    def distinct_numbers(self) -> pl.DataFrame:
        """The distinct numbers and names of the list (``e164``, ``national_number``, ``name``;
        columns not aligned), for the outputs' plaintext checks; never written."""
        names = self._names.get_column("name").drop_nulls()
        parts = [self._number_parts.select("e164", "national_number"), names.to_frame("name")]
        if self._embedded is not None:
            parts.append(self._embedded)
        return pl.concat(parts, how="diagonal")

    @property
    def rows_with_number(self) -> int:
        return int(self._list.select(pl.col("number_key").is_not_null().sum()).collect(engine="streaming").item())

    def unique_e164(self) -> list[str]:
        """Sorted distinct E.164 numbers of this copy (for fingerprints; never written)."""
        return sorted(self._number_parts.get_column("e164").to_list())

    def valid_tokens(self) -> pl.Series:
        """The distinct phone tokens of the valid numbers (registry, canaries)."""
        return valid_tokens(self._number_parts).sort()

    def write(self, out_dir: str | os.PathLike, before_commit: Callable[[], None] | None = None, *,
              html: bool | None = None, lang: str | None = None) -> dict[str, Path]:
        """The outputs (docs/ARCHITECTURE.md). ``html`` and ``lang`` (report.html, its
        language): by default the policy's ``[report]``, else on, in the locale's language."""
        from scanner.i18n import resolve_lang
        from scanner.report.write import write_outputs

        html = self.policy.report.html if html is None else html
        return write_outputs(self, Path(out_dir), before_commit, html=html,
                             lang=resolve_lang(lang, self.policy.report.lang))


def valid_tokens(numbers: SpilledTable) -> pl.Series:
    """The phone tokens of the list's valid numbers (``numbers``: the scan's distinct numbers;
    validity is a function of the number, so no row needs reading)."""
    return numbers.map(lambda part: part.filter(pl.col("valid")).select("phone_token"),
                       ["valid", "phone_token"]).get_column("phone_token")


def per_row_numbers(rows: pl.DataFrame | pl.LazyFrame, numbers: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (with ``number_key``) plus its number's columns, in row order."""
    return (rows.lazy().join(numbers.lazy(), on="number_key", how="left", maintain_order="left")
            .drop("number_key").collect(engine="streaming"))


def contactable_of(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(pl.col("verdict") == "accept").select("row", "line", "phone_token", "phone_masked")


def _unmapped_counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Per vocabulary column, the rows of each value the vocabulary did not map; per time
    column, the rows of each shape of value that could not be read."""
    return pl.concat([
        *(rows.filter(pl.col(cls) == "unknown")
          .group_by(text_key(pl.col(column)).alias("value")).len()
          .select(pl.lit(column).alias("column"), "value", "len")
          for column, cls in VOCABULARY_COLUMNS),
        *(rows.filter(pl.col(shape).is_not_null())
          .group_by(pl.col(shape).alias("value")).len()
          .select(pl.lit(column).alias("column"), "value", "len")
          for column, shape in UNREAD_COLUMNS),
    ])


def _unmapped(counts: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Values the vocabularies did not map and shapes of times that could not be read,
    with their rows, most rows first (digits-heavy vocabulary values withheld; a time's
    shape holds no digit of its value).

    ``counts``: :func:`_unmapped_counts` of every batch."""
    out: dict[str, list[dict[str, Any]]] = {}
    counts = counts.group_by("column", "value").agg(pl.col("len").sum())
    vocabulary = {c for c, _ in VOCABULARY_COLUMNS}
    for column, _ in (*VOCABULARY_COLUMNS, *UNREAD_COLUMNS):
        values = counts.filter(pl.col("column") == column).select("value", "len").sort(
            ["len", "value"], descending=[True, False])
        if values.height:
            out[column] = [
                {"value": v if column not in vocabulary or sum(ch.isdigit() for ch in v) < 5
                 else "<withheld: looks like a number>", "rows": n}
                for v, n in values.head(UNMAPPED_LIMIT).iter_rows()
            ]
    return out


def _unreadable_rows(counts: pl.DataFrame) -> dict[str, int]:
    """Per time column, the rows whose value could not be read."""
    totals = counts.filter(pl.col("column").is_in([c for c, _ in UNREAD_COLUMNS])).group_by("column").agg(
        pl.col("len").sum())
    return dict(totals.iter_rows())


def _read_ahead(items: Iterator, depth: int = 1) -> Iterator:
    """``items``, produced by a background thread up to ``depth`` ahead: the next batch is
    read and parsed while the row kernel works on this one (polars releases the GIL).
    An exception while reading is raised here, in order. Every wait gives up on a signal
    or when the consumer stops (:mod:`scanner.interrupt`)."""
    done = object()
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not interrupt.put(slots, (item, None), stop):
                    return
            interrupt.put(slots, (done, None), stop)
        except BaseException as exc:  # handed to the consumer, which raises it
            interrupt.put(slots, (done, exc), stop)

    worker = threading.Thread(target=produce, name="contact-scanner-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            got = interrupt.get(slots)
            if got is interrupt.NOTHING:
                raise interrupt.stopped_error()
            item, exc = got
            if item is done:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        # the batch being read is finished first (the input stays open until then), unless
        # the process is stopping
        while worker.is_alive() and not interrupt.stopping():
            worker.join(interrupt.POLL)


def _batches(stream: InputStream, batch_rows: int, bad_records: list) -> Iterator[tuple[pl.DataFrame, list[int]]]:
    """The input's records in row-kernel batches of at most ``batch_rows`` rows (with their
    malformed records' rows); the first :data:`BAD_RECORDS_LISTED` bad records are also
    appended to ``bad_records`` (the report lists them; the rows carry IN001)."""
    for part in _read_ahead(iter(stream)):
        bad_records.extend(part.bad_records[: max(0, BAD_RECORDS_LISTED - len(bad_records))])
        bad = [b.row for b in part.bad_records]
        frame = part.frame
        for start in range(0, frame.height, batch_rows):
            piece = frame.slice(start, batch_rows)
            first, last = piece.item(0, "row"), piece.item(piece.height - 1, "row")
            yield piece, [r for r in bad if first <= r <= last]


def scan(
    source: str | os.PathLike | pl.DataFrame | pl.LazyFrame,
    policy: Policy | str | os.PathLike | None = None,
    *,
    state_dir: str | os.PathLike | None = None,
    key_file: str | os.PathLike | None = None,
    keys: KeyMaterial | None = None,
    suppress: Iterable[str | os.PathLike] = (),
    as_of: str | dt.datetime | dt.date | None = None,
    progress: Progress | None = None,
    notice: Callable[[str], None] | None = None,
    consent_ledger: str | os.PathLike | None = None,
    registry: Any = None,
    register_source: str | None = None,
    register_name: str | None = None,
    batch_rows: int = BATCH_ROWS,
    batch_bytes: int = BATCH_BYTES,
    purchased_model: str | None = None,
) -> ScanResult:
    """Scan a contact list (path, DataFrame or LazyFrame) under a policy.

    The registry of lists seen before and the canary store live in the state dir
    (``registry`` may pass an open registry instead; ``False`` skips it).
    ``register_source`` names the source the list is about to be registered under;
    ``register_name`` the name (a new version of an own list is compared with its earlier
    versions as a change, not a copy: ``report.list.changes``).
    ``batch_bytes`` / ``batch_rows``: the input is read about ``batch_bytes`` at a time and
    at most ``batch_rows`` rows go through the row kernel at once (memory); results never
    depend on them. ``purchased_model``: the purchased-list model version to score with
    (default the current; ``verify`` re-scans under the one a certificate names).
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    from scanner.analyses.purchased import MODELS

    if purchased_model is not None and purchased_model not in MODELS:
        raise InputError("unknown purchased-list model {model!r} (known: {models})", model=purchased_model,
                         models=", ".join(MODELS))
    report_step = progress or (lambda *_: None)

    def step(*args) -> None:
        interrupt.raise_if_stopped()  # between stages and batches: a safe point to stop at
        report_step(*args)

    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    as_of_dt = parse_as_of(as_of, policy)
    step("ingest")
    stream = open_input(source, column_overrides=dict(policy.columns.mapping), batch_bytes=batch_bytes,
                        inverted=policy.columns.invert, date_formats=dict(policy.columns.formats),
                        region=policy.campaign.region, phone_min_valid=policy.columns.phone_min_valid)
    ing = stream.meta
    state = state_dir_from(state_dir)
    # a kept phone column (by its header) is scanned like every phone column, never copied
    phone_headers = {ing.columns[c] for c in ing.phone_columns}
    missing_keep = [c for c in policy.columns.keep
                    if c not in ("row", "line", *ing.columns, *ing.extra_columns, *phone_headers)]
    if missing_keep:
        stream.close()
        raise InputError("[columns] keep names a column the input lacks: {name!r}", name=missing_keep[0],
                         path=ing.path)
    try:  # what is written of the input's text: masked (and its numbers gathered)
        texts = TextGuard(region=policy.campaign.region, keep=policy.columns.keep,
                          keep_verbatim=policy.columns.keep_verbatim, columns=ing.columns,
                          extra_columns=ing.extra_columns, phone_columns=ing.phone_columns,
                          taken=ROW_OUTPUT_NAMES, path=ing.path)
    except InputError:
        stream.close()
        raise
    # A new key is written only once the whole input has been read: a bad input (even one
    # found late in a large file) must not leave a new key behind.
    if keys is None:
        keys, keep_new_key = load_or_new_key(state, key_file=Path(key_file) if key_file else None,
                                             notice=notice)
    else:
        keep_new_key = lambda: None  # noqa: E731
    reg = _open_registry(registry, state, keys, policy)
    if reg is not None and register_name:
        reg = reg.excluding(register_name)
    file_numbers, file_keys = suppression_files(suppress, policy)
    store_keys = (suppressed_keys(state, keys.key_id, channel=policy.campaign.channel,
                                  purpose=policy.campaign.purpose)
                  if policy.suppress.check else file_keys.clear())
    ctx = KernelContext(
        policy=policy, keys=keys, as_of=as_of_dt,
        kept=texts.kept, embedded=texts.add_numbers,
        phone_columns=ing.phone_columns,
        suppressed=file_numbers,
        suppressed_keys=pl.concat([store_keys, file_keys]).unique(),
        registered=None if reg is None else (lambda tokens: registered_tokens(reg, tokens)),
        consent_ledger=consent_ledger, inverted=ing.inverted, readings=ing.date_formats,
        consent_channel=_header_channel(ing, policy),
        consent_from_time=_consent_from_time(ing, policy) is not None,
    )
    active = ctx.active
    honour = Honour.build(load_decisions(state, keys.key_id), active, policy, as_of_dt)
    _, listed = ctx.split_codes
    list_inputs = ctx.list_rule_inputs
    # Several phone columns: the kernel's records are (row, number) pairs (scanner/contact.py).
    columns = len(ing.phone_columns)
    multi = columns > 1
    pair = pair_ordinal(columns) if multi else None
    by_pair = ("phone_column",) if multi else ()

    step("normalize")
    store = RowStore()
    scan_id = secrets.token_hex(16)
    # Per number (facts and duplicate aggregates): partials per batch, spilled by hash
    # partition, merged as they pile up.
    per_number = store.partitioned("numbers", key="number_key", merge=_merge_number_partials)
    names = DistinctTable(lambda t: t.group_by("name").agg(pl.col("k").sum()))
    unmapped = DistinctTable(lambda t: t.group_by("column", "value").agg(pl.col("len").sum()))
    bad_records: list = []
    sampler = ColumnSampler(list(ing.extra_columns))
    vault_columns = ["row", "phone_token", "e164", *(["name"] if policy.privacy.vault_names else [])]
    with contextlib.ExitStack() as closing:
        # The vault is sealed batch by batch into the private spill directory; write() copies it.
        vault = (closing.enter_context(VaultWriter(store.vault_path, scan_id=scan_id, keys=keys,
                                                   columns=vault_columns))
                 if policy.privacy.vault else None)
        done = 0

        def spill(out: pl.DataFrame, batch: pl.DataFrame) -> None:
            """Everything kept of one batch's kernel output (run on the spill thread)."""
            # names and vocabulary values are counted per row, not per number
            rows = out.filter(pl.col("row").is_first_distinct()) if multi else out
            store.add(texts.written(out, (*SPILL_COLUMNS, *by_pair)), rows=rows.height)
            texts.gather(batch)
            per_number.add(_number_partials(out, pair))
            store.add_list(out.with_columns(placeholder_flags(out.get_column("name")))
                           .select(*dict.fromkeys((*LIST_FRAME_COLUMNS, *by_pair, *list_inputs))))
            names.add(rows.group_by("name").agg(pl.len().alias("k")))
            unmapped.add(_unmapped_counts(rows))
            if vault is not None:
                vault.add(out.filter(pl.col("e164").is_not_null()).select(vault_columns))

        # A batch is spilled while the row kernel works on the next one.
        spiller = closing.enter_context(InOrderWorker("contact-scanner-spill"))
        for batch, bad_rows in _batches(stream, batch_rows, bad_records):
            out = row_kernel(batch, ctx, bad_rows=bad_rows)
            sampler.add(batch)
            spiller.submit(lambda out=out, batch=batch: spill(out, batch))
            done += batch.height
            step("normalize", done)
            del out, batch
        spiller.join()
    keep_new_key()
    ing = dataclasses.replace(stream.meta, sha256=stream.sha256, bad_records=tuple(bad_records))
    # The list-wide duplicate aggregates are kept for numbers on several rows only.
    numbers, stats = per_number.merged_spilled(_numbers_of, _duplicates_of)
    del per_number
    names = names.table()
    total = stream.rows_total
    if store.height != total:  # the nothing-lost invariant; a bug, not bad input
        raise AssertionError(f"row accounting broke: {store.height} != {total}")

    step("rules")
    # The list-wide row facts (duplicates, a number's effective consent; the whole list's
    # duplicate aggregates, kept for numbers on several rows only), then part by part
    # (bounded memory) the rules that read them, completing each row's finding mask.
    # Every number in ``stats`` has a row after its first valid row (a duplicate), no other.
    dup_numbers = stats.height
    for part in store.list_parts:
        decided = with_duplicate_columns(pl.scan_parquet(part), stats, key="number_key",
                                         order=None if pair is None else pair)
        decided = decided.with_columns(rule_columns(listed, ctx.rule_context)).with_columns(
            only_in001(active, pl.col("local_mask") | finding_mask_expr(active, codes=listed)).alias("finding_mask"))
        decided = decided.with_columns(verdict_expr(active))
        # a person's decision that still counts changes the verdict (scanner/review/honour.py)
        decided = no_decisions(decided) if honour is None else honour.apply(decided)
        # a row's pairs are in one part (one batch): its contact number is chosen here
        contact = [contact_expr(columns)] if multi else []
        # Only the new columns are written, beside the list frame's parts (row order kept).
        store.add_decided(decided.select("is_duplicate", "consent_class", "finding_mask", "verdict", "decision",
                                         "decided_at", "decision_stale", *contact).collect())
    del stats
    # ``pairs``: one record per (row, number); ``work``: one per row (its contact number).
    pairs = pl.concat([store.list_frame(), store.decided_frame()], how="horizontal")
    work = pairs.filter(pl.col("is_contact")) if multi else pairs

    auto_suppress(pairs, numbers, policy, state, keys)

    step("analyses")
    col_findings = column_findings(
        sampler.frame(), list(ing.extra_columns),
        lambda: per_row_numbers(store.list_frame().select("row", "number_key"),  # every number of a row
                                numbers.select("number_key", "e164", "national_number")),
        region=policy.campaign.region) + unused_role_findings(ing.column_report)
    # (digest and sensitive columns are never copied; an unused role-like column may be kept)
    never_copy = {f.column for f in col_findings if f.code.startswith("PS")}
    # (an ignored column rule is not reported; its column is still never copied)
    col_findings = [f for f in col_findings if f.code in active.severity]
    kept = [texts.out_names[c] for c in ctx.kept if c not in never_copy]
    extra_out = [c for c in ("name_token", "name_masked", "email_token")
                 if ("name" in ing.columns if c.startswith("name") else "email" in ing.columns)]

    evidence = _list_evidence(work, numbers, names, ing, policy, reg, state, keys, list_source=register_source,
                              model=purchased_model)
    report = build_report(
        ing=ing, policy=policy, as_of=as_of_dt, work=work, pairs=pairs, col_findings=col_findings,
        active=active, keys=keys, evidence=evidence, scan_id=scan_id, dup_numbers=dup_numbers,
        unmapped=unmapped.table(), row_parts=[p for p, _ in store.parts],
        suppress_counts={"store_entries": int(store_keys.len()), "file_numbers": int(file_numbers.len()),
                         "file_tokens": int(file_keys.len())},
        ledger_after=0 if consent_ledger is None else entries_after(consent_ledger, keys, as_of_dt),
    )
    report["list"]["changes"] = None
    if reg is not None and register_name:
        from scanner.registry.versions import changes

        report["list"]["changes"] = changes(reg, register_name, valid_tokens(numbers), rows=report["rows"]["total"],
                                            findings=report["findings"])
    report = texts.protect_report(report)
    return ScanResult(report=report, policy=policy, keys=keys, _store=store, _list=work,
                      _number_parts=numbers, _names=names, _extra_out=extra_out, _kept=kept,
                      _phone_headers=tuple(texts.header(ing.columns[c]) for c in ing.phone_columns),
                      _embedded=texts.numbers())


def _scope(column: str, named: tuple[str, ...]) -> pl.Expr:
    """A consent class as a store scope (no or an unknown class: ``all``)."""
    return pl.when(pl.col(column).is_in(named)).then(pl.col(column)).otherwise(pl.lit("all"))


def auto_suppress(pairs: pl.LazyFrame, numbers: SpilledTable, policy: Policy, state: Path,
                  keys: KeyMaterial) -> int:
    """Feed the do-not-contact store as far as ``[suppress] auto`` asks: from the list's
    refused or withdrawn rows (``withdrawn``, ``refused``: the file's consent) and the
    consent ledger's withdrawals (``ledger``), each entry scoped by the consent's channel and
    purpose and recorded with its source."""
    auto = policy.suppress.auto
    from_file = [c for c in ("withdrawn", "refused") if c in auto]
    wanted = (pl.col("consent_from") == "file") & pl.col("consent_row_class").is_in(from_file)
    if "ledger" in auto:
        wanted = wanted | ((pl.col("consent_from") == "ledger") & (pl.col("consent_row_class") == "withdrawn"))
    if not from_file and "ledger" not in auto:
        return 0
    from scanner.suppress.store import add_entries

    # (a refusal of another channel, e-mail, says nothing about calls or messages)
    scoped = pl.col("channel_class").is_null() | pl.col("channel_class").is_in(["sms", "voice", "all", "unknown",
                                                                                  "missing"])
    found = (pairs.filter(wanted.fill_null(False) & scoped & pl.col("number_key").is_not_null())
             .select("number_key", "consent_row_class",
                     pl.when(pl.col("consent_from") == "ledger").then(pl.lit("ledger"))
                     .otherwise(pl.col("consent_row_class")).alias("source"),
                     _scope("channel_class", ("sms", "voice")).alias("channel"),
                     _scope("purpose_class", ("marketing", "service")).alias("purpose"))
             .unique().collect())
    wanted_keys = found.select("number_key").unique()
    # (the tokens of these numbers only, part by part: never every number's token at once)
    found = found.join(numbers.map(lambda part: part.join(wanted_keys, on="number_key", how="semi"),
                                   ["number_key", "phone_token"]), on="number_key")
    added = 0
    for (cls, source, channel, purpose), group in found.group_by("consent_row_class", "source", "channel",
                                                                 "purpose"):
        added += add_entries(state, keys.key_id, group.get_column("phone_token"), reason=f"consent {cls}",
                             channel=channel, purpose=purpose, source=source, who="scan")
    return added


class DistinctTable:
    """A table of distinct values gathered batch by batch: ``merge`` (dedup or sum) runs on
    the pending parts whenever they outgrow the merged table, so memory follows the distinct
    values, not the batches, and the total work stays within a log factor of one merge."""

    def __init__(self, merge: Callable[[pl.DataFrame], pl.DataFrame]):
        self.merge = merge
        self.merged: pl.DataFrame | None = None
        self.pending: list[pl.DataFrame] = []
        self.pending_rows = 0

    def add(self, part: pl.DataFrame) -> None:
        self.pending.append(part)
        self.pending_rows += part.height
        if self.pending_rows > max(self.merged.height if self.merged is not None else 0, 1 << 20):
            self.merged = self.table()

    def table(self) -> pl.DataFrame:
        parts = ([self.merged] if self.merged is not None else []) + self.pending
        self.merged, self.pending, self.pending_rows = self.merge(pl.concat(parts)), [], 0
        return self.merged


class ColumnSampler:
    """The first :data:`~scanner.analyses.columns.SAMPLE` non-empty values of each extra
    column, with their rows, collected across batches (what the column checks read)."""

    def __init__(self, columns: list[str]):
        self.columns = columns
        self.needed = dict.fromkeys(columns, COLUMN_SAMPLE)
        self.parts: list[pl.DataFrame] = []

    def add(self, batch: pl.DataFrame) -> None:
        open_ = [c for c, n in self.needed.items() if n > 0]
        if not open_:
            return
        present = {c: pl.col(c).str.strip_chars().str.len_chars().fill_null(0) > 0 for c in open_}
        wanted = pl.any_horizontal([p & (p.cum_sum() <= self.needed[c]) for c, p in present.items()])
        counts = batch.select([p.sum().alias(c) for c, p in present.items()]).row(0, named=True)
        self.parts.append(batch.filter(wanted).select("row", *self.columns))
        for c in open_:
            self.needed[c] -= min(self.needed[c], counts[c])

    def frame(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema={"row": pl.Int64, **dict.fromkeys(self.columns, pl.String)})
        return pl.concat(self.parts)


def _open_registry(registry: Any, state: Path, keys: KeyMaterial, policy: Policy):
    """The registry to compare against, or None (policy off, or no registry yet)."""
    if registry is False or not policy.registry.check:
        return None
    if registry is not None:
        return registry
    from scanner.registry.store import FILE_NAME, open_registry

    if not (state / FILE_NAME).exists():
        return None
    reg = open_registry(state, key_id=keys.key_id)
    # (the file may hold only decisions or the do-not-contact store: no list to compare with)
    return reg if reg.has_lists() else None


@dataclass(frozen=True)
class ListEvidence:
    purchased: dict[str, Any]
    overlaps: list[dict[str, Any]]
    hard_signal: bool
    other_signal: bool
    facts: Any = None  # the signals' ListFacts (the report's chart aggregates read them)


def _list_evidence(work: pl.LazyFrame, numbers: SpilledTable, names: pl.DataFrame, ing: Ingested,
                   policy: Policy, reg, state: Path, keys: KeyMaterial, *,
                   list_source: str | None, model: str | None = None) -> ListEvidence:
    """Purchased/generated-list signals, registry overlaps and canary hits (list analyses)."""
    from scanner.analyses.purchased import evaluate_list
    from scanner.canary.canary import canary_signal, detect
    from scanner.canary.store import CanaryStore

    result = evaluate_list(
        work, numbers=numbers, name_counts=names, policy=policy.detect, registry=reg, input_sha256=ing.sha256,
        timezone=policy.campaign.timezone, source_windows=policy.sources,
        categories=data_categories(ing.extra_columns), list_source=list_source,
        tokens=valid_tokens(numbers) if reg is not None else None, model=model,
    )
    purchased = result.report_purchased
    canaries = CanaryStore.open(state, keys)  # (as detect_in_state; the tokens read only when there are canaries)
    hits = detect(numbers.get_column("phone_token"), canaries) if canaries.assignments else []
    canary = canary_signal(hits, code="LS017")
    purchased["signals"] = [*purchased["signals"], canary]
    hard = result.hard_signal or canary["fired"]
    if canary["fired"]:  # a canary proves the list is a leaked copy
        purchased["likely"] = True
        purchased["score"] = max(purchased["score"], 1.0)
    return ListEvidence(purchased, result.report_overlaps, hard, result.other_signal, result.facts)


def build_report(*, ing: Ingested, policy: Policy, as_of: dt.datetime, work: pl.LazyFrame,
                 col_findings, active: ActiveRules, keys: KeyMaterial,
                 evidence: ListEvidence, scan_id: str, unmapped: pl.DataFrame,
                 dup_numbers: int, pairs: pl.LazyFrame | None = None,
                 row_parts: Iterable[Path] = (),
                 suppress_counts: dict[str, int] | None = None, ledger_after: int = 0) -> dict[str, Any]:
    """report.json (docs/ARCHITECTURE.md). ``dup_numbers``: numbers with duplicate rows (from the
    duplicate stats: counting them over the rows is a group-by on every number). ``work``:
    one record per row (verdicts); ``pairs``: one per (row, number) (findings, duplicates),
    the same frame when there is one phone column; ``unmapped``: :func:`_unmapped_counts`
    of every batch; ``row_parts``: the spilled row outputs (masked example rows are read
    from them)."""
    from scanner.report.aggregates import block_aggregates, consent_aggregates, example_rows, list_aggregates

    multi = pairs is not None and pairs is not work
    pairs = work if pairs is None else pairs
    counts_by = work.select(
        pl.len().alias("total"),
        (pl.col("verdict") == "accept").sum().alias("accept"),
        (pl.col("verdict") == "review").sum().alias("review"),
        (pl.col("verdict") == "reject").sum().alias("reject"),
        *((pl.col("decision") == d).sum().alias(f"decided_{d}") for d in DECISIONS),
        pl.col("decision_stale").sum().alias("decision_stale"),
        *((pl.col("consent_from") == side).sum().alias(f"consent_{side}") for side in ("file", "ledger")),
        *([] if multi else [pl.col("is_duplicate").sum().alias("dup_rows")]),
    ).collect(engine="streaming").row(0, named=True)
    if multi:
        counts_by["dup_rows"] = pairs.select(pl.col("is_duplicate").sum()).collect(engine="streaming").item()
    total = int(counts_by["total"])
    counts = {v: int(counts_by[v]) for v in ("accept", "review", "reject")}
    unreadable = _unreadable_rows(unmapped)
    by_code = finding_counts(pairs.select("finding_mask"), active)
    for f in col_findings:
        by_code[f.code] = by_code.get(f.code, 0) + 1
    findings = {c: int(by_code[c]) for c in RULES if c in by_code}
    dup_rows = int(counts_by["dup_rows"])

    purchased, overlaps = evidence.purchased, evidence.overlaps
    classes, provenance, masks = list_aggregates(work, pairs, active)
    if evidence.facts is not None:
        purchased = {**purchased, "blocks": block_aggregates(evidence.facts, policy.detect)}
        consent = consent_aggregates(evidence.facts, as_of=as_of, timezone=policy.campaign.timezone,
                                     max_age_days=policy.consent.max_age_days, classes=classes)
    else:
        consent = {"classes": classes}
    verdict = list_verdict(
        rows_total=total, rejected=counts["reject"], not_accepted=counts["review"] + counts["reject"],
        policy=policy, purchased_likely=purchased["likely"], hard_signal=evidence.hard_signal,
        other_signal=evidence.other_signal, column_findings=bool(col_findings),
    )
    return {
        "schema": REPORT_SCHEMA,
        "tool": {"name": "contact-scanner", "version": tool_version(),
                 "phonenumbers": phonenumbers.__version__, "polars": pl.__version__},
        "scan": {"id": scan_id, "as_of": as_of.isoformat(), "key_id": keys.key_id},
        "input": {
            "path": ing.path, "sha256": ing.sha256, "format": ing.format, "encoding": ing.encoding,
            "rows": total, "columns": dict(ing.columns),
            "phone_columns": [ing.columns[c] for c in ing.phone_columns],
            "extra_columns": list(ing.extra_columns),
            "has_header": ing.has_header, "title_rows": ing.title_rows,
            "inverted": sorted(ing.inverted),
            # the channel the consent header names, for rows whose channel cell is empty
            "consent_channel_from_header": _header_channel(ing, policy),
            # no consent column: the consent time's header whose times record the opt-in
            "consent_from_time": _consent_from_time(ing, policy),
            **_mapping(ing, _consent_from_time(ing, policy)),
            "bad_records": [{"row": b.row, "line": b.line, "reason": b.reason}
                            for b in ing.bad_records[:BAD_RECORDS_LISTED]],
            "unmapped": _unmapped(unmapped),
            "dates": {column: {**reading, "unreadable": unreadable.get(column, 0)}
                      for column, reading in readings_report(ing.date_formats, ing.columns).items()},
        },
        "policy": {"sha256": policy.sha256, "path": policy.path, "channel": policy.campaign.channel,
                   "purpose": policy.campaign.purpose, "region": policy.campaign.region,
                   "max_reject_share": policy.list.max_reject_share,
                   "max_consent_age_days": policy.consent.max_age_days},
        "rows": {"total": total, **counts},
        # rows whose verdict a person's stored decision set; ``stale``: a decision the row's
        # findings outgrew (or an expired approval), which no longer counts
        "review": {"rows_decided": sum(int(counts_by[f"decided_{d}"]) for d in DECISIONS),
                   **{d: int(counts_by[f"decided_{d}"]) for d in DECISIONS},
                   "stale": int(counts_by["decision_stale"])},
        "suppress": dict(suppress_counts or {}),
        "findings": findings,
        "rules": {c: {"name": RULES[c].name, "severity": active.severity.get(c, RULES[c].severity)}
                  for c in findings},
        "columns": [f.as_dict() for f in col_findings],
        "examples": example_rows(masks, active, row_parts, work),
        # (with where each row's consent came from: --consent-ledger merges with the file;
        # and the ledger's events timed after --as-of, which the scan does not use)
        "consent": {**consent, "from_file": int(counts_by["consent_file"]),
                    "from_ledger": int(counts_by["consent_ledger"]), "ledger_after_as_of": ledger_after},
        "provenance": provenance,
        "list": {
            "verdict": verdict,
            "reject_share": round(counts["reject"] / total, 6) if total else 0.0,
            "purchased": purchased,
            "duplicates": {"rows": dup_rows, "numbers": dup_numbers},
            "overlaps": overlaps,
        },
    }


#: the evidence of a consent time that stands for the consent
RECORDS_CONSENT = "no consent column: a time records the opt-in"


def _consent_from_time(ing: Ingested, policy: Policy) -> str | None:
    """The consent time's header when its times stand for the consent: no column records
    opt-ins (no consent column, or one of opt-out times such as UNSUB_TIME, whose empty
    cell is no opt-out) and ``[consent] time_records_consent`` is on."""
    if policy.consent.time_records_consent and ("consent" not in ing.columns or _opt_out_times(ing)) \
            and not _cleaned_members(ing):
        return ing.columns.get("consent_time")
    return None


def _cleaned_members(ing: Ingested) -> bool:
    """A column of cleaning times (Mailchimp's CLEAN_TIME): the rows are cleaned contacts,
    whose opt-in times record no consent that still holds. The mapping lists such a header
    among the unused columns (its words were read once, there)."""
    unused = ing.column_report.unused if ing.column_report is not None else ()
    return any(u["looks_like"] == "cleaned time" for u in unused)


def _opt_out_times(ing: Ingested) -> bool:
    """The consent column records opt-out times, by its header or by its values."""
    if meaning(ing.columns["consent"]).looks_like == "opt-out time":
        return True
    entries = ing.column_report.columns if ing.column_report is not None else ()
    return any(c.get("role") == "consent" and c.get("share_of") == "opt-out times" for c in entries)


def _header_channel(ing: Ingested, policy: Policy) -> str | None:
    """The channel named by the header that speaks for the consent (``Email Opt-in Date``,
    ``短信营销同意``): the channel of rows without a channel cell."""
    return (channel_named_by(_consent_from_time(ing, policy))
            or channel_named_by(ing.columns.get("consent")))


def _mapping(ing: Ingested, consent_from_time: str | None) -> dict[str, Any]:
    """``input.mapping``: every column's role, confidence and evidence, and the unused
    columns that look like a role (with the ``[columns]`` line that would use them). The
    consent time that stands for the consent says so (``records_consent``)."""
    if ing.column_report is None:
        return {}
    columns = [dict(c, records_consent=True, evidence=f"{c.get('evidence', '')}; {RECORDS_CONSENT}")
               if consent_from_time and c.get("role") == "consent_time" else c
               for c in ing.column_report.columns]
    return {"mapping": {"columns": columns,
                        "unused": list(ing.column_report.unused)}}


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
