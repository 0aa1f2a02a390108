import json
import math
import random

import polars as pl
import pytest

from scanner.canary import CanaryStore, canary_signal, detect, issue, tolerated_coalition
from scanner.canary import scheme as sch
from scanner.errors import InputError, KeyMaterialError
from scanner.phone.normalize import normalize
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.tokens import token_expr


def tokens_of(raw_values, keys, region="CN"):
    """The scan's path: raw text -> normalize -> phone token."""
    frame = normalize(pl.Series("raw", raw_values, dtype=pl.String), region=region)
    return frame.select(token_expr(keys, "phone", pl.col("e164")).alias("t"))["t"]


def reformat(e164, style):
    national = e164[3:]
    return [
        f"{national[:3]} {national[3:7]} {national[7:]}",
        f"+86-{national[:3]}-{national[3:7]}-{national[7:]}",
        "".join(chr(ord(c) + 0xFEE0) for c in national),  # full-width digits
        f"{national}.0",
        f"(+86) {national}",
        f"0086{national}",
    ][style % 6]


def issue_many(tmp_path, keys, pool, rng, names, count):
    return {name: issue(tmp_path, keys, name, pool, count, rng=rng) for name in names}


def test_split_and_sizes():
    assert sch.split(20) == (5, 15)
    assert sch.split(2) == (1, 1)
    assert sch.split(60, shared_per_copy=30) == (30, 30)
    assert sch.subpool_size(45, 3) == math.ceil(45 / math.exp(-1 / 3))
    with pytest.raises(ValueError):
        sch.split(1)


def test_hypergeom_tail():
    total = sum(sch.hypergeom_tail(20, 8, 5, m) - sch.hypergeom_tail(20, 8, 5, m + 1) for m in range(6))
    assert total == pytest.approx(1.0)
    assert sch.hypergeom_tail(20, 8, 5, 0) == 1.0
    assert sch.hypergeom_tail(20, 8, 5, 6) == 0.0
    assert sch.hypergeom_tail(10, 5, 1, 1) == pytest.approx(0.5)


def test_tolerated_coalition_matches_the_docstring_rule():
    # c = 3, R = 10: about 40 shared canaries per copy name a coalition member at 99 %
    subpool = sch.subpool_size(41, 3)
    assert tolerated_coalition(subpool, 41, 10) >= 3
    assert tolerated_coalition(sch.subpool_size(10, 3), 10, 10) < 3
    assert tolerated_coalition(subpool, 41, 10) >= tolerated_coalition(subpool, 41, 1000)


def test_issue_records_tokens_only(tmp_path, keys, pool, rng):
    first = issue(tmp_path, keys, "acme", pool, 20, rng=rng)
    second = issue(tmp_path, keys, "globex", pool, 20, rng=rng)
    assert len(first.numbers) == len(set(first.numbers)) == 20 and set(first.numbers) <= set(pool)
    assert (first.unique, first.shared) == (5, 15)
    assert not (tmp_path / "canaries.json").exists()
    blob = (tmp_path / "registry.duckdb").read_bytes()
    assert not any(n.encode() in blob or n[3:].encode() in blob for n in pool)
    assert (tmp_path / "registry.duckdb").stat().st_mode & 0o777 == 0o600
    store = CanaryStore.open(tmp_path, keys)
    a, b = store.assignments
    assert not (a.unique & b.unique) and not (a.unique & store.subpool)
    assert a.shared <= store.subpool and b.shared <= store.subpool
    assert len(set(first.numbers) & set(second.numbers)) == len(a.shared & b.shared)
    assert store.scheme["coalition"] == 3


def test_issue_refusals(tmp_path, keys, pool, rng):
    issue(tmp_path, keys, "acme", pool, 20, rng=rng)
    with pytest.raises(InputError, match="already has canaries"):
        issue(tmp_path, keys, "acme", pool, 20, rng=rng)
    with pytest.raises(InputError, match="shared canary subpool"):
        issue(tmp_path, keys, "other", pool[:50], 20, rng=rng)
    with pytest.raises(InputError, match="unused valid numbers"):
        issue(tmp_path / "small", keys, "x", pool[:10], 20, rng=rng)
    with pytest.raises(KeyMaterialError):
        CanaryStore.open(tmp_path, KeyMaterial.from_master(bytes(32)))


def test_pool_exhaustion(tmp_path, keys, pool, rng):
    for i in range(100):
        try:
            issue(tmp_path, keys, f"r{i}", pool, 20, rng=rng)
        except InputError as exc:
            assert "unused valid numbers" in str(exc)
            break
    else:
        pytest.fail("the pool never ran out")
    store = CanaryStore.open(tmp_path, keys)
    uniques = [t for a in store.assignments for t in a.unique]
    assert len(uniques) == len(set(uniques))


def test_detection_in_a_larger_list_with_reformatted_canaries(tmp_path, keys, pool, rng):
    issued = issue_many(tmp_path, keys, pool, rng, ["acme", "globex", "initech"], 20)
    data_rng = random.Random(7)
    others = [f"1{data_rng.choice('3578')}{data_rng.randrange(10**9):09d}" for _ in range(5000)]
    leaked = others + [reformat(n, i) for i, n in enumerate(issued["globex"].numbers)]
    data_rng.shuffle(leaked)
    hits = detect(tokens_of(leaked, keys), CanaryStore.open(tmp_path, keys))
    top = hits[0]
    assert top.recipient == "globex" and top.certain and top.named
    assert top.matched == top.expected == 20
    assert all(not h.certain for h in hits[1:])  # others only share subpool numbers


def test_partial_leak_still_names_the_leaker(tmp_path, keys, pool, rng):
    issued = issue_many(tmp_path, keys, pool, rng, ["acme", "globex"], 40)
    sample = random.Random(3).sample(issued["acme"].numbers, 8)  # a 20 % excerpt
    hits = detect(tokens_of(sample, keys), CanaryStore.open(tmp_path, keys))
    assert hits[0].recipient == "acme"


def test_detection_reads_the_set_of_tokens_whatever_their_form(tmp_path, keys, pool, rng):
    issued = issue_many(tmp_path, keys, pool, rng, ["acme", "globex"], 20)
    store = CanaryStore.open(tmp_path, keys)
    tokens = tokens_of(issued["acme"].numbers[:6] + ["13800138000"], keys)
    want = detect(tokens, store)
    assert want and want[0].recipient == "acme" and want[0].matched == 6
    noisy = pl.concat([tokens, tokens.head(3), pl.Series("t", [None, None], dtype=pl.String)]).shuffle(seed=1)
    assert detect(noisy, store) == want  # repeats and nulls are ignored
    assert detect(noisy.cast(pl.Categorical), store) == want
    assert detect(pl.Series("t", [None, None]), store) == []  # no tokens at all (dtype Null)
    assert detect(tokens.clear(), store) == []


def test_no_canaries_no_hits(tmp_path, keys, pool, rng):
    issue(tmp_path, keys, "acme", pool, 20, rng=rng)
    assert detect(tokens_of(["13800138000", None, "abc"], keys), CanaryStore.open(tmp_path, keys)) == []
    assert canary_signal([])["fired"] is False


def copies_kept_by(coalition_numbers, at_least):
    """What a coalition keeps when it strips numbers present in fewer than ``at_least`` copies."""
    counts = {}
    for numbers in coalition_numbers:
        for n in numbers:
            counts[n] = counts.get(n, 0) + 1
    return [n for n, c in counts.items() if c >= at_least]


@pytest.mark.parametrize("size", [2, 3])
def test_coalition_keeping_only_common_numbers_is_traced(tmp_path, keys, rng, size):
    pool = [f"+86139{i:08d}" for i in range(10_000_000, 10_001_000)]
    names = [f"r{i}" for i in range(10)]
    issued = issue_many(tmp_path, keys, pool, rng, names, 60)
    coalition = names[2:2 + size]
    kept = copies_kept_by([issued[n].numbers for n in coalition], at_least=size)
    assert kept, "the coalition's copies share canaries"
    hits = detect(tokens_of(kept, keys), CanaryStore.open(tmp_path, keys))
    named = [h.recipient for h in hits if h.named]
    assert named and set(named) <= set(coalition)
    assert all(h.confidence < 0.99 for h in hits if h.recipient not in coalition)
    assert not any(h.certain for h in hits)  # unique canaries were stripped


def test_coalition_stripping_numbers_of_only_one_copy(tmp_path, keys, rng):
    pool = [f"+86139{i:08d}" for i in range(10_000_000, 10_001_000)]
    names = [f"r{i}" for i in range(10)]
    issued = issue_many(tmp_path, keys, pool, rng, names, 60)
    coalition = ["r1", "r4", "r7"]
    kept = copies_kept_by([issued[n].numbers for n in coalition], at_least=2)
    hits = detect(tokens_of(kept, keys), CanaryStore.open(tmp_path, keys))
    named = {h.recipient for h in hits if h.named}
    assert named and named <= set(coalition)


def test_signal_format(tmp_path, keys, pool, rng):
    issued = issue(tmp_path, keys, "acme", pool, 10, rng=rng)
    hits = detect(tokens_of(issued.numbers[:3], keys), CanaryStore.open(tmp_path, keys))
    signal = canary_signal(hits, code="LS010")
    assert signal["fired"] and signal["code"] == "LS010" and signal["name"] == "canary-hit"
    assert signal["value"] == 3 and "'acme'" in signal["detail"]
    assert signal["recipients"][0]["confidence_bp"] == 10_000
    json.dumps(signal)
    assert not any(n[3:] in json.dumps(signal) for n in pool)
