"""CN rules: whether the person agreed to this contact."""

from __future__ import annotations

import datetime as dt

import polars as pl

from scanner.rules.registry import rule


def _granted() -> pl.Expr:
    return pl.col("consent_class") == "granted"


@rule("CN001", "no-consent", "error", "no consent recorded")
def no_consent() -> pl.Expr:
    """What it flags: no consent recorded: the consent column is missing or empty, or holds
    a value the vocabulary does not know; also a granted consent whose channel, purpose or
    time cannot be read. Unmapped values are listed with their rows in
    ``report.input.unmapped`` and the summary so they can be mapped in the policy's
    ``[vocabulary]``; unreadable times are listed there by shape (digits as 9), and
    ``[columns] formats`` gives their format. A status that records no consent either way
    (pending, never subscribed, 未授权) is no consent too.

    Why it matters: commercial SMS and calls need prior consent (Advertising Law Art. 43,
    MIIT SMS rules, PIPL Art. 13).

    Example: an empty 是否同意 cell; ``maybe``.
    """
    unreadable = (
        (pl.col("channel_class") == "unknown")
        | (pl.col("purpose_class") == "unknown")
        | pl.col("consent_time_invalid")
    )
    return pl.col("consent_class").is_in(("missing", "unknown")) | (_granted() & unreadable)


@rule("CN002", "consent-refused-or-withdrawn", "error", "refused, withdrawn, unsubscribed (退订)")
def consent_refused_or_withdrawn() -> pl.Expr:
    """What it flags: consent refused, withdrawn or unsubscribed (否, 拒绝, 退订, TD, no,
    opt-out, unsubscribed). When a number appears on several rows, the most restrictive
    answer applies to all of them.

    Why it matters: a refusal must be honoured (MIIT SMS rules; PIPL Art. 15: consent
    can be withdrawn at any time).

    Example: ``退订``.
    """
    return pl.col("consent_class").is_in(("refused", "withdrawn"))


@rule("CN003", "consent-expired", "error", "older than the policy's maximum age")
def consent_expired(*, as_of: dt.datetime, max_age_days: int) -> pl.Expr:
    """What it flags: a granted consent older than ``consent.max_age_days`` at the scan's
    as-of time.

    Why it matters: old consent no longer reflects the person's wishes and is hard to
    defend; re-confirm it.

    Example: consent from 2022-01-01 scanned in 2026 with ``max_age_days = 730``.
    """
    cutoff = as_of - dt.timedelta(days=max_age_days)
    return _granted() & (pl.col("consent_at") < pl.lit(cutoff))


@rule("CN004", "consent-channel-mismatch", "error", "consent does not cover the campaign channel")
def consent_channel_mismatch(*, channel: str) -> pl.Expr:
    """What it flags: a granted consent given for another channel (consent for calls or
    email used for an SMS campaign, or the reverse). ``all``/全部 covers every channel; an
    empty channel is not judged, unless the consent column's header names the channel
    (``Email Marketing Consent``, ``短信营销同意``): that is then the row's channel.

    Why it matters: consent is specific (PIPL Art. 14); the person agreed to one channel.

    Example: 同意渠道 ``电话`` in an ``sms`` campaign.
    """
    return _granted() & pl.col("channel_class").is_in(("sms", "voice", "email")) & (pl.col("channel_class") != channel)


@rule("CN005", "consent-purpose-mismatch", "error", "consent does not cover the campaign purpose")
def consent_purpose_mismatch(*, purpose: str) -> pl.Expr:
    """What it flags: a granted consent for another purpose (service notifications used
    for marketing, or the reverse). ``all`` covers every purpose; an empty purpose is not
    judged.

    Why it matters: processing must stay within the purpose consented to (PIPL Art. 6, 14).

    Example: 同意用途 ``服务通知`` in a ``marketing`` campaign.
    """
    wanted = "marketing" if purpose == "marketing" else "service"
    return _granted() & pl.col("purpose_class").is_in(("marketing", "service")) & (pl.col("purpose_class") != wanted)


@rule("CN006", "consent-in-future", "error", "consent time after the scan time")
def consent_in_future(*, as_of: dt.datetime) -> pl.Expr:
    """What it flags: a consent time later than the scan's as-of time.

    Why it matters: a consent from the future was typed in wrong or fabricated.

    Example: 同意时间 ``2030-01-01``.
    """
    return pl.col("consent_at") > pl.lit(as_of)


@rule("CN007", "consent-evidence-missing", "warning", "consent claimed without an evidence reference")
def consent_evidence_missing(*, require_evidence: bool) -> pl.Expr:
    """What it flags: a granted consent with no evidence reference, when the policy sets
    ``consent.require_evidence = true``.

    Why it matters: the handler must be able to prove consent (PIPL Art. 13, burden of
    proof); an unreferenced claim proves nothing.

    Example: 是否同意 ``是`` with an empty 同意凭证.
    """
    if not require_evidence:
        return pl.lit(False)
    return _granted() & ~pl.col("evidence_present")


@rule("CN008", "consent-record-tampered", "error", "the consent record's signature does not verify",
      private_state=True)
def consent_record_tampered() -> pl.Expr:
    """What it flags: a number whose consent comes from a consent ledger entry whose MAC
    does not verify or that follows a broken link in the ledger's hash chain.

    Why it matters: consent records rewritten after the fact are worthless as evidence.

    Example: a ledger line edited by hand to turn a withdrawal into a grant.
    """
    return pl.col("consent_tampered")


@rule("CN009", "consent-undated", "warning", "granted consent with no consent time")
def consent_undated() -> pl.Expr:
    """What it flags: a granted consent with no consent time at all (the time column is
    missing or the cell is empty). A time that is present but cannot be read is CN001
    instead. Raise it to an error with ``[rules] severity = { CN009 = "error" }``.

    Why it matters: without a time the consent's age cannot be checked (CN003) nor
    matched against the source's collection window (PR004); the handler must be able to
    show when consent was given (PIPL Art. 13; GDPR Art. 7(1)).

    Example: 是否同意 ``是`` with an empty 同意时间; a HubSpot export whose opt-in has no
    date column.
    """
    return _granted() & pl.col("consent_at").is_null() & ~pl.col("consent_time_invalid")
