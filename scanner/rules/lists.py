"""Rules whose inputs come from list analyses (duplicates, suppression, registry) and ingest."""

from __future__ import annotations

import polars as pl

from scanner.rules.registry import rule


@rule("DU001", "duplicate-number", "warning", "same valid E.164 number as an earlier row")
def duplicate_number() -> pl.Expr:
    """What it flags: every occurrence after the first of a valid number, whatever format
    it was written in.

    Why it matters: duplicates send the same person the same message twice and inflate a
    list's apparent size (and its price).

    Example: ``13800138000`` on row 3 and ``+86 138 0013 8000`` on row 9: row 9 is flagged.
    """
    return pl.col("is_duplicate")


@rule("DU002", "conflicting-duplicates", "error", "rows of one number disagree on consent or source; the most restrictive wins")
def conflicting_duplicates() -> pl.Expr:
    """What it flags: every row of a number whose rows disagree on consent or source. The
    number's effective consent becomes the most restrictive one (withdrawn beats refused
    beats missing beats granted), so CN002 applies to all its rows.

    Why it matters: a withdrawal recorded on one copy must not be undone by an older
    grant on another copy.

    Example: row 3 ``同意`` and row 9 ``退订`` for the same number.
    """
    return pl.col("dup_conflict")


@rule("DU003", "seen-in-registered-list", "info", "the number is in a list already in the registry",
      private_state=True)
def seen_in_registered_list() -> pl.Expr:
    """What it flags: a number that appears in a list already held in the registry.

    Why it matters: overlap with lists held before shows resold or recycled data.

    Example: a vendor list sharing numbers with last month's import.
    """
    return pl.col("in_registry")


@rule("SP001", "suppressed", "error", "on a suppression / do-not-contact list", private_state=True)
def suppressed() -> pl.Expr:
    """What it flags: a number on a suppression list given with ``--suppress`` (numbers in
    any format; they are compared as E.164).

    Why it matters: do-not-contact requests must be honoured across every list.

    Example: ``+86 138 0013 8000`` in suppression.csv and ``13800138000`` in the list.
    """
    return pl.col("suppressed")


@rule("IN001", "malformed-record", "error", "the input record could not be read (broken quoting, wrong field count, huge field)")
def malformed_record() -> pl.Expr:
    """What it flags: an input record the reader could not split into fields: broken
    quoting, a wrong number of fields, a field over the size limit, invalid JSON.

    Why it matters: the row is kept (nothing is dropped silently) but none of its values
    can be trusted; fix the export.

    Example: ``"13800138000,张三`` (an unterminated quote).
    """
    return pl.col("bad_record")
