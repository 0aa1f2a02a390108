"""The exact shortcuts of the exposure metrics give the answers of the general route.

Each shortcut is turned off (or forced) and the answers compared, on adversarial cells: a
token column with one plaintext number in it, hex of other lengths and cases, masks with
longer digit blocks, numbers inside longer runs, names that look like tokens, masks,
integers or booleans, names with spaces around them.
"""

from __future__ import annotations

import random

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import scanner.privacy.exposure.outputs as x_outputs
import scanner.privacy.exposure.identifiers as x_identifiers
import scanner.privacy.exposure.kanonymity as x_kanonymity
import scanner.privacy.exposure.needles as x_needles
import scanner.privacy.exposure.reidentification as x_reidentification
import scanner.privacy.exposure.runs as x_runs
from scanner.privacy.exposure import count_plaintext_by_source, exposure_metrics
from scanner.privacy.exposure.needles import Needles

NUMBERS = pl.DataFrame({
    "e164": ["+8613800138000", "+8613912345678", "+14155550100", "+390612345678", "+3521234567", None],
    "national_number": ["13800138000", "13912345678", "4155550100", "0612345678", "1234567", None],
    "name": ["王小明", "李四", "Bob", "a" * 32, "138****8000", "12"],
})
TOKEN = "0123456789abcdef" * 2  # 32 hex, digits in it
NAMES_LIKE = ["王小明", " 李四 ", "Bob\t", "a" * 32, "138****8000", "12", "true"]


def _general(monkeypatch) -> None:
    """Every shortcut off: no distinct-value route, no mask shape, needles sorted at once."""
    monkeypatch.setattr(x_runs, "DEDUPE_RATIO", 10 ** 12)
    monkeypatch.setattr(x_runs, "NO_RUN_SHAPES", (x_runs.PURE_HEX,))
    monkeypatch.setattr(x_needles, "PROBES", 0)


def _dedupe_always(monkeypatch) -> None:
    monkeypatch.setattr(x_runs, "DEDUPE_RATIO", 1)
    monkeypatch.setattr(x_runs, "DEDUPE_MIN", 1)


def _adversarial_rows(n: int = 600, seed: int = 7) -> pl.DataFrame:
    rng = random.Random(seed)
    hexes = [TOKEN, TOKEN[:31], TOKEN + "0", TOKEN.upper(), "f" * 40, "1" * 64, "1" * 32, "ab" * 20,
             "AB13800138000CDEF"]
    masks = ["138****8000", "+1******0100", "1381234567****8000", "138****80001234", "+86 138****8000",
             "13800138000****", None]
    notes = ["", "x13800138000123", "138 0013 8000", "call 008613800138000", "0612345678,abc",
             f"{TOKEN},13912345678", "13800138000 13912345678", None]
    tokens = [rng.choice([TOKEN, "f" * 32, "0" * 32]) for _ in range(n)]
    tokens[n // 2] = "13800138000"  # looks like a token column, but one cell is a number
    return pl.DataFrame({
        "row": list(range(1, n + 1)),
        "phone_token": tokens,
        "phone_masked": [rng.choice(masks) for _ in range(n)],
        "hexish": [rng.choice(hexes) for _ in range(n)],
        "note": [rng.choice(notes) for _ in range(n)],
        "who": [rng.choice(NAMES_LIKE + [None, "x"]) for _ in range(n)],
        "tokens_named": [rng.choice(["a" * 32, TOKEN]) for _ in range(n)],  # a name shaped like a token
        "masks_named": [rng.choice(["138****8000", "139****5678"]) for _ in range(n)],
        "small": [rng.choice([12, 1234567, 13800138000, -4155550100, None]) for _ in range(n)],
        "flag": [rng.choice([True, False, None]) for _ in range(n)],
        "region": [rng.choice(["CN", "US", " Bob ", None]) for _ in range(n)],
        "findings": [rng.choice([[], ["DU001"], ["13", "800138000"], None]) for _ in range(n)],
    })


@pytest.mark.parametrize("chunk", [None, 97])
def test_rows_scan_equals_the_general_route(tmp_path, monkeypatch, chunk):
    rows = _adversarial_rows()
    path = tmp_path / "rows.parquet"
    rows.write_parquet(path)
    if chunk:
        monkeypatch.setattr(x_outputs, "CHUNK_ROWS", chunk)
    names = x_identifiers.list_names(NUMBERS)
    checked = x_identifiers.checked_by_content(rows.schema)
    answers = []
    for setup in (lambda: None, lambda: _dedupe_always(monkeypatch), lambda: _general(monkeypatch)):
        setup()
        for frame in (rows, pl.scan_parquet(path)):
            needles = Needles.of(NUMBERS)
            scan = x_identifiers.scan_rows(frame, needles, x_runs.Names(names), stars="phone_masked")
            general_named = x_identifiers.name_hits(frame, checked, names)  # one query, no shortcut
            assert scan.names == general_named
            for identified in (False, True):  # the masks' stars as counted on the way, or read again
                tallied = x_reidentification.candidate_sizes(frame, identified, scan.stars)
                assert x_reidentification.reidentification_stats(*tallied) == x_reidentification.reidentification_stats(
                    *x_reidentification.candidate_sizes(frame, identified))
            answers.append(scan.numbers)
    assert all(a == answers[0] for a in answers)
    counts = answers[0]
    assert counts["phone_token"] == 1 and counts["row"] == 0
    assert counts["phone_masked"] > 0  # the masks with 7+ digits in a row are searched
    assert counts["note"] > 0 and counts["small"] > 0 and counts["findings"] > 0  # "13 800138000"
    assert counts["hexish"] > 0  # hex of other lengths or cases is searched: 13800138000 in AB…CDEF
    assert counts["tokens_named"] == 0 and counts["masks_named"] == 0
    assert set(general_named) == set(checked)
    assert general_named["tokens_named"][1] > 0 and general_named["masks_named"][1] > 0
    assert general_named["who"][1] > 0 and general_named["small"][1] > 0 and general_named["region"][1] > 0


def test_metrics_equal_the_general_route(tmp_path, monkeypatch):
    rows = _adversarial_rows()
    path = tmp_path / "rows.parquet"
    rows.write_parquet(path)
    rows.select("row", "phone_token", "phone_masked", "note").write_csv(tmp_path / "contactable.csv")
    files = [path, tmp_path / "contactable.csv"]

    def metrics():
        return [exposure_metrics(rows=frame, files=files, numbers=NUMBERS) for frame in (rows, pl.scan_parquet(path))]

    fast = metrics()
    _general(monkeypatch)
    assert metrics() == fast
    assert fast[0] == fast[1]
    assert fast[0]["plaintext_numbers_written"] > 0
    assert {"who", "tokens_named", "masks_named", "note", "small"} <= set(fast[0]["direct_identifier_columns"])


def test_row_index_names_are_counted_once_read(tmp_path, monkeypatch):
    """The row index is not searched, but its cells are counted for names (a name "12")."""
    rows = pl.DataFrame({"row": list(range(1, 30)), "x": ["a"] * 29})
    rows.write_parquet(tmp_path / "rows.parquet")
    monkeypatch.setattr(x_outputs, "CHUNK_ROWS", 4)
    names = x_runs.Names(x_identifiers.list_names(NUMBERS))
    for frame in (rows, pl.scan_parquet(tmp_path / "rows.parquet")):
        scan = x_identifiers.scan_rows(frame, Needles.of(NUMBERS), names)
        assert scan.numbers == {"row": 0, "x": 0} and scan.names["row"] == (29, 1)
    not_index = pl.DataFrame({"row": [1, 3, 2, 1234567]})  # not increasing: searched too
    not_index.write_parquet(tmp_path / "other.parquet")
    for frame in (not_index, pl.scan_parquet(tmp_path / "other.parquet")):
        scan = x_identifiers.scan_rows(frame, Needles.of(NUMBERS), names)
        assert scan.numbers == {"row": 1} and scan.names == {"row": (4, 0)}


def _reference_needles(numbers: pl.DataFrame) -> tuple[list[int], list[str], list[int]]:
    """The needles as the general route makes them: (canonical ints, other texts, lengths)."""
    forms = [numbers.get_column("e164").drop_nulls().str.strip_prefix("+")]
    if "national_number" in numbers.columns:
        forms.append(numbers.get_column("national_number").drop_nulls().cast(pl.String))
    texts = pl.concat(forms)
    texts = texts.filter(texts.str.len_chars() >= x_needles.MIN_NEEDLE_DIGITS)
    ints = texts.str.to_integer(strict=False)
    written = ((ints > 0) & (ints.cast(pl.String) == texts)).fill_null(False)
    canonical = sorted(set(ints.filter(written).to_list()))
    others = sorted(set(texts.filter(~written).to_list()))
    return canonical, others, sorted(set(texts.str.len_chars().to_list()), reverse=True)


FORM = st.text(alphabet=st.sampled_from(list("0123456789") * 3 + list("+-e _") + ["０", "١", "x"]), max_size=21)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), FORM), max_size=8), st.lists(st.one_of(st.none(), FORM), max_size=8))
@example(["+8613800138000", "+0861234567", "++8613800138000", "+-1234567", "12345e2", "+12345e23",
          "+99999999999999999999", "+9223372036854775807", "+1234567 ", " 1234567", "+１２３４５６７８"],
         ["13800138000", "0612345678", "-1234567", "+1234567", "1_234_567", "9223372036854775808", "00000001"])
def test_needles_are_the_general_routes(e164, national):
    n = max(len(e164), len(national))
    numbers = pl.DataFrame({"e164": e164 + [None] * (n - len(e164)), "national_number": national + [None] * (n - len(national))},
                           schema={"e164": pl.String, "national_number": pl.String})
    needles = Needles.of(numbers)
    canonical, others, lengths = _reference_needles(numbers)
    assert needles.canonical.to_list() == canonical
    assert sorted(needles.others.to_list()) == others
    assert needles.lengths == lengths
    assert needles.empty == (not canonical and not others)


def test_the_parser_reads_only_signed_ascii_digits():
    """What the needles' shortcut relies on: polars parses ``[+-]?[0-9]+`` and nothing else."""
    texts = ["+1234567", "-1234567", "01234567", "12345e2", "1234567 ", " 1234567", "1_234_567", "１２３４５６７",
             "١٢٣٤٥٦٧", "0x1234567", "1234567.0", "1,234,567", "+", "", "++1234567"]
    assert pl.Series(texts).cast(pl.Int64, strict=False).to_list() == [
        1234567, -1234567, 1234567] + [None] * (len(texts) - 3)


@pytest.mark.parametrize("values", [[13800138000, None, 5, 612345678, -1234567, 8613800138000], [], [None]])
def test_probed_hits_equal_binary_search(monkeypatch, values):
    numbers = NUMBERS.vstack(pl.DataFrame({"e164": ["+-1234567"], "national_number": ["-1234567"], "name": [None]}))
    series = pl.Series(values, dtype=pl.Int64)
    probed = Needles.of(numbers)
    answer = probed.hits(series)
    assert "ints" not in probed.__dict__ or not series.len()  # found without sorting the needles
    monkeypatch.setattr(x_needles, "PROBES", 0)
    sorted_ = Needles.of(numbers)
    assert sorted_.hits(series).to_list() == answer.to_list()
    expected = {13800138000, 612345678, 8613800138000, -1234567}
    assert answer.to_list() == [v in expected for v in values]


def test_probes_give_way_to_sorting_after_a_few(monkeypatch):
    monkeypatch.setattr(x_needles, "PROBES", 2)
    needles = Needles.of(NUMBERS)
    for _ in range(3):
        assert needles.hits(pl.Series([13800138000, 1])).to_list() == [True, False]
    assert "ints" in needles.__dict__


CELL = st.text(alphabet=st.sampled_from(list("0123456789") * 3 + list(" -.,*+aF\t") + ["王", "\n"]), max_size=14)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), CELL, st.sampled_from([TOKEN, "138****8000", "+1******0100", "13800138000"])),
                max_size=12))
@example(["138****8000", "1381234567****8000", "+86*13800138000"])
@example([TOKEN, TOKEN + ",13800138000", TOKEN.upper()])
def test_mask_shapes_and_distinct_values_change_no_run(cells):
    values = pl.Series(cells, dtype=pl.String)
    needles = Needles.of(NUMBERS)
    names = x_runs.Names(x_identifiers.list_names(NUMBERS))

    def facts():
        runs, n, hits = x_runs.part_facts(values, names)
        n = n.to_list() if n is not None else [1] * runs.len()
        expanded = sorted(r for r, k in zip(runs.cast(pl.String).to_list(), n) for _ in range(k))
        return expanded, hits, count_plaintext_by_source({"c": values}, needles)

    fast = facts()
    nulls = values
    values = values.drop_nulls()  # a null cell holds nothing
    assert facts() == fast
    values = nulls
    with pytest.MonkeyPatch.context() as patch:
        _dedupe_always(patch)
        assert facts() == fast
    with pytest.MonkeyPatch.context() as patch:
        _general(patch)
        assert facts() == fast
    assert fast[1] == int(values.str.strip_chars().is_in(names.values.implode()).sum())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=4)), max_size=6))
@example(["", "0", "9", ":", "/", "０", "9a"])
def test_elements_beginning_with_a_digit(elements):
    values = pl.Series(elements, dtype=pl.String)
    assert values.is_between("0", ":", closed="left").fill_null(False).to_list() == [
        v is not None and v[:1] in set("0123456789") for v in elements]


def _exact_k(frame: pl.DataFrame, columns: list[str]) -> dict:
    exact = frame.group_by(columns).len("size")
    k = exact.get_column("size").min() if exact.height else frame.height
    small = int(exact.get_column("size").filter(exact.get_column("size") < 5).sum())
    return {"quasi_identifiers": columns, "k": k or 0, "rows_k_lt_5": small}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["CN", "US", None, ""]), st.sampled_from([True, False, None]),
                          st.sampled_from(["138****8000", "139****8000", None])), max_size=12))
def test_folded_hash_groups_as_the_values(rows):
    frame = pl.DataFrame(rows, schema={"region": pl.String, "valid": pl.Boolean, "phone_masked": pl.String},
                         orient="row")
    for columns in (["region"], ["region", "valid"], ["region", "valid", "phone_masked"]):
        assert x_kanonymity.smallest_group(frame.lazy(), columns) == _exact_k(frame, columns)
    for columns in ([], ["region"], ["region", "valid"]):  # and with the mask, in one run
        assert x_kanonymity.smallest_groups(frame.lazy(), columns, "phone_masked") == (
            _exact_k(frame, columns) if columns else {"quasi_identifiers": [], "k": frame.height, "rows_k_lt_5": 0},
            _exact_k(frame, [*columns, "phone_masked"]))


def test_both_k_fall_back_when_folded_hashes_collide(monkeypatch):
    from tests.privacy.test_exposure import ROWS

    columns = ["region", "type"]
    honest = x_kanonymity.smallest_groups(ROWS.lazy(), columns, "phone_masked")
    assert honest == (_exact_k(ROWS, columns), _exact_k(ROWS, [*columns, "phone_masked"]))
    real_fold, real_hash, real_sizes = x_kanonymity._fold, x_kanonymity._hash, x_kanonymity._group_sizes
    fallbacks = []
    monkeypatch.setattr(x_kanonymity, "_group_sizes", lambda *a, **k: fallbacks.append(1) or real_sizes(*a, **k))
    monkeypatch.setattr(x_kanonymity, "_fold", lambda h, v, seed: v.hash(seed) % 2 if seed == 0 else real_fold(h, v, seed))
    assert x_kanonymity.smallest_groups(ROWS.lazy(), columns, "phone_masked") == honest
    assert len(fallbacks) == 2  # both collisions seen by the second hash: grouped by the values
    monkeypatch.setattr(x_kanonymity, "_hash", lambda cols, seed: real_hash(cols, seed) % 2 if seed == 0 else real_hash(cols, seed))
    assert x_kanonymity.smallest_groups(ROWS.lazy(), columns, "phone_masked") == honest


@pytest.mark.parametrize("pass_rows", [97, 700, 10**9])
def test_k_in_passes_matches_the_exact_groups(monkeypatch, pass_rows):
    """The k-anonymity group-bys run in passes over hash slices of the groups (bounded
    memory on large lists) give the exact groups' answer for any pass size."""
    import random

    from scanner import grouping

    rng = random.Random(pass_rows)
    rows = pl.DataFrame({
        "region": [rng.choice(["CN", "US", None]) for _ in range(2000)],
        "type": [rng.choice(["MOBILE", "FIXED_LINE", None]) for _ in range(2000)],
        "phone_masked": [rng.choice([f"138****{i:04d}" for i in range(400)] + [None]) for _ in range(2000)],
    })
    monkeypatch.setattr(grouping, "GROUP_PASS_ROWS", pass_rows)
    for columns in (["region", "type"], ["type"], ["region"]):
        assert x_kanonymity.smallest_groups(rows.lazy(), columns, "phone_masked") == (
            _exact_k(rows, columns), _exact_k(rows, [*columns, "phone_masked"]))
