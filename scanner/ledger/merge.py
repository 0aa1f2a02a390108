"""The consent ledger merged with the list's own consent, per number (``--consent-ledger``).

Within the file today's rules stand (DU002; a number's effective consent is the most
restrictive across its rows). Between the ledger and the file, per row: the latest dated
statement wins, an undated statement loses to a dated one, and at the same instant a
withdrawal or refusal wins; a file that says nothing leaves the ledger's word. The ledger's
event for a number is the latest one at or before the scan's as-of time for the campaign's
channel and purpose (notification counts as service), else of any other channel or purpose
(so CN004 / CN005 report the mismatch). ``consent_from`` says which side a row's consent
comes from (``file``, ``ledger``, or null when neither says anything).
"""

from __future__ import annotations

import datetime as dt
import os

import polars as pl

from scanner.ledger.ledger import latest_consent
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.tokens import token_expr

_PURPOSE_CLASS = {"marketing": "marketing", "service": "service", "notification": "service"}
_ACTION_CLASS = {"grant": "granted", "withdraw": "withdrawn"}
#: The consent columns a statement sets (the file's, or the ledger's ``_l_`` ones).
_STATEMENT = ("consent_row_class", "channel_class", "purpose_class", "consent_at", "consent_time_invalid",
              "consent_time_unread", "evidence_present")
_RESTRICTIVE = ("withdrawn", "refused")


def file_consent_from() -> pl.Expr:
    """``consent_from`` of a row read from the file alone."""
    said = pl.col("consent_row_class").is_not_null() & (pl.col("consent_row_class") != "missing")
    return pl.when(said).then(pl.lit("file")).alias("consent_from")


def _ledger_events(ledger: str | os.PathLike, keys: KeyMaterial, channel: str | None, purpose: str | None,
                   as_of: dt.datetime | None) -> pl.DataFrame:
    latest = latest_consent(ledger, keys, as_of=as_of).with_columns(
        pl.col("purpose").replace_strict(_PURPOSE_CLASS, default="unknown").alias("purpose_class"))
    wanted = pl.lit(True)
    if channel is not None:
        wanted = wanted & (pl.col("channel") == channel)
    if purpose is not None:
        wanted = wanted & (pl.col("purpose_class") == _PURPOSE_CLASS.get(purpose, purpose))
    return (
        latest.with_columns(wanted.alias("_wanted"),
                            (~pl.col("trusted")).any().over("phone_token").alias("_any_untrusted"))
        .sort(["_wanted", "at", "seq"], nulls_last=True)
        .group_by("phone_token", maintain_order=True).last()
        .select(
            pl.col("phone_token").alias("_ledger_token"),
            pl.col("action").replace_strict(_ACTION_CLASS, default="unknown").alias("_l_consent_row_class"),
            pl.col("channel").alias("_l_channel_class"),
            pl.col("purpose_class").alias("_l_purpose_class"),
            pl.col("at").alias("_l_consent_at"),
            pl.lit(False).alias("_l_consent_time_invalid"),
            pl.lit(None, dtype=pl.String).alias("_l_consent_time_unread"),
            pl.col("evidence").is_not_null().alias("_l_evidence_present"),
            (~pl.col("trusted") | pl.col("_any_untrusted")).alias("_l_tampered"),
        )
    )


def ledger_wins() -> pl.Expr:
    """Whether the ledger's statement beats the file's (see the module docstring)."""
    l_cls, f_cls = pl.col("_l_consent_row_class"), pl.col("consent_row_class")
    l_at, f_at = pl.col("_l_consent_at"), pl.col("consent_at")
    file_says = f_cls.is_not_null() & (f_cls != "missing")
    later = l_at.is_not_null() & (f_at.is_null() | (l_at > f_at)
                                  | ((l_at == f_at) & l_cls.is_in(_RESTRICTIVE) & ~f_cls.is_in(_RESTRICTIVE)))
    return (l_cls.is_not_null() & (~file_says | later)).fill_null(False)


def consent_from_ledger(lf: pl.LazyFrame, ledger: str | os.PathLike, keys: KeyMaterial, *,
                        channel: str | None = None, purpose: str | None = None,
                        as_of: dt.datetime | None = None) -> pl.LazyFrame:
    """``lf`` (the kernel's rows, with the file's consent columns and ``phone_token`` or
    ``e164``) with each row's consent merged with the ledger's, ``consent_from`` and
    ``consent_tampered`` (CN008: any event of the number is untrusted: its MAC fails, or
    it sits at or after a broken link)."""
    events = _ledger_events(ledger, keys, channel, purpose, as_of)
    # The scan has tokenized the numbers already; reuse its column instead of a second HMAC pass.
    token = (pl.col("phone_token") if "phone_token" in lf.collect_schema()
             else token_expr(keys, "phone", pl.col("e164")))
    wins = pl.col("_ledger_wins")
    return (
        lf.with_columns(token.alias("_ledger_token"))
        .join(events.lazy(), on="_ledger_token", how="left", maintain_order="left")
        .with_columns(ledger_wins().alias("_ledger_wins"))
        .with_columns(
            *(pl.when(wins).then(pl.col(f"_l_{c}")).otherwise(pl.col(c)).alias(c) for c in _STATEMENT),
            pl.when(wins).then(pl.lit("ledger")).otherwise(file_consent_from()).alias("consent_from"),
            pl.col("_l_tampered").fill_null(False).alias("consent_tampered"),
        )
        .drop("_ledger_token", "_ledger_wins", "_l_tampered", *(f"_l_{c}" for c in _STATEMENT))
    )
