"""collect_facts against a reference that computes each fact the plain way (one query per
fact, string block keys, per-row time zones), on frames full of awkward values: national
numbers with leading zeros, signs, letters, full-width digits, Int64 overflow, null country
codes; date-only, null and second-precise consent times; dated and undated sources."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import math
from collections import Counter
import sys
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scanner.analyses.purchased import DetectPolicy  # noqa: E402
from scanner.analyses.signals import (  # noqa: E402
    NUMBER_FACTS, SIGNALS, _negbin_tails, _numbers, _personal, _plain_number_facts, collect_facts, prepare_rows,
)
from scanner.analyses.signals_stats import negbin_sf  # noqa: E402

TZ = "Asia/Shanghai"
WINDOWS = {"web-signup": (dt.date(2024, 1, 1), None), "store": (dt.date(2025, 6, 1), dt.date(2026, 1, 1)),
           "app": (None, None)}


def reference_facts(rows: pl.LazyFrame, *, timezone: str, night_end_hour: int, source_windows=None,
                    numbers: pl.DataFrame | None = None) -> dict:
    """Each number and consent fact by its own plain query (the reference the facts must equal)."""
    lf = prepare_rows(rows).with_columns(_personal().alias("_personal"))
    personal = lf.filter(pl.col("_personal"))
    if numbers is not None:
        personal = (personal.select(pl.col("_id").unique())
                    .join(numbers.lazy().select(pl.col("number_key").alias("_id"), "country_code",
                                                "national_number"), on="_id"))
    distinct = (personal.select("_id", "country_code", "national_number")
                .unique(subset=["_id"], keep="any")
                .select("country_code", "national_number", pl.col("national_number").str.len_chars().alias("_len"))
                .filter(pl.col("_len") >= 8)).collect().lazy()
    blocks = {size: distinct.group_by("country_code", pl.col("national_number").str.slice(
        0, pl.col("_len") - digits).alias("_block")).agg(pl.len().alias("count")).select("count").collect()
        for digits, size in ((4, 10_000), (3, 1_000))}
    block_key = pl.col("national_number").str.slice(0, pl.col("_len") - 4)
    runs = (distinct.with_columns(pl.col("national_number").cast(pl.Int64, strict=False).alias("_n"),
                                  block_key.alias("_b"))
            .drop_nulls("_n").sort("country_code", "_n")
            .with_columns(((pl.col("_n").diff() == 1) & (pl.col("_b") == pl.col("_b").shift(1))
                           & (pl.col("country_code") == pl.col("country_code").shift(1)))
                          .fill_null(False).alias("_adj"))
            .with_columns((~pl.col("_adj")).cum_sum().alias("_run")))
    rs = runs.select(pl.col("_adj").sum().alias("pairs"),
                     pl.col("_run").value_counts().struct.field("count").max().alias("longest")).collect().row(0)
    expected = (distinct.group_by("country_code", block_key.alias("_b")).agg(pl.len().alias("c"))
                .select((pl.col("c") * (pl.col("c") - 1) / 10_000.0).sum()).collect().item())

    day_us = 86_400_000_000
    local_us = pl.col("consent_at").dt.convert_time_zone(timezone).dt.replace_time_zone(None).cast(pl.Int64)
    stamped = lf.filter(pl.col("consent_at").is_not_null()).with_columns(
        (((local_us % day_us) + day_us) % day_us).alias("_tod"))
    timed = pl.col("_tod") != 0
    with_time = stamped.filter(timed)
    c = stamped.select(
        pl.len().alias("n"), timed.sum().alias("timed"),
        (timed & (pl.col("_tod") < night_end_hour * 3_600_000_000)).sum().alias("night"),
        ((pl.col("_tod") % 60_000_000) == 0).filter(timed).all().alias("minute_only"),
        pl.col("consent_at").filter(timed).min().alias("first"),
        pl.col("consent_at").filter(timed).max().alias("last"),
        (pl.col("collected_at").is_not_null()).sum().alias("with_collected"),
        (pl.col("consent_at") > pl.col("collected_at") + pl.duration(days=1)).sum().alias("after_collected"),
    ).collect().row(0, named=True)
    hours = Counter(t // 3_600_000_000 for t in with_time.select("_tod").collect().to_series().to_list())
    total = sum(hours.values())
    c["hour_entropy"] = (round(-sum(k / total * math.log(k / total) for k in hours.values()) / math.log(24), 12)
                         if total else None)
    c["dispersion"], c["span_days"], c["per_day"] = _plain_dispersion(
        stamped.select((local_us // day_us).alias("d")).collect().to_series().to_list()) or (None, 0, 0.0)
    c["groups"] = with_time.group_by("consent_at").agg(pl.len().alias("g")).select("g").collect().get_column("g")
    c["hours"] = with_time.group_by((pl.col("_tod") // 3_600_000_000).alias("hour")).agg(pl.len().alias("g")).collect()
    c["days"] = stamped.group_by(local_us.floordiv(day_us).alias("day")).agg(pl.len().alias("g")).collect()
    c["gaps"] = (with_time.select(pl.col("consent_at").unique().sort())
                 .select((pl.col("consent_at").diff().dt.total_microseconds()).alias("gap")).drop_nulls()
                 .group_by("gap").agg(pl.len().alias("k"))).collect()
    windows = {k: v for k, v in (source_windows or {}).items() if v and v[0] is not None}
    c.update({"judged": 0, "before": 0})
    if windows:
        starts = pl.DataFrame({"source_class": list(windows),
                               "_from": [dt.datetime.combine(v[0], dt.time()) for v in windows.values()]},
                              schema={"source_class": pl.String, "_from": pl.Datetime("us")})
        c.update(stamped.join(starts.lazy().with_columns(
            pl.col("_from").dt.replace_time_zone(timezone).dt.convert_time_zone("UTC")), on="source_class")
            .select(pl.len().alias("judged"), (pl.col("consent_at") < pl.col("_from")).sum().alias("before"))
            .collect().row(0, named=True))
    counts = lf.select(pl.len(), pl.col("_personal").sum(),
                       pl.col("_id").filter(pl.col("_personal")).n_unique()).collect().row(0)
    unprov = (lf.filter(pl.col("_personal") & pl.col("source_class").is_null())
              .select(pl.col("_id").n_unique()).collect().item())
    return {"rows": counts[0], "personal": counts[1], "distinct": counts[2], "blocks": blocks,
            "adjacent_pairs": rs[0] or 0, "adjacent_expected": expected or 0.0, "longest_run": rs[1] or 0,
            "consent": c, "unprovenanced": unprov}


def _plain_dispersion(days):
    """Variance / mean of consents per local day over the span, days, mean (None below 8 days)."""
    if not days:
        return None
    span = max(days) - min(days) + 1
    if span < 8:
        return None
    per = Counter(days)
    mean = len(days) / span
    return (sum(v * v for v in per.values()) / span - mean * mean) / mean, span, mean


def assert_same(facts, ref):
    for key in ("rows", "personal", "distinct", "adjacent_pairs", "longest_run", "unprovenanced"):
        assert getattr(facts, key) == ref[key], key
    # the reference sums its blocks in group-by order (arbitrary): equal up to float rounding
    assert facts.adjacent_expected == pytest.approx(ref["adjacent_expected"], rel=1e-12, abs=1e-12)
    for size, counts in ref["blocks"].items():
        got = facts.blocks[size]
        assert got.schema == counts.schema
        assert sorted(got.get_column("count").to_list()) == sorted(counts.get_column("count").to_list()), size
    got, want = dict(facts.consent), dict(ref["consent"])
    assert sorted(got.pop("groups").to_list()) == sorted(want.pop("groups").to_list())
    assert got.pop("groups", None) is None
    assert got.pop("gaps").sort("gap").equals(want.pop("gaps").sort("gap"))
    for key, by in (("hours", "hour"), ("days", "day")):  # the report's chart tables
        assert_frame_equal(got.pop(key).sort(by), want.pop(key).sort(by), check_dtypes=False)
    for key in ("hour_entropy", "dispersion", "per_day"):
        g, w = got.pop(key), want.pop(key)
        assert (g is None and w is None) or g == pytest.approx(w, rel=1e-9), key
    assert got == want


def _national_numbers(rng: random.Random, n: int) -> list[tuple[int | None, str | None]]:
    """(country code, national number) pairs: dense blocks with runs across block edges,
    and every kind of text that does not read as a plain decimal."""
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.5:  # dense CN blocks, runs around the edges of 10^4 and 10^3 blocks
            suffix = rng.choice([rng.randrange(10_000), 9_998, 9_999, 0, 1, 999, 1000])
            out.append((86, f"138{rng.randrange(4):04d}{suffix:04d}"))
        elif kind < 0.6:
            out.append((rng.choice([1, 44, None]), f"{rng.randrange(10**9, 10**9 + 3000)}"))
        elif kind < 0.65:  # leading zeros: a digits-only text that is not the decimal of its value
            out.append((39, f"0{rng.randrange(600_000_000, 600_003_000)}"))
        elif kind < 0.7:  # sign: casts, but its text is not digits; negative runs
            out.append((86, rng.choice("+-") + f"{rng.randrange(7_000_000_000, 7_000_000_030)}"))
        elif kind < 0.75:  # letters where the 10^4 prefix is still a plain decimal shared with others
            out.append((86, f"138{rng.randrange(4):04d}{rng.randrange(1000):03d}" + rng.choice("xX#")))
        elif kind < 0.8:
            out.append((86, rng.choice(["１３８００１３８０００", "138-0013-8000", "1380013 8000", "٣٨٠٠١٣٨٠٠٠٠",
                                        "99999999999999999999", "9223372036854775807", "9223372036854775808",
                                        "-9223372036854775808", "12345", "", "00000000", "0000000000001"])))
        elif kind < 0.85:
            out.append((rng.choice([86, None]), None))
        else:
            out.append((rng.choice([86, 852]), f"{rng.randrange(10**7, 10**7 + 500)}"))
    return out


def awkward_rows(seed: int, n: int = 3000) -> pl.DataFrame:
    rng = random.Random(seed)
    pairs = _national_numbers(rng, n // 2)
    # numbers whose country code and value coincide with another number's but whose text
    # differs (a sign, a leading zero) sort in an arbitrary order: keep one of each
    seen, numbers = set(), []
    for cc, nn in pairs:
        try:
            value = int(nn) if nn is not None and nn.strip() == nn and nn.isascii() else None
        except ValueError:
            value = None
        if value is not None and (cc, value) in seen:
            continue
        seen.add((cc, value) if value is not None else (cc, nn, len(seen)))
        numbers.append((cc, nn))
    base = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
    local_midnight = dt.datetime(2025, 3, 2, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    recs = []
    for row in range(1, n + 1):
        i = rng.randrange(len(numbers))
        cc, nn = numbers[i]
        c = rng.random()
        consent = (None if c < 0.1 else local_midnight + dt.timedelta(days=rng.randrange(20)) if c < 0.3
                   else base + dt.timedelta(minutes=rng.randrange(3000)) if c < 0.7
                   else base + dt.timedelta(seconds=rng.randrange(10**6), microseconds=rng.choice([0, 0, 7])))
        collected = None if rng.random() < 0.3 else base + dt.timedelta(days=rng.randrange(-5, 30))
        src = rng.choice([None, "", " 导入 ", "web-signup", "store", "app", "bought", "Store"])
        recs.append({
            "row": row, "e164": None if nn is None and rng.random() < 0.5 else f"+{cc}:{nn}:{i}",
            "valid": rng.random() > 0.05, "type": rng.choice(["MOBILE"] * 20 + ["TOLL_FREE", None]),
            "segment": rng.choice([None] * 20 + ["iot", "mvno"]), "country_code": cc, "national_number": nn,
            "name": rng.choice([None, "", "先生", "王芳", "客户12", "Li Lei"]), "source": src,
            "source_class": src if src in WINDOWS else None, "consent_at": consent, "collected_at": collected,
        })
    return pl.DataFrame(recs, schema_overrides={
        "row": pl.Int64, "country_code": pl.Int32, "consent_at": pl.Datetime("us", "UTC"),
        "collected_at": pl.Datetime("us", "UTC")})


def _facts(lf, **kw):
    return collect_facts(lf, timezone=TZ, night_end_hour=6, **kw)


@pytest.mark.parametrize("seed", range(4))
def test_facts_match_the_plain_queries_on_awkward_values(seed):
    frame = awkward_rows(seed)
    for windows in (None, WINDOWS):
        assert_same(_facts(frame.lazy(), source_windows=windows),
                    reference_facts(frame.lazy(), timezone=TZ, night_end_hour=6, source_windows=windows))


@pytest.mark.parametrize("seed", range(2))
def test_facts_match_the_plain_queries_with_a_number_table(seed):
    frame = awkward_rows(seed + 10).with_columns(pl.col("e164").hash(7).cast(pl.UInt128).alias("number_key"))
    numbers = (frame.filter(pl.col("e164").is_not_null())
               .select("number_key", "country_code", "national_number").unique("number_key"))
    numbers = numbers.filter(pl.col("number_key") % 7 != 0)  # rows whose number the table lacks
    rows = frame.drop("e164", "country_code", "national_number").lazy()
    assert_same(_facts(rows, numbers=numbers, source_windows=WINDOWS),
                reference_facts(rows, timezone=TZ, night_end_hour=6, numbers=numbers, source_windows=WINDOWS))


def test_facts_of_empty_and_bare_frames_match():
    empty = awkward_rows(0).clear()
    bare = awkward_rows(1).select("e164", "valid")
    no_numbers = awkward_rows(2).with_columns(pl.lit(None, pl.String).alias("national_number"))
    for frame in (empty, bare, no_numbers, empty.select("valid")):
        assert_same(_facts(frame.lazy(), source_windows=WINDOWS),
                    reference_facts(frame.lazy(), timezone=TZ, night_end_hour=6, source_windows=WINDOWS))


def test_blocks_and_runs_compare_texts_not_values():
    def facts(nns, cc=86):
        frame = pl.DataFrame({"e164": [f"{i}" for i in range(len(nns))], "valid": True, "national_number": nns,
                              "country_code": cc}, schema_overrides={"country_code": pl.Int32})
        return _facts(frame.lazy())

    def block_sizes(f, size):
        return sorted(f.blocks[size].get_column("count").to_list())

    # a letter after a plain prefix shares the prefix's block; a leading zero does not
    f = facts(["13800138000", "1380013800x", "013800138000", "13800137999", "1380013x000"])
    assert block_sizes(f, 10_000) == [1, 4] and block_sizes(f, 1_000) == [1, 1, 1, 2]
    # a sign is text, even where the rest reads like a zero-padded prefix
    assert block_sizes(facts(["+13800140002", "013800140002"]), 10_000) == [1, 1]
    # consecutive values in different blocks (a 10^4 edge, a sign, another country) are no run
    f = facts(["13800139999", "13800140000", "13800140001", "+13800140002"])
    assert (f.adjacent_pairs, f.longest_run) == (1, 2)
    f = facts(["-7000000002", "-7000000001", "-7000000000"])
    assert (f.adjacent_pairs, f.longest_run) == (2, 3)
    f = facts(["13800138000", "13800138001", "1380013800x", "1380014000x", "+13800138005"], cc=None)
    assert (f.adjacent_pairs, f.longest_run, block_sizes(f, 10_000)) == (0, 1, [1, 1, 3])


def test_tails_are_computed_once_per_count_with_the_same_values():
    counts = [37, 12, 12, 10, 37, 11]
    assert _negbin_tails(counts, 10.9, 1.0) == [negbin_sf(k, 10.9, 1.0) for k in counts]
    assert _negbin_tails([], 1.0, 1.0) == []


def test_signals_read_the_same_from_both(seed=5):
    frame = awkward_rows(seed, 6000)
    policy = DetectPolicy(min_rows=10, consent_min_rows=10, block_min_count=3)
    facts = _facts(frame.lazy(), source_windows=WINDOWS)
    ref = reference_facts(frame.lazy(), timezone=TZ, night_end_hour=6, source_windows=WINDOWS)
    plain = dataclasses.replace(facts, **{k: v for k, v in ref.items() if k != "consent"}, consent=ref["consent"])
    assert ([sig.func(facts, policy, sig) for sig in SIGNALS.values()]
            == [sig.func(plain, policy, sig) for sig in SIGNALS.values()])


def plain_rows(seed: int, n: int = 4000, tie: bool = False) -> pl.DataFrame:
    """Digits-only national numbers with country codes: dense CN blocks with runs, Italian
    numbers with a leading zero, and numbers sharing their national number across ids."""
    rng = random.Random(seed)
    picks = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.7:  # a third of them at the end of a block
            suffix = rng.randrange(9_990, 10_000) if rng.random() < 0.3 else rng.randrange(10_000)
            picks.append((86, f"13{rng.randrange(8, 10)}{rng.randrange(3):04d}{suffix:04d}"))
        elif kind < 0.85:  # even values after a leading zero, odd ones one digit shorter: no tie
            picks.append((39, f"0{200_000_000 + 2 * rng.randrange(200)}"))
        elif kind < 0.9:
            picks.append((39, f"{200_000_001 + 2 * rng.randrange(200)}"))
        elif kind < 0.95:
            picks.append((39, f"{rng.randrange(3_200_000_000, 3_200_000_400)}"))
        else:  # the next country code's numbers continue the block and the run
            cc = rng.choice([1, 7])
            low = 2_000_000_900 if cc == 1 else 2_000_001_000
            picks.append((cc, str(rng.randrange(low, low + 100))))
    picks += [(1, "2000000999"), (7, "2000001000")]
    if tie:  # the same value with and without a leading zero
        picks += [(39, "0212345678"), (39, "212345678")]
    return pl.DataFrame({
        "e164": [f"{cc}:{nn}:{i % 3}" for i, (cc, nn) in enumerate(picks)],  # one text, up to three ids
        "valid": True, "country_code": [cc for cc, _ in picks], "national_number": [nn for _, nn in picks],
    }, schema_overrides={"country_code": pl.Int32})


@pytest.mark.parametrize("seed", range(3))
def test_plain_numbers_are_judged_from_one_sort_with_the_same_facts(seed):
    for tie in (False, True):
        frame = plain_rows(seed, tie=tie)
        lf = prepare_rows(frame.lazy()).with_columns(_personal().alias("_personal"))
        assert (_plain_number_facts(_numbers(lf, None)[2]) is None) == tie  # a tie takes the general way
        assert_same(_facts(frame.lazy()), reference_facts(frame.lazy(), timezone=TZ, night_end_hour=6))


@pytest.mark.parametrize("seed", range(3))
def test_facts_from_a_table_of_every_number_with_its_facts_match_the_row_queries(seed):
    """A numbers table carrying each number's validity, type, segment and whether a row of it
    lacks an approved source (what a scan gathers batch by batch) gives the facts the group-by
    over the rows gives."""
    frame = awkward_rows(seed + 20).with_columns(pl.col("e164").hash(7).cast(pl.UInt128).alias("number_key"))
    # validity, type and segment are functions of the number (as the kernel's answers are)
    per_number = frame.filter(pl.col("number_key").is_not_null()).group_by("number_key").agg(
        pl.col("valid", "type", "segment").first())
    frame = frame.drop("valid", "type", "segment").join(per_number, on="number_key", how="left", maintain_order="left")
    plain = frame.filter(pl.col("number_key").is_not_null()).select("number_key", "country_code", "national_number")
    numbers = (frame.filter(pl.col("number_key").is_not_null()).group_by("number_key")
               .agg(pl.col("country_code", "national_number", "valid", "type", "segment").first(),
                    pl.col("source_class").is_null().any().alias("any_unapproved_source")))
    assert NUMBER_FACTS <= set(numbers.columns)
    rows = frame.drop("e164", "country_code", "national_number").lazy()
    expected = reference_facts(rows, timezone=TZ, night_end_hour=6, numbers=plain.unique("number_key"),
                               source_windows=WINDOWS)
    assert_same(_facts(rows, numbers=numbers, source_windows=WINDOWS), expected)
    assert expected["unprovenanced"] and expected["distinct"]  # the facts this path computes are exercised


@pytest.mark.parametrize("pass_rows", [37, 500])
def test_consent_time_facts_in_passes_match_one_pass(monkeypatch, pass_rows):
    """On large lists the consent times are grouped in passes (bounded memory); the facts
    are those of one pass."""
    from scanner import grouping

    frame = awkward_rows(31)
    one = _facts(frame.lazy(), source_windows=WINDOWS)
    monkeypatch.setattr(grouping, "GROUP_PASS_ROWS", pass_rows)
    assert grouping.pass_filters(frame.height, pl.col("consent_at")) != [None]
    assert_same(_facts(frame.lazy(), source_windows=WINDOWS),
                reference_facts(frame.lazy(), timezone=TZ, night_end_hour=6, source_windows=WINDOWS))
    passed = _facts(frame.lazy(), source_windows=WINDOWS)
    assert sorted(passed.consent["groups"].to_list()) == sorted(one.consent["groups"].to_list())


@pytest.mark.parametrize("seed", range(3))
def test_plain_facts_sorted_range_by_range_are_those_of_one_sort(monkeypatch, seed):
    """Ranges cut at blocks of 10,000 give every fact, and the blocks' and the sorted
    numbers' order, exactly as one sort does (runs up to a block's end, blocks whose next
    country code continues the value, clusters, clustered rows)."""
    from scanner.analyses.signals import blocks as signals

    frame = plain_rows(seed)
    lf = prepare_rows(frame.lazy()).with_columns(_personal().alias("_personal"))
    nums = _numbers(lf, None)[2]
    whole = _plain_number_facts(nums)
    one = _facts(frame.lazy(), source_windows=WINDOWS)
    assert one.clusters["runs"] and one.clusters["dense_clusters"] and one.clusters["clustered_blocks"] > 1
    for part_numbers in (7, 300):
        monkeypatch.setattr(signals, "PART_NUMBERS", part_numbers)
        assert len(signals._ranges(nums, signals._sort_keys(nums))) > 5  # many ranges
        b4, b3, runs, ordered = _plain_number_facts(nums)
        assert b4.equals(whole[0]) and b3.equals(whole[1]) and runs == whole[2]
        assert pl.concat(ordered).equals(pl.concat(whole[3]))
        got = _facts(frame.lazy(), source_windows=WINDOWS)
        for field in ("rows", "personal", "distinct", "adjacent_pairs", "adjacent_expected", "longest_run",
                      "unprovenanced", "provenance", "names"):
            assert getattr(got, field) == getattr(one, field), field
        assert all(got.blocks[size].equals(one.blocks[size]) for size in (10_000, 1_000))
        assert got.clusters == one.clusters


def test_numbers_too_long_for_a_packed_int64_key_sort_the_same(monkeypatch):
    """Values too wide to pack with their country code and length into an Int64 are sorted
    by an Int128 key: the facts match the plain queries, in one range or many."""
    from scanner.analyses.signals import blocks as signals

    rng = random.Random(4)
    start = 912_345_678_901_230_000
    # 300 blocks of 10,000, about 20 numbers in each: runs
    nationals = sorted({str(start + rng.randrange(300) * 10_000 + rng.randrange(30)) for _ in range(6000)})
    nationals += ["13800138000", "13800138001"]
    frame = pl.DataFrame({"e164": [f"+86{nn}" for nn in nationals], "valid": True, "country_code": 86,
                          "national_number": nationals}, schema_overrides={"country_code": pl.Int32})
    lf = prepare_rows(frame.lazy()).with_columns(_personal().alias("_personal"))
    nums = _numbers(lf, None)[2]
    assert signals._sort_keys(nums).dtype == pl.Int128
    expected = reference_facts(frame.lazy(), timezone=TZ, night_end_hour=6)
    one = _facts(frame.lazy())
    assert_same(one, expected)
    monkeypatch.setattr(signals, "PART_NUMBERS", 50)
    assert len(signals._ranges(nums, signals._sort_keys(nums))) > 5
    got = _facts(frame.lazy())
    assert_same(got, expected)
    assert got.clusters == one.clusters and got.clusters["runs"]
