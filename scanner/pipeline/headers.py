"""What the input's headers say about consent: the header whose times stand for the
consent, and the channel a consent header names."""

from __future__ import annotations

from scanner.ingest import Ingested
from scanner.ingest.header_words import channel_named_by, meaning
from scanner.policy import Policy

def consent_from_time(ing: Ingested, policy: Policy) -> str | None:
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


def header_channel(ing: Ingested, policy: Policy) -> str | None:
    """The channel named by the header that speaks for the consent (``Email Opt-in Date``,
    ``短信营销同意``): the channel of rows without a channel cell."""
    return (channel_named_by(consent_from_time(ing, policy))
            or channel_named_by(ing.columns.get("consent")))

