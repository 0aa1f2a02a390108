"""normalize / parse_distinct agree with the per-row reference ``parse_one(preclean_one(raw))``.

The distinct values are precleaned and parsed unordered (plain values skip the preclean
steps) and gathered back into row order; these tests hold that plumbing to the row-by-row
answer, with repeats, nulls and values of every preclean kind in one list.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.phone import normalize as norm
from scanner.phone.lengths import with_length_status
from scanner.phone.preclean import preclean_one
from scanner.phone.reference import PARSED_SCHEMA, parse_one
from scanner.phone.segments import segment_expr

sys.path.insert(0, str(Path(__file__).parent))
from phone_corpus import corpus  # noqa: E402
from test_preclean_lockstep import CASES  # noqa: E402

PRE = ("clean", "repaired", "mangled", "extra_numbers", "annotated")


def expected(values: list[str | None], region: str | None) -> pl.DataFrame:
    rows = []
    for v in values:
        p = preclean_one(v)
        rows.append((v, *(getattr(p, f) for f in PRE), *parse_one(p.clean, region)))
    frame = pl.DataFrame(rows, schema={"raw": pl.String, **norm.PRECLEAN_SCHEMA, **PARSED_SCHEMA}, orient="row")
    return with_length_status(frame).with_columns(
        segment_expr(pl.col("country_code"), pl.col("national_number")).alias("segment"))


def assert_rows_agree(values: list[str | None], region: str | None) -> None:
    got = norm.normalize(pl.Series("raw", values, dtype=pl.String), region=region)
    want = expected(values, region).select(got.columns)
    assert got.schema == want.schema
    diff = got.with_row_index().join(want.with_row_index(), on="index", suffix="_ref").filter(
        pl.any_horizontal([pl.col(c).ne_missing(pl.col(c + "_ref")) for c in got.columns]))
    assert diff.height == 0, diff.head(10)


def test_mixed_list_with_repeats_agrees_row_by_row():
    rng = random.Random(11)
    values = [v for v, _ in corpus(seed=4, fraction=0.01)] + CASES
    values += [rng.choice(values) for _ in range(len(values) // 3)]  # repeats
    rng.shuffle(values)
    for region in ("CN", "US", None):
        assert_rows_agree(values, region)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), st.sampled_from(CASES), st.from_regex(r"\A[ +]?[0-9 \-]{0,14}[0-9.]?\Z"),
                          st.text(alphabet="0123456789 +-.,/转()１", max_size=16)), max_size=50),
       st.sampled_from(["CN", "GB", None]))
def test_arbitrary_lists_agree_row_by_row(values, region):
    assert_rows_agree(values, region)


def test_parse_distinct_keeps_input_order_and_columns():
    values = ["13800138000", " 13900139000 ", None, "+1 650 253 0000", "１３８００１３８０００", "n/a"]
    distinct = pl.DataFrame({"raw": values, "region_hint": ["CN", "CN", "CN", "US", None, "CN"]},
                            schema={"raw": pl.String, "region_hint": pl.String})
    out = norm.parse_distinct(distinct)
    assert out.columns == ["raw", "region_hint", *norm.NORMALIZED_SCHEMA]
    assert out.select("raw", "region_hint").equals(distinct)
    for row, (v, r) in zip(out.iter_rows(named=True), distinct.iter_rows()):
        assert (row["e164"], row["clean"]) == (parse_one(preclean_one(v).clean, r)[0], preclean_one(v).clean)


def test_hash_collision_takes_the_exact_path(monkeypatch):
    values = ["13800138000", "13900139000", "13800138000", None]
    monkeypatch.setattr(norm, "_by_hash", lambda series, region: None)
    out = norm.normalize(values)
    assert out.get_column("e164").to_list() == ["+8613800138000", "+8613900139000", "+8613800138000", None]
