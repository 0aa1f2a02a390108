"""PS001 proof: unkeyed digests of numbers are reversed by enumerating number blocks."""

from __future__ import annotations

import hashlib
import random

import polars as pl
import pytest

from scanner.privacy.reversal import blocks_from_numbers, count_reversed, digest_kind, reverse_sample


def _numbers(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    blocks = ["1380013", "1391234", "1860000"]
    return [rng.choice(blocks) + f"{rng.randrange(10_000):04d}" for _ in range(n)]


@pytest.mark.parametrize(("kind", "form"), [
    ("md5", lambda nn: nn), ("sha1", lambda nn: "+86" + nn), ("sha256", lambda nn: "86" + nn),
])
def test_reverses_generated_hash_column(kind, form):
    nn = _numbers(300)
    digests = pl.Series([getattr(hashlib, kind)(form(x).encode()).hexdigest().upper() for x in nn])
    result = reverse_sample(digests, region="CN", blocks=blocks_from_numbers(nn), sample=100)
    assert result["kind"] == kind and result["sampled"] == 100 and result["reversed"] == 100
    assert result["complete"] and sum(result["forms"].values()) == 100
    assert not any(x in repr(result) for x in nn)  # counts only, never a number


def test_count_reversed_with_list_blocks_and_unrelated_digests():
    nn = _numbers(50)
    phones = pl.DataFrame({"row": range(1, 51), "e164": ["+86" + x for x in nn], "national_number": nn})
    hashed = pl.Series([hashlib.sha256(x.encode()).hexdigest() for x in nn])
    assert count_reversed(hashed, phones=phones, region="CN") == len(set(nn))
    unrelated = pl.Series([hashlib.sha256(f"user-{i}".encode()).hexdigest() for i in range(50)])
    assert count_reversed(unrelated, phones=phones, region="CN") == 0


def test_time_budget_bounds_the_work():
    nn = _numbers(20)
    digests = pl.Series([hashlib.md5(b"not a number").hexdigest()])
    blocks = [f"{1300000 + i}" for i in range(400)]
    result = reverse_sample(digests, blocks=blocks + blocks_from_numbers(nn), time_budget=0.0)
    assert not result["complete"] and result["blocks_tried"] < len(blocks)


def test_digest_kind():
    assert digest_kind(pl.Series(["ab" * 16, None, "zz"]))[0] == "md5"
    assert digest_kind(pl.Series(["13800138000"]))[0] is None
    assert reverse_sample(pl.Series(["hello"]), blocks=["1380013"])["reversed"] == 0
