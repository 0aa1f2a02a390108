"""Run and cluster facts against a plain Python reference, and the clustered-rows comparison."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evaluation.corpus import Population, _frame, _genuine_meta, enumerate_block  # noqa: E402
from scanner.analyses.clusters import (  # noqa: E402
    CLUSTER_GAP, DENSE_CLUSTER, GRID_FILLS, GRID_SIZES, MIN_RUN, STRETCH_CLASSES, STRETCH_FILLS, STRETCH_GRID,
    STRETCH_SIZES,
)
from scanner.analyses.signals import collect_facts  # noqa: E402
from scanner.analyses.signals_stats import chi2_sf, clopper_pearson  # noqa: E402
from scanner.privacy.keys import KeyMaterial  # noqa: E402

KEYS = KeyMaterial.from_master(bytes(32))


def facts_of(frame: pl.DataFrame):
    return collect_facts(frame.lazy(), timezone="Asia/Shanghai", night_end_hour=6)


def plain_clusters(numbers: list[str]) -> dict:
    """Runs and clusters by walking the sorted numbers (one block = all but the last 4 digits)."""
    nums = sorted(set(numbers), key=lambda x: (len(x), int(x)))
    runs, clusters = [], []
    run = cl = None
    for x in nums:
        v, blk = int(x), x[:-4]
        if run and run[0] == blk and v == run[2] + 1:
            run[1] += 1
            run[2] = v
        else:
            run = [blk, 1, v]
            runs.append(run)
        if cl and cl["blk"] == blk and v - cl["last"] <= CLUSTER_GAP:
            cl["ones"] += v - cl["last"] == 1
            cl["size"] += 1
            cl["last"] = v
        else:
            cl = {"blk": blk, "size": 1, "first": v, "last": v, "ones": 0}
            clusters.append(cl)
    long = [r for r in runs if r[1] >= MIN_RUN]
    dense = [c for c in clusters if c["size"] >= DENSE_CLUSTER]
    size = sum(c["size"] for c in dense)
    return {
        "numbers": len(nums), "runs": len(long), "run_numbers": sum(r[1] for r in long),
        "run_median": float(statistics.median([r[1] for r in long])) if long else 0.0,
        "run_longest": max((r[1] for r in long), default=0), "run_long": sum(r[1] >= 20 for r in long),
        "run_blocks": len({r[0] for r in long}), "dense_clusters": len(dense), "dense_numbers": size,
        "dense_fill": size / sum(c["last"] - c["first"] + 1 for c in dense) if dense else None,
        "dense_gap1": sum(c["ones"] for c in dense) / max(size - len(dense), 1) if dense else None,
        "clustered": sum(c["size"] for c in clusters if c["size"] >= MIN_RUN),
        "clustered_blocks": len({c["blk"] for c in clusters if c["size"] >= MIN_RUN}),
        "dense_largest": max((c["size"] for c in dense), default=0),
        "stretch_classes": plain_classes(dense),
        "stretch_grid": plain_grid(dense),
    }


def _between(x: float, points, i: int) -> float:
    """Weight of points[i] for x, interpolating linearly between neighbours."""
    if x <= points[0]:
        return float(i == 0)
    if x >= points[-1]:
        return float(i == len(points) - 1)
    k = max(j for j in range(len(points)) if points[j] <= x)
    t = (x - points[k]) / (points[k + 1] - points[k])
    return 1 - t if i == k else t if i == k + 1 else 0.0


def plain_grid(dense: list[dict]) -> dict[str, float]:
    """Numbers in dense stretches shared between the nearest grid sizes (log scale) and fills."""
    import math

    out = dict.fromkeys(STRETCH_GRID, 0.0)
    sizes = [math.log2(s) for s in GRID_SIZES]
    for c in dense:
        steps = c["ones"] / (c["size"] - 1)
        for i, s in enumerate(GRID_SIZES):
            part = c["size"] * _between(math.log2(c["size"]), sizes, i)
            if steps >= 1:
                out[f"{s}_complete"] += part
                continue
            for j, f in enumerate(("thinned", "holed", "gapped")):
                out[f"{s}_{f}"] += part * _between(steps, GRID_FILLS, j)
    return out


def plain_classes(dense: list[dict]) -> dict[str, int]:
    """Numbers in dense stretches by size class and by the share of steps of one."""
    out = dict.fromkeys(STRETCH_CLASSES, 0)
    for c in dense:
        size = sum(c["size"] >= s for s in STRETCH_SIZES)
        fill = sum(c["ones"] / (c["size"] - 1) >= f for f in STRETCH_FILLS)
        out[STRETCH_CLASSES[size * (len(STRETCH_FILLS) + 1) + fill]] += c["size"]
    return out


@pytest.mark.parametrize("seed", range(4))
def test_cluster_facts_match_a_plain_walk(seed):
    rng = random.Random(seed)
    nums = Population(rng, 300).numbers(rng, 1500)
    for _ in range(3):
        nums += enumerate_block(rng, rng.randint(5, 900), rng.choice([1.0, 0.5, 0.8, 0.95]))
    nums += [n[:-4] + "9999" for n in nums[:20]] + [n[:-4] + "0000" for n in nums[:20]]  # block edges
    nums = list(dict.fromkeys(nums))
    meta = _genuine_meta(rng, len(nums))
    f = facts_of(_frame(nums, *meta, KEYS, rng))
    want = plain_clusters(nums)
    got = {k: v for k, v in f.clusters.items() if k != "compare"}
    assert got.pop("numbers") == want.pop("numbers")
    clustered = want["clustered"]
    for key in ("dense_fill", "dense_gap1"):
        assert got.pop(key) == pytest.approx(want.pop(key))
    grid, plain = got.pop("stretch_grid"), want.pop("stretch_grid")
    assert grid == pytest.approx(plain) and sum(grid.values()) == pytest.approx(want["dense_numbers"])
    assert got == want
    assert f.clusters["compare"]["rows"] >= clustered  # rows of clustered numbers (duplicates included)


def test_a_stretch_reads_alike_on_either_side_of_a_grid_point():
    # a company range 69% full and one 71% full share the grid's points almost equally
    # (the size and fill classes put them on opposite sides of an edge)
    rng = random.Random(5)
    near = {}
    for steps in (0.69, 0.71):
        block = "1380013"
        size = 300
        ones = round(steps * (size - 1))
        gaps = [1] * ones + [2] * (size - 1 - ones)
        rng.shuffle(gaps)
        value, nums = 100, [block + "0100"]
        for g in gaps:
            value += g
            nums.append(block + f"{value:04d}")
        f = facts_of(_frame(nums + Population(rng, 300).numbers(rng, 300), *_genuine_meta(rng, 600), KEYS, rng))
        near[steps] = f.clusters["stretch_grid"]
    assert near[0.69] == pytest.approx(near[0.71], abs=0.1 * 300)
    assert sum(near[0.69].values()) == pytest.approx(300)


def _padded(differ: str | None, seed=3):
    rng = random.Random(seed)
    nums = Population(rng, 2000).numbers(rng, 2000)
    pad = [x for x in enumerate_block(rng, 400, 0.6) if x not in set(nums)]
    core = list(_genuine_meta(rng, len(nums)))
    extra = list(_genuine_meta(rng, len(pad)))
    if differ == "source":
        extra[1] = ["partner-c"] * len(pad)
    elif differ == "times":
        day = dt.datetime(2025, 7, 1, 9, tzinfo=dt.timezone.utc)
        extra[2] = [day + dt.timedelta(seconds=rng.randrange(86_400)) for _ in pad]
    elif differ == "names":
        extra[0] = ["先生"] * len(pad)
    elif differ == "registered":  # a member export: registration times only, the block's on one day
        day = dt.datetime(2025, 7, 1, 9, tzinfo=dt.timezone.utc)
        core[3], core[2] = list(core[2]), [None] * len(nums)
        extra[3], extra[2] = [day + dt.timedelta(seconds=rng.randrange(86_400)) for _ in pad], [None] * len(pad)
    return facts_of(_frame(nums + pad, *(a + b for a, b in zip(core, extra)), KEYS, rng))


@pytest.mark.parametrize("differ,key", [("source", "sources"), ("times", "times"), ("names", "names"),
                                       ("registered", "collected")])
def test_clustered_rows_that_differ_are_found(differ, key):
    cmp_ = _padded(differ).clusters["compare"]
    assert cmp_["judged"] and cmp_[key][1] < 1e-10
    if key == "collected":  # registered on the import's day: bunched, and consent says nothing
        assert cmp_["collected_spread"] < -2 and cmp_["times"] is None


def test_clustered_rows_like_the_rest_do_not_differ():
    cmp_ = _padded(None).clusters["compare"]
    assert cmp_["judged"]
    assert min(v[1] for k, v in cmp_.items() if isinstance(v, tuple)) > 1e-4


def test_no_clusters_is_not_judged():
    rng = random.Random(1)
    nums = Population(rng, 5000).numbers(rng, 300)
    cmp_ = facts_of(_frame(nums, *_genuine_meta(rng, len(nums)), KEYS, rng)).clusters["compare"]
    assert not cmp_["judged"] and "clustered" in cmp_["why"]


def test_stats_helpers():
    assert chi2_sf(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-9)
    assert chi2_sf(0.0, 3) == 1.0
    lo, hi = clopper_pearson(0, 300)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 300), rel=1e-9)
    lo, hi = clopper_pearson(5, 100)  # reference values (R: binom.test(5, 100)$conf.int)
    assert (lo, hi) == (pytest.approx(0.01643188, abs=1e-7), pytest.approx(0.11283491, abs=1e-7))


def test_a_list_with_nothing_but_numbers_has_nothing_to_compare():
    rng = random.Random(2)
    nums = Population(rng, 2000).numbers(rng, 1000) + enumerate_block(rng, 200)
    n = len(nums)
    cmp_ = facts_of(_frame(nums, [None] * n, [None] * n, [None] * n, [None] * n, KEYS, rng)).clusters["compare"]
    assert not cmp_["judged"] and "no sources, consent times or names" in cmp_["why"]
