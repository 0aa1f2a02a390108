"""Block statistics: how the list's numbers fill blocks of 10,000 and 1,000 numbers and
how many follow each other (LS002, LS003), and the dense-block test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from scanner.analyses.signals_stats import benjamini_hochberg, negbin_sf, occupancy_bins

if TYPE_CHECKING:  # pragma: no cover
    from scanner.policy import DetectPolicy

#: Powers of two as Int128 literals: exact integer keys packed into one Int128 column sort
#: and group faster than the same keys as separate columns.
_P32, _P63, _P64 = (pl.lit(2 ** e, dtype=pl.Int128) for e in (32, 63, 64))
_DIGITS = r"^[0-9]+$"


def _block_parts(cut: int) -> list[pl.Expr]:
    """A number's block of ``10^cut`` is its country code and its ``national_number`` without
    the last ``cut`` characters. The text is given by ``_len`` and ``_q``, its value, when it
    is ASCII digits that cast to Int64 (its width is ``_len - cut``), else by ``_p``, the text
    itself (never both): equal blocks have equal parts and conversely. Reads the frame of
    :func:`_numbers`, whose usual numbers carry no text to cut."""
    text = pl.col("_s").str.slice(0, pl.col("_len") - cut)
    value = text.cast(pl.Int64, strict=False)
    digits = (value.is_not_null() & text.str.contains(_DIGITS)).fill_null(False)
    canonical = pl.col("_s").is_null()
    return [pl.when(canonical).then(pl.col("_n") // 10 ** cut).when(digits).then(value).alias(f"_q{cut}"),
            pl.when(canonical | digits).then(pl.lit(None, dtype=pl.String)).otherwise(text).alias(f"_p{cut}")]



def _long_numbers(found: pl.LazyFrame) -> pl.LazyFrame:
    """The numbers of :func:`_numbers`'s frame (from ``_id``, ``country_code``, ``national_number``)."""
    nn = pl.col("national_number")
    n = nn.cast(pl.Int64, strict=False)
    canonical = (n.is_not_null() & nn.str.contains(_DIGITS)).fill_null(False)
    return (found.select("_id", "country_code", nn.str.len_chars().alias("_len"), n.alias("_n"),
                         pl.when(canonical).then(pl.lit(None, dtype=pl.String)).otherwise(nn).alias("_s"),
                         nn.str.starts_with("0").alias("_zero"))
            .filter(pl.col("_len") >= 8))



def _run_stats(adjacent: pl.Expr) -> list[pl.Expr]:
    """Consecutive pairs and the longest run from ``adjacent``: whether each number, in order,
    follows the one before in its block (run ids ascend, so each run is one stretch)."""
    return [adjacent.sum().alias("pairs"), (~adjacent).cum_sum().rle().struct.field("len").max().alias("longest")]


#: Numbers per range partition of :func:`_plain_number_facts` (its sort and the cluster
#: facts hold one partition's work at a time).
PART_NUMBERS = 1 << 20


def _plain_number_facts(numbers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, dict, list] | None:
    """Block counts and run stats from one sort, no group-by, when every national number
    is ASCII digits with a country code and no two share country code and value with other
    lengths (leading zeros): sorted by country code, length and value, each block is one
    stretch, and each pair of consecutive numbers is what the order by country code and
    value gives (which it equals without such ties). None when that does not hold.

    Sorted range by range (:func:`_ranges`): every block of 10,000, hence every
    block of 1,000, run and cluster, lies in one range, and the ranges in order are the
    whole sort, so the counts, runs and ``ordered`` parts (a list, in order) are exactly
    those of one sort."""
    cc, length, n = pl.col("country_code"), pl.col("_len"), pl.col("_n")
    if numbers.get_column("_s").null_count() < numbers.height or numbers.get_column("country_code").null_count():
        return None
    value = (cc.cast(pl.Int128) * _P64 + n.cast(pl.Int128)).alias("_v")  # n >= 0: digits only
    padded = numbers.filter(pl.col("_zero")).select(value).to_series()  # a leading zero: shorter than _len
    if padded.len() and (numbers.lazy().filter(value.is_in(padded.implode())).group_by(value)
                         .agg(length.n_unique() > 1).select(pl.col("_len").any()).collect().item()):
        return None
    keys = _sort_keys(numbers)

    def same_block(cut: int) -> pl.Expr:  # as the number before
        q = n // 10 ** cut
        return ((q == q.shift(1)) & (length == length.shift(1)) & (cc == cc.shift(1))).fill_null(False)

    b4, b3, stats, ordered = [], [], [], []
    for at in _ranges(numbers, keys):
        srt = (numbers.select(cc, length, n).with_columns(_k=keys).with_row_index("_i") if at is None
               else numbers.select(cc, length, n)[at].with_columns(_k=keys.gather(at), _i=at))
        srt = srt.sort("_k").select(cc, length, n, "_i")
        for counts, cut in ((b4, 4), (b3, 3)):
            counts.append(srt.select((~same_block(cut)).cum_sum().rle().struct.field("len").alias("count")))
        part = srt.select("_i", n, same_block(4).alias("_same"))
        del srt
        stats.append(part.select(_run_stats(((n.diff() == 1) & pl.col("_same")).fill_null(False))).row(0, named=True))
        ordered.append(part)
    runs = {"pairs": sum(r["pairs"] or 0 for r in stats),
            "longest": max((r["longest"] for r in stats if r["longest"] is not None), default=None)}
    return pl.concat(b4), pl.concat(b3), runs, ordered


def _sort_keys(numbers: pl.DataFrame) -> pl.Series:
    """Each number's key in the order by country code, length and value (``_n`` >= 0):
    packed into an Int64 when the three fit (they do for real numbers: cheaper to make and
    to sort), else into an Int128."""
    cc, length, n = pl.col("country_code"), pl.col("_len"), pl.col("_n")
    top_group, top_n = numbers.select((cc.cast(pl.Int64) * 32 + length.cast(pl.Int64)).max(), n.max()).row(0)
    bits = max(int(top_n or 0), 1).bit_length()
    if int(numbers.get_column("_len").max() or 0) < 32 and (int(top_group or 0) + 1) << bits < 1 << 62:
        key = (cc.cast(pl.Int64) * 32 + length.cast(pl.Int64)) * (1 << bits) + n
    else:
        key = (cc.cast(pl.Int128) * _P32 + length.cast(pl.Int128)) * _P64 + n.cast(pl.Int128)
    return numbers.select(key.alias("_k")).to_series()


def _ranges(numbers: pl.DataFrame, keys: pl.Series) -> list[pl.Series | None]:
    """The rows of ``numbers`` in ranges of their sort ``keys`` of about
    :data:`PART_NUMBERS` each, cut at the first number of a block of 10,000 (at quantiles
    of a sample), in order; ``[None]`` (every row) for one range."""
    parts = -(-numbers.height // PART_NUMBERS)
    if parts <= 1:
        return [None]
    step = max(1, numbers.height // (parts * 256))
    sample = (keys.gather_every(step) - numbers.get_column("_n").gather_every(step) % 10_000).sort()
    cuts = sample.gather([sample.len() * k // parts for k in range(1, parts)]).unique().sort().to_list()
    edges = [None, *cuts, None]
    out = []
    for lo, hi in zip(edges, edges[1:]):
        inside = (pl.lit(True) if lo is None else pl.col("_k") >= lo) & (pl.lit(True) if hi is None else pl.col("_k") < hi)
        at = keys.to_frame().select(inside.arg_true().alias("_i")).to_series()
        if at.len():
            out.append(at)
    return out


def _number_facts(numbers: pl.DataFrame) -> dict[str, Any]:
    """Block counts, consecutive pairs and their expectation, longest run (LS002, LS003)
    over the numbers of :func:`_numbers`: by :func:`_plain_number_facts` when it applies,
    else by group-bys on the block keys and a sort by country code and value."""
    cc = pl.col("country_code")

    def counts(cut: int) -> pl.DataFrame:
        keyed = numbers.lazy().select(cc, "_len", *_block_parts(cut))
        q, p = pl.col(f"_q{cut}"), pl.col(f"_p{cut}")
        packed = cc.is_not_null() & q.is_not_null()  # then _p is null: (cc, _len, _q) packed, 32+32+63 bits
        return pl.concat([
            keyed.filter(packed).group_by(
                ((cc.cast(pl.Int128) * _P32 + pl.col("_len").cast(pl.Int128)) * _P63 + q.cast(pl.Int128))
                .alias("_k")).agg(pl.len().alias("count")).select("count"),
            keyed.filter(~packed).group_by(cc, "_len", q, p).agg(pl.len().alias("count")).select("count"),
        ]).collect()

    plain = _plain_number_facts(numbers)
    if plain is not None:
        b4, b3, runs, ordered = plain
    else:
        b4, b3 = counts(4), counts(3)
        same_block = [pl.col(c).eq_missing(pl.col(c).shift(1)) for c in ("_len", "_q4", "_p4")]
        ordered = (numbers.lazy().with_row_index("_i").drop_nulls("_n")
                   .sort(cc.cast(pl.Int128) * _P64 + pl.col("_n").cast(pl.Int128) + _P63)  # = by country_code, _n
                   .with_columns(_block_parts(4))  # after the sort, which then moves fewer columns
                   .select("_i", "_n", (pl.all_horizontal(same_block) & (cc == cc.shift(1))).fill_null(False)
                           .alias("_same"))).collect()
        runs = ordered.select(_run_stats(((pl.col("_n").diff() == 1) & pl.col("_same")).fill_null(False))
                              ).row(0, named=True)
    expected = b4.select((pl.col("count") * (pl.col("count") - 1) / 10_000.0).sum()).item()
    return {"blocks": {10_000: b4, 1_000: b3}, "pairs": int(runs["pairs"] or 0),
            "longest": int(runs["longest"] or 0), "expected": float(expected or 0.0), "ordered": ordered}


def _negbin_tails(counts: list[int], mean: float, shape: float) -> list[float]:
    """``negbin_sf`` of each count, computed once per distinct count: hundreds of thousands
    of blocks (or stamp groups) share a few dozen sizes."""
    tail = {k: negbin_sf(k, mean, shape) for k in set(counts)}
    return [tail[k] for k in counts]


def _block_test(counts: pl.Series, size: int, policy: "DetectPolicy", alpha: float) -> dict[str, Any]:
    """Dense-block test at one block size.

    Null: a genuine list's numbers fall into the blocks in play with gamma-varying rates,
    so a block's count is negative binomial with mean ``n / B`` and shape
    ``policy.block_dispersion``. ``B`` is the occupancy estimate of how many blocks the
    list draws from (refitted without the blocks already found dense), but never less than
    ``policy.min_spread_blocks`` (scaled to the block size): a genuine list's people live in
    at least a small city's worth of blocks, while an enumerated list may sit in a handful. Benjamini–Hochberg across the
    blocks keeps the chance that a genuine list shows any dense block at or below ``alpha``.
    """
    n_all, d_all = int(counts.sum()), counts.len()
    srt = counts.sort(descending=True)
    flagged = 0
    mean = 0.0
    cand = srt.filter(srt >= policy.block_min_count).to_list()
    for _ in range(5):
        rest = srt.slice(flagged)
        n, d = int(rest.sum()), rest.len()
        # no repeats at all only says "at least ~n^2/2 blocks" (birthday bound)
        bins = max(min(occupancy_bins(n, d), max(d, n * (n - 1) / 2, 1.0)),
                   policy.min_spread_blocks * (10_000 / size))
        mean = n / bins if bins else 0.0
        pvals = _negbin_tails(cand, mean, policy.block_dispersion)
        new = benjamini_hochberg(pvals, alpha, m=d_all)
        if new == flagged:
            break
        flagged = new
    limit = policy.block_min_count
    bound = alpha / max(d_all, 1)
    while negbin_sf(limit, mean, policy.block_dispersion) > bound and limit < size:
        limit = max(limit + 1, int(limit * 1.05))
    lo = max(policy.block_min_count, int(limit / 1.05) - 1)
    while lo < limit and negbin_sf(lo, mean, policy.block_dispersion) > bound:
        lo += 1
    dense = srt.head(flagged)
    return {"flagged": flagged, "numbers": int(dense.sum()) if flagged else 0, "n": n_all,
            "blocks": d_all, "spread": bins, "mean": mean, "limit": lo, "max": int(srt[0]) if d_all else 0}

