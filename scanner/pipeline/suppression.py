"""The do-not-contact numbers a scan checks against, and what it adds to the store."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import polars as pl

from scanner.policy import Policy
from scanner.privacy.keys import KeyMaterial
from scanner.rowstore import SpilledTable
from scanner.suppress.files import suppression_files
from scanner.suppress.store import suppressed_keys


def suppression_sets(suppress: Iterable, policy: Policy, state: Path, keys: KeyMaterial):
    """The ``--suppress`` files' numbers and tokens, and the store's tokens in the campaign's
    scope (none when ``[suppress] check`` is off)."""
    file_numbers, file_keys = suppression_files(suppress, policy)
    store_keys = (suppressed_keys(state, keys.key_id, channel=policy.campaign.channel,
                                  purpose=policy.campaign.purpose)
                  if policy.suppress.check else file_keys.clear())
    return file_numbers, file_keys, store_keys


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

