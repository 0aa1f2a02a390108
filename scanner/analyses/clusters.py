"""Runs and clusters of numbers, and whether the clustered rows differ from the rest.

Consecutive numbers have two explanations: enumeration of a number range (bought or
generated lists) and organisations that hold contiguous ranges (SIM cards bought in a batch
by an employer, family plans, a shop's neighbourhood). The facts here are what tells them
apart (docs/ARCHITECTURE.md, list analyses):

* *runs*: stretches of consecutive numbers (each one more than the one before, in one block
  of 10,000) of at least :data:`MIN_RUN` numbers: how long, how many, over how many blocks,
  and what share of the list they hold;
* *clusters*: stretches whose numbers are at most :data:`CLUSTER_GAP` apart. An empty-number
  filter thins an enumerated range at random (many gaps of 2, 3, 4 …, the cluster's fill
  equal to the share kept), while an organisation's range is contiguous with the odd hole;
* the rows of clustered numbers against the rest: their sources, consent times and names.
  A bought block padded into a genuine list arrives with its own metadata; colleagues and
  family members sign up like everyone else.

Everything is computed from the list's distinct numbers sorted by value (one frame the
block facts already sort) and from per-group sums of the row query that counts sources:
no per-row Python, no extra pass over the rows.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import polars as pl

from scanner.analyses.signals_stats import chi2_sf, normal_sf

#: A run is at least this many consecutive numbers.
MIN_RUN = 3
#: Numbers at most this far apart belong to one cluster.
CLUSTER_GAP = 16
#: A cluster of at least this many numbers is "dense" (its gap structure is read).
DENSE_CLUSTER = 8
#: Clustered rows (and the rest) must number this many for their comparison to be judged.
MIN_COMPARED = 10
#: Unix seconds subtracted before summing squares of consent times (keeps the sums exact enough).
_EPOCH = 1_700_000_000
_DAY_US = 86_400_000_000
#: The steadiest day-to-day variation assumed of genuine sign-ups (gamma shape; larger is steadier).
BURST_SHAPE = 3.0
#: Dense stretches by size (numbers: 8-63, 64-511, 512 and more) and by fill (share of steps
#: to the very next number: under 70%, 70-90%, 90% to all but one, every one), for
#: :data:`STRETCH_CLASSES`: an empty-number check thins a range below what organisations
#: keep, staff who left leave a few holes in a company's range, and an enumerated range has
#: none.
STRETCH_SIZES = (64, 512)
STRETCH_FILLS = (0.7, 0.9, 1.0)
_FILL_NAMES = ("thinned", "holed", "gapped", "complete")
#: ``stretch_classes`` keys: numbers in dense stretches of each size and fill class.
STRETCH_CLASSES = tuple(f"{s}_{f}" for s in ("small", "mid", "large") for f in _FILL_NAMES)
#: The same reading without edges (``stretch_grid``): a stretch's numbers are shared between
#: the two nearest size points (8, 64, 512, 4096 numbers, on a log scale) and the two nearest
#: fill points (share of steps to the very next number: 50% and below, 75%, 95% to all but
#: one), every step to the next number apart as ``complete``. A company's range 69% full and
#: one 71% full then read alike, and a range of a thousand numbers reads partly as one of a
#: few hundred, partly as a segment of thousands.
GRID_SIZES = (8, 64, 512, 4096)
GRID_FILLS = (0.5, 0.75, 0.95)
STRETCH_GRID = tuple(f"{s}_{f}" for s in GRID_SIZES for f in _FILL_NAMES)


def cluster_facts(ordered: pl.DataFrame | list[pl.DataFrame]) -> dict[str, Any]:
    """Run and cluster facts over the distinct numbers ``ordered`` by block and value
    (columns ``_i``, the number's row in the numbers table, ``_n``, ``_same``: same block of
    10,000 as the number before); ``clustered_index``: the rows of clustered numbers.
    ``ordered`` may come in consecutive parts that split no block (then no run or cluster
    either): each part is reduced to its runs and clusters before the next is read."""
    pieces = [_runs_and_clusters(part) for part in ([ordered] if isinstance(ordered, pl.DataFrame) else ordered)]
    total = sum(p[3] for p in pieces)
    offsets = [sum(p[4] for p in pieces[:k]) for k in range(len(pieces))]  # blocks before each part
    runs = pl.concat([p[0].with_columns(pl.col("blk") + off) for p, off in zip(pieces, offsets)])
    clusters = pl.concat([p[1].with_columns(pl.col("blk") + off) for p, off in zip(pieces, offsets)])
    clustered_index = pl.concat([p[2] for p in pieces])
    dense = clusters.filter(pl.col("size") >= DENSE_CLUSTER)
    lengths = runs.get_column("len")
    d_size = int(dense.get_column("size").sum())
    grouped = clusters.filter(pl.col("size") >= MIN_RUN)
    steps = pl.col("ones") / (pl.col("size") - 1)
    klass = dense.group_by(
        pl.when(pl.col("size") < STRETCH_SIZES[0]).then(0).when(pl.col("size") < STRETCH_SIZES[1]).then(1)
        .otherwise(2).alias("s"),
        pl.when(steps < STRETCH_FILLS[0]).then(0).when(steps < STRETCH_FILLS[1]).then(1)
        .when(steps < STRETCH_FILLS[2]).then(2).otherwise(3).alias("f"),
    ).agg(pl.col("size").sum())
    by_class = {STRETCH_CLASSES[len(_FILL_NAMES) * s + f]: int(k) for s, f, k in klass.iter_rows()}
    # math.fsum: the exactly rounded sum, whatever the order of the stretches (a list read in
    # parts, or polars' chunking), so the same list gives the same facts bit for bit.
    weights = dense.select(_grid_weights(steps))
    grid = {k: math.fsum(weights.get_column(k).to_list()) for k in weights.columns} if dense.height else {}
    return {
        "numbers": total,
        "runs": runs.height,
        "run_numbers": int(lengths.sum()),
        "run_median": float(lengths.median()) if runs.height else 0.0,
        "run_longest": int(lengths.max()) if runs.height else 0,
        "run_long": int((lengths >= 20).sum()),
        "run_blocks": runs.get_column("blk").n_unique(),
        "dense_clusters": dense.height,
        "dense_numbers": d_size,
        "dense_fill": d_size / int(dense.get_column("span").sum()) if dense.height else None,
        "dense_gap1": (int(dense.get_column("ones").sum()) / max(d_size - dense.height, 1)
                       if dense.height else None),
        "dense_largest": int(dense.get_column("size").max()) if dense.height else 0,
        "stretch_classes": {k: by_class.get(k, 0) for k in STRETCH_CLASSES},
        "stretch_grid": {k: float(grid.get(k) or 0.0) for k in STRETCH_GRID},
        "clustered": int(grouped.get_column("size").sum()),
        "clustered_blocks": grouped.get_column("blk").n_unique(),
        "clustered_index": clustered_index,
    }


def _tent(x: pl.Expr, points: tuple[float, ...], i: int) -> pl.Expr:
    """The weight of ``points[i]`` for ``x`` under linear interpolation between neighbouring
    points (1 at the point, 0 from the next one on; the ends hold everything beyond)."""
    w = pl.lit(1.0)
    if i > 0:
        lo = points[i - 1]
        w = pl.min_horizontal(w, ((x - lo) / (points[i] - lo)).clip(0.0, 1.0))
    if i < len(points) - 1:
        hi = points[i + 1]
        w = pl.min_horizontal(w, ((hi - x) / (hi - points[i])).clip(0.0, 1.0))
    return w


def _grid_weights(steps: pl.Expr) -> list[pl.Expr]:
    """Per dense stretch (``size``), its numbers at each point of :data:`STRETCH_GRID`."""
    log_size = pl.col("size").cast(pl.Float64).log(2)
    sizes = tuple(math.log2(s) for s in GRID_SIZES)
    complete = steps >= 1.0
    out = []
    for i, s in enumerate(GRID_SIZES):
        numbers = pl.col("size").cast(pl.Float64) * _tent(log_size, sizes, i)
        for j, f in enumerate(_FILL_NAMES):
            share = (pl.when(complete).then(1.0).otherwise(0.0) if f == "complete" else
                     pl.when(complete).then(0.0).otherwise(_tent(steps, GRID_FILLS, j)))
            out.append((numbers * share).alias(f"{s}_{f}"))
    return out


def _runs_and_clusters(ordered: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series, int, int]:
    """One part of :func:`cluster_facts`'s input: its runs (``len``, ``blk``: the block, by
    its place among the part's blocks), clusters (``size``, ``span``, ``ones``: steps of one,
    ``blk``), the ``_i`` of the numbers in clusters of :data:`MIN_RUN` or more, its
    numbers and its blocks."""
    n, same = pl.col("_n"), pl.col("_same")
    gap = pl.when(same).then(n.diff())
    f = ordered.select("_i", n, gap.alias("_gap"), (~same).cum_sum().alias("_blk")).with_columns(
        (pl.col("_gap") != 1).fill_null(True).alias("_rs"),
        (pl.col("_gap") > CLUSTER_GAP).fill_null(True).alias("_cs"),
        (pl.col("_gap") == 1).fill_null(False).cum_sum().alias("_c1"))
    total = f.height
    runs = pl.DataFrame({"len": f.get_column("_rs").cum_sum().rle().struct.field("len")
                         if total else pl.Series([], dtype=pl.UInt32),
                         "blk": f.filter("_rs").get_column("_blk")}).filter(pl.col("len") >= MIN_RUN)
    size = f.get_column("_cs").cum_sum().rle().struct.field("len") if total else pl.Series([], dtype=pl.UInt32)
    starts = f.select("_n", "_c1", "_blk").filter(f.get_column("_cs"))
    ends = f.select("_n", "_c1").filter(f.get_column("_cs").shift(-1, fill_value=True))
    clusters = pl.DataFrame({"size": size, "span": ends.get_column("_n") - starts.get_column("_n") + 1,
                             "ones": ends.get_column("_c1") - starts.get_column("_c1"),
                             "blk": starts.get_column("_blk")})
    member = (size.gather(f.get_column("_cs").cum_sum() - 1) >= MIN_RUN) if total else pl.Series([], dtype=pl.Boolean)
    blocks = int(f.get_column("_blk").max() or 0) if total else 0
    return runs, clusters, f.get_column("_i").filter(member), total, blocks


def group_aggs() -> list[pl.Expr]:
    """Per-group sums for :func:`compare_groups` (added to the source-count query): consent
    stamps, their time (seconds around a fixed epoch) and square, the time of day as a unit
    vector, and names that are missing or placeholders."""
    at, got = pl.col("consent_at"), pl.col("collected_at")
    sec = (at.dt.epoch("s") - _EPOCH).cast(pl.Float64)
    angle = (at.dt.epoch("us") % _DAY_US).cast(pl.Float64) * (2 * math.pi / _DAY_US)
    got_sec = (got.dt.epoch("s") - _EPOCH).cast(pl.Float64)
    return [at.is_not_null().sum().alias("_t"), sec.sum().alias("_ts"), (sec * sec).sum().alias("_ts2"),
            angle.cos().sum().alias("_tc"), angle.sin().sum().alias("_tn"),
            pl.col("_placeholder").sum().alias("_nm"),
            got.is_not_null().sum().alias("_g"), got_sec.sum().alias("_gs"), (got_sec * got_sec).sum().alias("_gs2")]


def _z_prop(a: int, n: int, b: int, m: int) -> float:
    """Two-proportion z statistic (0 when undefined)."""
    if n == 0 or m == 0:
        return 0.0
    p = (a + b) / (n + m)
    se = math.sqrt(p * (1 - p) * (1 / n + 1 / m))
    return abs(a / n - b / m) / se if se > 0 else 0.0


def compare_groups(by_src: pl.DataFrame, *, names_known: bool) -> dict[str, Any]:
    """Clustered rows against the rest (``by_src``: rows per source value, approval and
    ``_clustered``, with :func:`group_aggs`): each comparison as ``(statistic, p-value)``,
    or the reason it could not be judged. A list without sources, consent times and names
    has nothing to compare: the rows cannot be said to look alike."""
    k = by_src.group_by("_clustered").agg(pl.col("k", "_t", "_ts", "_ts2", "_tc", "_tn", "_nm", "_g", "_gs", "_gs2").sum())
    side = {r["_clustered"]: r for r in k.iter_rows(named=True)}
    c, r = side.get(True), side.get(False)
    if c is None or r is None or c["k"] < MIN_COMPARED or r["k"] < MIN_COMPARED:
        return {"judged": False, "why": f"{c['k'] if c else 0} rows hold clustered numbers; "
                                         f"compared from {MIN_COMPARED} (and as many others)",
                "rows": c["k"] if c else 0}
    has_sources = by_src.filter(pl.col("source").str.strip_chars().str.len_chars() > 0).height > 0
    if not (has_sources or names_known or c["_t"] + r["_t"]):
        return {"judged": False, "why": "the list has no sources, consent times or names to compare",
                "rows": c["k"]}
    out: dict[str, Any] = {"judged": True, "rows": c["k"], "others": r["k"]}
    # sources: chi-square over the 2 x S table of raw source values (nulls as one value)
    tab = (by_src.group_by("source", "_clustered").agg(pl.col("k").sum())
           .pivot(on="_clustered", index="source", values="k").fill_null(0))
    if has_sources and tab.height > 1 and {"true", "false"} <= set(tab.columns):
        obs = tab.select(pl.col("true").cast(pl.Float64), pl.col("false").cast(pl.Float64))
        n1, n0 = obs.get_column("true").sum(), obs.get_column("false").sum()
        tot = obs.select((pl.col("true") + pl.col("false")).alias("t")).get_column("t")
        exp1, exp0 = tot * n1 / (n1 + n0), tot * n0 / (n1 + n0)
        stat = float(((obs.get_column("true") - exp1) ** 2 / exp1 + (obs.get_column("false") - exp0) ** 2 / exp0)
                     .fill_nan(0.0).sum())
        out["sources"] = (stat, chi2_sf(stat, tab.height - 1))
    else:
        out["sources"] = None
    # consent: share stamped, then (with enough stamps) mean time, spread and time of day
    out["stamped"] = ((z := _z_prop(c["_t"], c["k"], r["_t"], r["k"]), 2 * normal_sf(z))
                      if c["_t"] + r["_t"] else None)
    if c["_t"] >= MIN_COMPARED and r["_t"] >= MIN_COMPARED:
        out["times"], out["spread"] = _compare_times(c, r, "_t", "_ts", "_ts2")
        dz = math.hypot(c["_tc"] / c["_t"] - r["_tc"] / r["_t"], c["_tn"] / c["_t"] - r["_tn"] / r["_t"])
        zz = dz / math.sqrt(0.5 / c["_t"] + 0.5 / r["_t"])
        out["clock"] = (zz, math.exp(-zz * zz / 2))  # Rayleigh tail of a 2-d normal
    else:
        out["times"] = out["spread"] = out["clock"] = None
    # collection (registration) times, read by purchased/v3: a bought block imported into a
    # member list is registered on the import's day
    out["collected"], out["collected_spread"] = (_compare_times(c, r, "_g", "_gs", "_gs2")
                                                 if c["_g"] >= MIN_COMPARED and r["_g"] >= MIN_COMPARED
                                                 else (None, None))
    if names_known:
        z = _z_prop(c["_nm"], c["k"], r["_nm"], r["k"])
        out["names"] = (z, 2 * normal_sf(z))
    else:
        out["names"] = None
    return out


def _compare_times(c: Mapping[str, Any], r: Mapping[str, Any], n: str, s: str, s2: str):
    """Mean times of the clustered rows ``c`` and the rest ``r`` compared (``(z, p)``), and
    the log ratio of their spreads (< 0: the clustered rows' times are bunched)."""
    mc, mr = c[s] / c[n], r[s] / r[n]
    vc = max(c[s2] / c[n] - mc * mc, 1.0)
    vr = max(r[s2] / r[n] - mr * mr, 1.0)
    z = abs(mc - mr) / math.sqrt(vc / c[n] + vr / r[n])
    return (z, 2 * normal_sf(z)), math.log(math.sqrt(vc / vr))


def day_dispersion(stamps: pl.DataFrame, local_us: pl.Expr) -> tuple[float, int, float] | None:
    """Index of dispersion (variance / mean) of consents per local day over the list's span,
    the number of days and the mean per day. People sign up in bursts (campaigns, weekdays,
    seasons): above 1 by about ``mean / shape`` for gamma-varying days. Times a script
    spreads evenly: 1, give or take ``sqrt(2 / (days - 1))``. None when the span has fewer
    than eight days. ``stamps``: distinct consent times with counts ``g``."""
    days = (stamps.select((local_us // _DAY_US).alias("_d"), "g").group_by("_d").agg(pl.col("g").sum()))
    if days.height == 0:
        return None
    span = int(days.get_column("_d").max() - days.get_column("_d").min() + 1)
    if span < 8:
        return None
    total = int(days.get_column("g").sum())
    mean = total / span
    var = float((days.get_column("g").cast(pl.Float64) ** 2).sum()) / span - mean * mean
    return var / mean, span, mean


#: The steadiest day-to-day variation ``purchased/v3`` and later assume of genuine sign-ups:
#: consents per day varying as a gamma of this shape (about 35% from day to day: weekly
#: rhythm, campaigns, growth), steadier than :data:`BURST_SHAPE`, so that steady genuine
#: lists are not held to it.
STEADIEST_SHAPE = 8.0
#: Beyond this many standard errors below those sign-ups, chance no longer explains steady days.
STEADY_SE = 3.0


def steady_se(consent: Mapping[str, Any]) -> float | None:
    """Standard errors by which the consents' day-to-day dispersion index falls below the
    steadiest genuine sign-ups assumed (:data:`STEADIEST_SHAPE`), no more than a script's even
    days could show at this size (a sparse list cannot tell). The standard error of a Poisson
    dispersion index over ``n`` days at ``m`` a day is ``sqrt(2 / (n - 1) + 1 / (n m))``.
    None under eight days."""
    d, days, m = consent.get("dispersion"), consent.get("span_days") or 0, consent.get("per_day") or 0.0
    if d is None or days < 8 or m <= 0:
        return None
    se = math.sqrt(2.0 / (days - 1) + 1.0 / (days * m))
    z = (1.0 + m / STEADIEST_SHAPE - d) / se
    power = m / STEADIEST_SHAPE / se
    return min(z, power)


def steady_z(consent: Mapping[str, Any]) -> float | None:
    """How many standard errors the consents' day-to-day dispersion index falls below the
    least bursty genuine list assumed (days varying as a gamma of shape
    :data:`BURST_SHAPE`: index ``1 + mean / shape``). Times a script spread evenly sit at 1;
    a short or sparse list cannot tell the two apart and gets about 0."""
    d, days = consent.get("dispersion"), consent.get("span_days") or 0
    if d is None or days < 8:
        return None
    return (1.0 + consent["per_day"] / BURST_SHAPE - d) / math.sqrt(2.0 / (days - 1))
