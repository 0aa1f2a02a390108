"""Re-identification: per row, how many real numbers agree with what the outputs show."""

from __future__ import annotations

import phonenumbers
import polars as pl

from scanner.privacy.exposure.outputs import STREAMING, Rows
from scanner.privacy.reveal import carrier_of


CN_MASK = r"^1[0-9]{2}\*{4}[0-9]{4}$"
NARROWING_COLUMNS = ("carrier", "city")
SMALL_CANDIDATE_SET = 100


def _block_values(prefix: str, column: str) -> pl.Series:
    """The revealed value (carrier or city) of each of the 10^4 hidden blocks after ``prefix``."""
    e164 = [f"+86{prefix}{block:04d}0000" for block in range(10_000)]
    if column == "carrier":
        return carrier_of(pl.DataFrame({"e164": e164}))["carrier"]
    from phonenumbers import geocoder  # a slow import: only when a city column needs it

    return pl.Series([geocoder.description_for_number(phonenumbers.parse(n), "zh") for n in e164],
                     dtype=pl.String)


def candidate_sizes(rows: Rows, phone_identified: bool,
                     stars: pl.DataFrame | None = None) -> tuple[pl.DataFrame, list[str]]:
    """The candidate-set sizes of the rows with a number (see module docstring), as distinct
    ``candidates`` with their row count ``len``; and what narrowed them.

    ``stars``: the masks' ``*`` counts with their rows (:func:`scan_rows`), when already
    counted: then, unless a column narrows the masks, no column is read again.
    """
    narrowing = [c for c in NARROWING_COLUMNS if c in rows.collect_schema()]
    if stars is not None and (phone_identified or not narrowing):
        candidates = pl.lit(1.0) if phone_identified else 10.0 ** pl.col("stars").cast(pl.Float64)
        sizes = stars.select(candidates=candidates, len="len").group_by("candidates").agg(pl.col("len").sum())
        return sizes.sort("candidates"), ["plaintext number"] if phone_identified else ["phone_masked"]
    masked = rows.lazy().filter(pl.col("phone_masked").is_not_null())
    if phone_identified:
        work, basis = masked.with_columns(candidates=pl.lit(1.0)), ["plaintext number"]
    else:
        work = masked.select(
            candidates=10.0 ** pl.col("phone_masked").str.count_matches("*", literal=True).cast(pl.Float64),
            *[pl.col(c).cast(pl.String) for c in narrowing],
            _cn=pl.col("phone_masked").str.contains(CN_MASK),
            _prefix=pl.col("phone_masked").str.slice(0, 3),
        )
        basis = ["phone_masked", *narrowing]
        # enumerate the hidden block of each CN mobile prefix: how many blocks show these values
        prefixes = (work.filter(pl.col("_cn")).select(pl.col("_prefix").unique()).collect(engine=STREAMING)
                    .get_column("_prefix").sort().to_list()) if narrowing else []
        if prefixes:
            tables = [pl.DataFrame({"_prefix": p, **{c: _block_values(p, c) for c in narrowing}})
                      for p in prefixes]
            counts = pl.concat(tables).group_by("_prefix", *narrowing).len("_count")
            work = work.join(counts.lazy(), on=["_prefix", *narrowing], how="left", nulls_equal=True)
            # a value the enumeration never produces (other naming) narrows nothing we can prove
            work = work.with_columns(candidates=pl.when(pl.col("_cn") & pl.col("_count").is_not_null())
                                     .then(pl.col("_count").cast(pl.Float64)).otherwise("candidates"))
    sizes = work.group_by("candidates").len().collect(engine=STREAMING).sort("candidates")
    return sizes, basis


def reidentification_stats(sizes: pl.DataFrame, basis: list[str]) -> dict:
    """Candidate-set statistics from :func:`candidate_sizes` (the same as over one value a row)."""
    values, rows = sizes.get_column("candidates"), sizes.get_column("len").cast(pl.Int64)
    return {
        "basis": basis,
        "rows": int(rows.sum()),
        "candidates_min": _int_or_none(values.min()),
        "candidates_median": _int_or_none(_median(values, rows)),
        "candidates_max": _int_or_none(values.max()),
        f"rows_below_{SMALL_CANDIDATE_SET}": int(rows.filter(values < SMALL_CANDIDATE_SET).sum()),
        "rows_identified": int(rows.filter(values <= 1).sum()),
    }


def _median(values: pl.Series, rows: pl.Series) -> float | None:
    """The median of sorted ``values`` each repeated ``rows`` times, computed as polars does."""
    total = int(rows.sum())
    if not total:
        return None
    ends = rows.cum_sum()
    middle = [values[int((ends > i).arg_max())] for i in ((total - 1) // 2, total // 2)]
    return pl.Series(middle, dtype=pl.Float64).median()


def _int_or_none(value) -> int | float | None:
    # Large candidate counts (junk values with long hidden parts) are reported in 3
    # significant digits: exact integers like 10**32 are noise, and their long digit runs
    # could pass for a phone number in the report's own plaintext check.
    if value is None:
        return None
    if value >= 1e6:
        return float(f"{value:.3g}")
    return int(value)
