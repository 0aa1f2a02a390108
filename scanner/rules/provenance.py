"""PR rules: where the record came from."""

from __future__ import annotations

import polars as pl

from scanner.rules.registry import rule


@rule("PR001", "missing-source", "warning", "no provenance recorded")
def missing_source() -> pl.Expr:
    """What it flags: a row with no source (the column is missing or the cell is empty).

    Why it matters: PIPL requires knowing how personal information was collected; a
    record of unknown origin cannot be shown to have been collected lawfully.

    Example: an empty 来源 cell.
    """
    return pl.col("source_norm").is_null()


@rule("PR002", "unapproved-source", "warning", "source not in the policy's approved sources")
def unapproved_source(*, has_sources: bool) -> pl.Expr:
    """What it flags: a source that matches none of the policy's ``[[sources]]`` names or
    aliases. Only active when the policy lists approved sources; a source that says it
    was bought gets the more specific PR003 instead.

    Why it matters: only sources that were reviewed (consent text, collection method) should
    feed campaigns.

    Example: ``展会名片`` when the policy approves only ``官网注册`` and ``门店登记``.
    """
    if not has_sources:
        return pl.lit(False)
    return pl.col("source_norm").is_not_null() & pl.col("source_class").is_null() & ~pl.col("source_purchase")


@rule("PR003", "purchase-indicating-source", "error", "source says bought / scraped / data broker")
def purchase_indicating_source() -> pl.Expr:
    """What it flags: a source text that says the record was bought, scraped or came from a
    data broker (购买, 买的, 爬取, 抓取, 数据商, bought, scraped, …; extend in
    ``[vocabulary] purchase_words``).

    Why it matters: buying and selling personal information is illegal under PIPL Art. 10,
    and a crime from 5,000 records.

    Example: ``数据商提供``, ``purchased list``.
    """
    return pl.col("source_purchase")


@rule("PR004", "outside-source-window", "warning", "collected outside the approved source's validity window")
def outside_source_window() -> pl.Expr:
    """What it flags: a row from an approved source whose collection time (the collected-at
    column, else the consent time) falls outside the source's ``valid_from`` …
    ``valid_until`` window.

    Why it matters: a source is approved for a period (a campaign, a form version); records
    dated outside it did not come through the approved channel.

    Example: source ``活动报名`` valid 2025-01-01…2025-06-30, collected 2025-09-01.
    """
    return pl.col("source_window_ok") == False  # noqa: E712 (null = unknown, not a finding)


@rule("PR005", "third-party-without-separate-consent", "warning", "provided by a third party without evidence of separate consent")
def third_party_without_separate_consent() -> pl.Expr:
    """What it flags: a record a third party provided (第三方, 合作伙伴, partner, or a
    policy source marked ``third_party = true``) with no consent evidence reference.

    Why it matters: PIPL Art. 23 requires the person's separate consent before a handler
    provides their information to another handler.

    Example: source ``第三方合作`` with an empty 同意凭证.
    """
    return pl.col("source_third_party") & ~pl.col("evidence_present")
