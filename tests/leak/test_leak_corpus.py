"""The leak corpus (tests/leak/forms.toml, evaluation/leak_corpus.py): no number placed in
any text column, in any form, in any input format, is written in plaintext anywhere."""

from __future__ import annotations

import polars as pl

from evaluation import leak_corpus


def test_the_search_finds_numbers_in_every_form():
    numbers = {"13900139000"}
    for text in ("推荐人 139-0013-9000", "（139）0013 9000", "１３９００１３９０００", "+86 139.0013.9000"):
        assert leak_corpus.found([text], numbers) == 1, text
    assert leak_corpus.found(["139****9000", "ab13900139000cdef0123456789abcde"], numbers) == 0


def test_every_form_is_a_valid_number_where_it_is_placed():
    import random

    rng = random.Random(3)
    for form in leak_corpus.FORMS["forms"]:
        values = leak_corpus._numbers(rng)
        assert leak_corpus._placed(values, form), form


def test_no_plaintext_number_in_any_output(tmp_path):
    cases = leak_corpus.corpus(tmp_path, lists=1, rows=18)
    leaks = leak_corpus.run(cases, tmp_path)
    assert leaks == {case.name: 0 for case in cases}
    assert sum(len(c.numbers) for c in cases) > 200
    # the kept notes are there, masked (not dropped)
    notes = pl.read_parquet(tmp_path / "out-list0.csv" / "rows.parquet").get_column("备注")
    assert notes.str.contains(r"\*{4}").sum() >= 15
    nested = pl.read_parquet(tmp_path / "out-list0.json" / "rows.parquet").get_column("profile.备注")
    assert nested.str.contains(r"\*{4}").sum() >= 15
