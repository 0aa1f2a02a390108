"""Signals of where the records came from: provenance, names and volume (LS009–LS012)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.analyses.signals.facts import CATCH_ALL_SOURCES, ListFacts
from scanner.analyses.signals.registry import Signal, SignalResult, _judged_share, _pct, signal

if TYPE_CHECKING:  # pragma: no cover
    from scanner.policy import DetectPolicy


#: Legal thresholds for trading personal information (SPC/SPP interpretation, 2017, Art. 5).
VOLUME_CATEGORIES_50 = ("location", "credit", "property")
VOLUME_CATEGORIES_500 = ("transaction", "communication", "accommodation", "health")


@signal("LS009", "missing-provenance", "most rows have no source", weight=0.3)
def missing_provenance(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a list where most rows record no source at all.

    Why it matters: PIPL requires knowing where personal information came from; lists
    without provenance are the typical form of traded lists.

    Example: 4,800 of 5,000 rows have an empty 来源 column (or there is no such column).
    """
    return _judged_share(s, facts.provenance["missing"], facts.rows, policy.min_rows,
                         policy.missing_source_share, "rows", "record no source")


@signal("LS010", "catch-all-provenance", "one unapproved or catch-all source covers nearly every row",
        weight=0.3)
def catch_all_provenance(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: nearly every row names the same source, and that source is not an
    approved one or says nothing (导入, 其他, unknown, list, …).

    Why it matters: a real customer base has the sources the business runs; a bought
    list arrives with one filler value in the source column.

    Example: 99% of rows say 来源 = "数据导入".
    """
    top = facts.provenance.get("top")
    if top is None or facts.rows < policy.min_rows:
        return s.result(None, policy.catch_all_share, False,
                        "not judged: no sources recorded" if top is None
                        else f"not judged below {policy.min_rows} rows")
    share = top["k"] / facts.rows
    catch_all = top["_s"] in CATCH_ALL_SOURCES
    fired = share >= policy.catch_all_share and (catch_all or top["unapproved"])
    kind = "a catch-all value" if catch_all else ("not an approved source" if top["unapproved"]
                                                  else "an approved source")
    detail = (f"the most common source covers {top['k']:,} of {facts.rows:,} rows ({_pct(share)}) and is "
              f"{kind}; fires at {_pct(policy.catch_all_share)} for catch-all or unapproved sources")
    return s.result(share, policy.catch_all_share, fired, detail)


@signal("LS011", "template-names", "names missing or placeholders (先生/女士/客户/Mr/Ms…)", weight=0.3)
def template_names(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: a list with a name column where most names are empty or templates
    such as 先生, 女士, 客户123, Mr, Ms, customer.

    Why it matters: a business knows its customers' names; a generated or traded list
    fills the column with placeholders. Lists without a name column are not judged.

    Example: 3,900 of 5,000 names are "先生" or "女士".
    """
    nm = facts.names
    if facts.rows == 0 or nm["missing"] == facts.rows:
        return s.result(None, policy.template_name_share, False, "not judged: the list has no names")
    bad = nm["missing"] + nm["template"]
    share = bad / facts.rows
    fired = share >= policy.template_name_share and facts.rows >= policy.min_rows
    detail = (f"{bad:,} of {facts.rows:,} names ({_pct(share)}) are empty ({nm['missing']:,}) or "
              f"placeholders ({nm['template']:,}); fires at {_pct(policy.template_name_share)}")
    return s.result(share, policy.template_name_share, fired, detail)


def volume_threshold(policy: "DetectPolicy", categories: frozenset[str]) -> tuple[int, str]:
    if categories & set(VOLUME_CATEGORIES_50):
        return policy.volume_location_credit, "location, credit or property data present"
    if categories & set(VOLUME_CATEGORIES_500):
        return policy.volume_sensitive, "transaction, communication, accommodation or health data present"
    return policy.volume_ordinary, "ordinary personal information"


@signal("LS012", "unprovenanced-volume",
        "more records without approved provenance than the criminal threshold for trading them",
        weight=0.4)
def unprovenanced_volume(facts: ListFacts, policy: "DetectPolicy", s: Signal) -> SignalResult:
    """What it flags: the number of distinct valid numbers without an approved source,
    when it reaches the size at which trading such records is a crime in China
    (SPC/SPP interpretation of Criminal Law Art. 253-1, 2017: 5,000 ordinary records; 500
    with transaction, communication, accommodation or health data; 50 with location,
    credit or property data).

    Why it matters: buying or selling personal information is illegal (PIPL Art. 10); a
    list of that size with no approved provenance exposes the importer.

    Example: 12,000 distinct numbers, none from an approved source.
    """
    threshold, why = volume_threshold(policy, facts.categories)
    value = facts.unprovenanced
    fired = value >= threshold
    detail = (f"{value:,} distinct valid numbers have no approved source; the threshold is "
              f"{threshold:,} ({why})")
    return s.result(value, threshold, fired, detail)
