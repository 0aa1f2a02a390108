"""The scan's batch pipeline: the batch loop over the input, then the list stage.

The input is read a batch at a time (one batch ahead, :mod:`scanner.pipeline.batches`); each
batch goes through the row kernel (:func:`scanner.kernel.row_kernel`), and its output is
spilled on another thread while the kernel works on the next: the row outputs, the list
frame, the batch's per-number partial table (:mod:`scanner.pipeline.numbers`), name and
unmapped-value counts, a sample of each extra column and the vault. The list stage then
completes each row's findings with the list-wide facts (duplicates, a number's effective
consent), gathers the list's evidence (:mod:`scanner.pipeline.evidence`) and builds the
report (:mod:`scanner.report.build`). docs/ARCHITECTURE.md describes the flow.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any, Callable, Iterable

import polars as pl

from scanner import interrupt
from scanner.analyses.columns import column_findings, unused_role_findings
from scanner.analyses.duplicates import with_duplicate_columns
from scanner.analyses.overlap import registered_tokens
from scanner.analyses.signals import placeholder_flags
from scanner.concurrency import InOrderWorker
from scanner.contact import contact_expr, pair_ordinal
from scanner.decide import finding_mask_expr, only_in001, verdict_expr
from scanner.errors import InputError
from scanner.ingest import open_input
from scanner.kernel import KernelContext, row_kernel
from scanner.ledger import entries_after
from scanner.pipeline.batches import ColumnSampler, DistinctTable, record_batches
from scanner.pipeline.evidence import list_evidence, registry_to_compare
from scanner.pipeline.headers import consent_from_time, header_channel
from scanner.pipeline.numbers import (
    duplicates_of, merge_number_partials, number_partials, numbers_of, per_row_numbers, valid_tokens,
)
from scanner.pipeline.suppression import auto_suppress, suppression_sets
from scanner.policy import Policy, load_policy
from scanner.privacy.keys import KeyMaterial, load_or_new_key, resolve_state_dir
from scanner.privacy.texts import TextGuard
from scanner.privacy.vault import VaultWriter
from scanner.report.build import build_report
from scanner.report.unmapped import unmapped_counts
from scanner.review.decisions import load_decisions
from scanner.review.honour import Honour, no_decisions
from scanner.rowstore import ROW_OUTPUT_NAMES, SPILL_COLUMNS, RowStore
from scanner.rules import rule_columns

#: ``progress(stage)`` at each stage; during the row stages also ``progress(stage, rows_done,
#: bytes_read)`` (bytes_read: of a text file, else None).
Progress = Callable[..., None]

#: Kernel columns the list analyses, the list-dependent rules and the report read per row;
#: spilled batch by batch (rowstore.py), never a number or a name: a number is its
#: ``number_key`` (its text lives once in the numbers table), names are counted per batch.
LIST_FRAME_COLUMNS = (
    "row", "number_key", "valid", "type", "segment", "source", "source_norm",
    "source_class", "consent_row_class", "channel_class", "purpose_class", "consent_at",
    "collected_at_utc", "consent_time_invalid", "evidence_present", "consent_tampered", "consent_from", "local_mask",
    "name_placeholder",
)


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


def run_scan(source: str | os.PathLike | pl.DataFrame | pl.LazyFrame, policy: Policy | str | os.PathLike | None, *,
             state_dir: str | os.PathLike | None, key_file: str | os.PathLike | None, keys: KeyMaterial | None,
             suppress: Iterable[str | os.PathLike], as_of: str | dt.datetime | dt.date | None,
             progress: Progress | None, notice: Callable[[str], None] | None,
             consent_ledger: str | os.PathLike | None, registry: Any, register_source: str | None,
             register_name: str | None, batch_rows: int, batch_bytes: int,
             purchased_model: str | None) -> dict[str, Any]:
    """Scan a list (arguments as :func:`scanner.api.scan`); the fields of its
    :class:`~scanner.api.ScanResult`."""
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
    state = resolve_state_dir(state_dir)
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
    reg = registry_to_compare(registry, state, keys, policy)
    if reg is not None and register_name:
        reg = reg.excluding(register_name)
    file_numbers, file_keys, store_keys = suppression_sets(suppress, policy, state, keys)
    # what the headers say about consent (the kernel reads it, the report shows it)
    from_time, channel = consent_from_time(ing, policy), header_channel(ing, policy)
    ctx = KernelContext(
        policy=policy, keys=keys, as_of=as_of_dt,
        kept=texts.kept, embedded=texts.add_numbers,
        phone_columns=ing.phone_columns,
        suppressed=file_numbers,
        suppressed_keys=pl.concat([store_keys, file_keys]).unique(),
        registered=None if reg is None else (lambda tokens: registered_tokens(reg, tokens)),
        consent_ledger=consent_ledger, inverted=ing.inverted, readings=ing.date_formats,
        consent_channel=channel, consent_from_time=from_time is not None,
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
    per_number = store.partitioned("numbers", key="number_key", merge=merge_number_partials)
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
            per_number.add(number_partials(out, pair))
            store.add_list(out.with_columns(placeholder_flags(out.get_column("name")))
                           .select(*dict.fromkeys((*LIST_FRAME_COLUMNS, *by_pair, *list_inputs))))
            names.add(rows.group_by("name").agg(pl.len().alias("k")))
            unmapped.add(unmapped_counts(rows))
            if vault is not None:
                vault.add(out.filter(pl.col("e164").is_not_null()).select(vault_columns))

        # A batch is spilled while the row kernel works on the next one.
        spiller = closing.enter_context(InOrderWorker("contact-scanner-spill"))
        for batch, bad_rows in record_batches(stream, batch_rows, bad_records):
            out = row_kernel(batch, ctx, bad_rows=bad_rows)
            sampler.add(batch)
            spiller.submit(lambda out=out, batch=batch: spill(out, batch))
            done += batch.height
            step("normalize", done, stream.bytes_read() if stream.bytes_read else None)
            del out, batch
        spiller.join()
    keep_new_key()
    ing = dataclasses.replace(stream.meta, sha256=stream.sha256, bad_records=tuple(bad_records))
    # The list-wide duplicate aggregates are kept for numbers on several rows only.
    numbers, stats = per_number.merged_spilled(numbers_of, duplicates_of)
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

    evidence = list_evidence(work, numbers, names, ing, policy, reg, state, keys, list_source=register_source,
                              model=purchased_model)
    report = build_report(
        ing=ing, policy=policy, as_of=as_of_dt, work=work, pairs=pairs, col_findings=col_findings,
        active=active, keys=keys, evidence=evidence, scan_id=scan_id, dup_numbers=dup_numbers,
        unmapped=unmapped.table(), row_parts=[p for p, _ in store.parts],
        suppress_counts={"store_entries": int(store_keys.len()), "file_numbers": int(file_numbers.len()),
                         "file_tokens": int(file_keys.len())},
        ledger_after=0 if consent_ledger is None else entries_after(consent_ledger, keys, as_of_dt),
        consent_from_time=from_time, consent_channel=channel,
    )
    report["list"]["changes"] = None
    if reg is not None and register_name:
        from scanner.registry.versions import changes

        report["list"]["changes"] = changes(reg, register_name, valid_tokens(numbers), rows=report["rows"]["total"],
                                            findings=report["findings"])
    report = texts.protect_report(report)
    return dict(report=report, policy=policy, keys=keys, _store=store, _list=work, _number_parts=numbers,
                _names=names, _extra_out=extra_out, _kept=kept,
                _phone_headers=tuple(texts.header(ing.columns[c]) for c in ing.phone_columns),
                _embedded=texts.numbers())
