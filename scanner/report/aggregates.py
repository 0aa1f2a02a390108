"""The report's chart aggregates: small tables the HTML page draws, computed once at scan time.

The page is built from report.json alone (docs/ARCHITECTURE.md), so everything a chart
shows lives here as counts: the consent-age histogram with the policy's limit, consent
times by hour of day and the gaps between them, sources with their approval, the
number-block density against what a genuine list of the same size would show, and a few
masked example rows per finding code. Most of it comes from the facts the list signals
already gathered (:class:`scanner.analyses.signals.ListFacts`); the rest is one group-by
over the list frame and one look-up of the example rows. Nothing here names a number or
a number block.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import polars as pl

from scanner.analyses.signals_stats import negbin_sf

if TYPE_CHECKING:  # pragma: no cover
    from scanner.policy import DetectPolicy
    from scanner.analyses.signals import ListFacts
    from scanner.decide import ActiveRules

#: Sources listed by name in the report (the rest are summed as ``other``).
SOURCES_LISTED = 12
#: Example rows kept per finding code.
EXAMPLES_PER_CODE = 3
#: Consent-age bins: the policy's limit is split into this many bins, and as many again
#: run past it before the last, open bin.
AGE_BINS_TO_LIMIT = 12
#: Gaps between consecutive consent times, in seconds: the bins' lower edges.
GAP_EDGES = (0, 1, 10, 60, 600, 3_600, 21_600, 86_400, 604_800)


def _int(v: Any) -> int:
    return int(v or 0)


def consent_aggregates(facts: "ListFacts", *, as_of: dt.datetime, timezone: str,
                       max_age_days: int, classes: dict[str, int]) -> dict[str, Any]:
    """report.json ``consent``: rows per consent class, the age histogram (days before the
    as-of date, in the policy's time zone), rows per local hour of day, and the gaps
    between consecutive distinct consent times."""
    c = facts.consent
    stamped = _int(c.get("n"))
    timed = _int(c.get("timed"))
    step = max(1, math.ceil(max_age_days / AGE_BINS_TO_LIMIT))
    last = 2 * AGE_BINS_TO_LIMIT  # index of the open bin "older than 2 x limit"
    today = (as_of.astimezone(_zone(timezone)).date() - dt.date(1970, 1, 1)).days
    days: pl.DataFrame = c.get("days", pl.DataFrame({"day": [], "g": []}))
    ages = days.select((pl.lit(today, pl.Int64) - pl.col("day").cast(pl.Int64)).alias("age"), pl.col("g"))
    future = _int(ages.filter(pl.col("age") < 0).get_column("g").sum()) if ages.height else 0
    binned = (ages.filter(pl.col("age") >= 0)
              .group_by(pl.min_horizontal(pl.col("age") // step, pl.lit(last, pl.Int64)).alias("bin"))
              .agg(pl.col("g").sum()))
    per_bin = dict(zip(binned.get_column("bin").to_list(), binned.get_column("g").to_list()))
    age = {
        "bin_days": step,
        "limit_days": max_age_days,
        # bin i holds ages [i*bin_days, (i+1)*bin_days); the last bin is open-ended
        "rows": [_int(per_bin.get(i)) for i in range(last + 1)],
        "future": future,
        "over_limit": _int(ages.filter(pl.col("age") > max_age_days).get_column("g").sum()) if ages.height else 0,
    }
    hours_df: pl.DataFrame = c.get("hours", pl.DataFrame({"hour": [], "g": []}))
    per_hour = dict(zip(hours_df.get_column("hour").to_list(), hours_df.get_column("g").to_list()))
    gaps: pl.DataFrame = c.get("gaps", pl.DataFrame({"gap": [], "k": []}))
    return {
        "classes": classes,
        "stamped_rows": stamped,
        "timed_rows": timed,
        "date_only_rows": stamped - timed,
        "age": age,
        "hour_of_day": [_int(per_hour.get(h)) for h in range(24)],
        "gaps": _gap_histogram(gaps),
    }


def _zone(name: str):
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def _gap_histogram(gaps: pl.DataFrame) -> dict[str, Any]:
    """Gaps between consecutive distinct consent times, binned on :data:`GAP_EDGES`, and
    the share of the most common single gap (one spike: machine-regular stamping)."""
    total = _int(gaps.get_column("k").sum()) if gaps.height else 0
    counts = [0] * len(GAP_EDGES)
    top: dict[str, Any] = {"seconds": None, "share": 0.0}
    if total:
        binned = gaps.with_columns((pl.col("gap").cast(pl.Float64) / 1e6).alias("s")).with_columns(
            pl.sum_horizontal([(pl.col("s") >= e).cast(pl.Int32) for e in GAP_EDGES[1:]]).alias("bin"))
        for b, k in binned.group_by("bin").agg(pl.col("k").sum()).iter_rows():
            counts[int(b)] += int(k)
        best = gaps.sort("k", "gap", descending=[True, False]).row(0, named=True)
        top = {"seconds": round(best["gap"] / 1e6, 6), "share": round(best["k"] / total, 6)}
    return {"edges_seconds": list(GAP_EDGES), "counts": counts, "total": total, "most_common": top}


def block_aggregates(facts: "ListFacts", policy: "DetectPolicy") -> dict[str, Any]:
    """report.json ``list.purchased.blocks``: how many blocks of 10,000 numbers hold 1, 2,
    3-4, 5-8 … of the list's numbers, against the count a genuine list of the same size and
    spread would give (the LS002 null: negative binomial), and the limit a genuine list's
    fullest block stays under. Counts of blocks only: no block is named."""
    test = facts.extra.get("block_tests", {}).get(10_000)
    counts: pl.Series = facts.blocks.get(10_000, pl.DataFrame({"count": []})).get_column("count")
    if not counts.len():
        return {"size": 10_000, "bins": [], "limit": test["limit"] if test else None, "fullest": 0}
    top = int(counts.max())
    bins = []
    lo = 1
    while lo <= top:
        hi = lo * 2 - 1 if lo > 1 else 1
        seen = int(((counts >= lo) & (counts <= hi)).sum())
        expected = None
        if test and test["spread"]:
            p = negbin_sf(lo, test["mean"], policy.block_dispersion) - negbin_sf(hi + 1, test["mean"],
                                                                                   policy.block_dispersion)
            expected = round(test["spread"] * p, 3)
        bins.append({"from": lo, "to": hi, "blocks": seen, "expected": expected})
        lo = hi + 1
    return {"size": 10_000, "bins": bins, "limit": test["limit"] if test else None, "fullest": top}


def list_aggregates(work: pl.LazyFrame, pairs: pl.LazyFrame, active: "ActiveRules") -> tuple[
        dict[str, int], dict[str, Any], pl.DataFrame]:
    """Two streaming group-bys over the list frame: rows per effective consent class and the
    sources (rows, approved or not, purchase-indicating rows) over ``work`` (one record per
    row), and the first rows of each finding mask over ``pairs`` (one per row and number).
    Returns (consent classes, ``provenance``, first rows per finding mask)."""
    codes = active.row_codes
    purchase_bit = 1 << codes.index("PR003") if "PR003" in codes else 0
    mask = pl.col("finding_mask")
    by = (work.group_by("source", pl.col("source_class").is_null().alias("unapproved"), "consent_class")
          .agg(pl.len().alias("rows"),
               ((mask & purchase_bit) != 0).sum().alias("purchase") if purchase_bit
               else pl.lit(0, pl.UInt32).alias("purchase"))
          .collect(engine="streaming"))
    masks = (pairs.group_by("finding_mask").agg(pl.col("row").bottom_k(EXAMPLES_PER_CODE))
             .collect(engine="streaming"))
    classes = {k: int(v) for k, v in by.group_by("consent_class").agg(pl.col("rows").sum())
               .sort("consent_class", nulls_last=True).iter_rows() if v}
    text = pl.col("source").str.strip_chars()
    named = by.filter(text.str.len_chars() > 0)
    missing = _int(by.filter(~(text.str.len_chars() > 0).fill_null(False)).get_column("rows").sum())
    sources = (named.group_by("source").agg(
        pl.col("rows").sum(),
        pl.col("rows").filter(~pl.col("unapproved")).sum().alias("approved"),
        pl.col("rows").filter(pl.col("unapproved")).sum().alias("unapproved"),
        pl.col("purchase").sum())
        .sort(["rows", "source"], descending=[True, False]))
    listed = sources.head(SOURCES_LISTED)
    rest = sources.slice(SOURCES_LISTED)
    provenance = {
        "rows_with_source": _int(named.get_column("rows").sum()) if named.height else 0,
        "missing": missing,
        "approved": _int(by.filter(~pl.col("unapproved")).get_column("rows").sum()),
        "unapproved": _int(by.filter(pl.col("unapproved")).get_column("rows").sum()),
        "purchase": _int(by.get_column("purchase").sum()),
        "distinct_sources": sources.height,
        "sources": [{"source": r["source"], "rows": int(r["rows"]), "approved": int(r["approved"]),
                     "unapproved": int(r["unapproved"]), "purchase": int(r["purchase"])}
                    for r in listed.iter_rows(named=True)],
        "other": {k: _int(rest.get_column(k).sum()) for k in ("rows", "approved", "unapproved", "purchase")}
        if rest.height else None,
    }
    return classes, provenance, masks


def example_rows(masks: pl.DataFrame, active: "ActiveRules", parts: Iterable[Path],
                 verdicts: pl.LazyFrame) -> dict[str, list[dict[str, Any]]]:
    """The first :data:`EXAMPLES_PER_CODE` rows of each finding code, as the rows output
    writes them (masked number, masked name, masked source, verdict): read from the
    spilled row parts for those rows only."""
    codes = active.row_codes
    chosen: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        rows = (masks.filter((pl.col("finding_mask") & (1 << i)) != 0).get_column("row")
                .explode().drop_nulls().unique().sort().head(EXAMPLES_PER_CODE).to_list())
        if rows:
            chosen[code] = rows
    wanted = sorted({r for rows in chosen.values() for r in rows})
    if not wanted:
        return {}
    parts = list(parts)
    frame = pl.scan_parquet(parts)
    columns = [c for c in ("row", "phone_masked", "name_masked", "source") if c in frame.collect_schema()]
    found = (frame.select(columns).filter(pl.col("row").is_in(wanted)).unique("row", keep="first")
             .join(verdicts.filter(pl.col("row").is_in(wanted)).select("row", "verdict").unique("row", keep="first"),
                   on="row", how="left")
             .collect())
    by_row = {r["row"]: r for r in found.iter_rows(named=True)}
    return {code: [{k: v for k, v in by_row[r].items()} for r in rows if r in by_row]
            for code, rows in chosen.items()}
