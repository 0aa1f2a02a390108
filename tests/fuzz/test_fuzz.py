"""Fuzzed inputs through ``contact-scanner scan``: every case exits 0, 1 or 2, with no
traceback, one error line on exit 2, within the time limit and under 2 GiB peak
resident memory (VmHWM). A sample runs by default; ``-m slow`` runs 10,000 cases with
the largest hostile inputs (``evaluation/fuzz_targets.py`` prints the same run's counts)."""

from __future__ import annotations

import pytest

from tests.fuzz.cases import draw_specs
from tests.fuzz.harness import run_cases, summary

FAMILIES = {"delimited", "json", "xlsx", "parquet", "seed", "huge_field", "newlines", "wide", "xlsx_bomb", "zip",
            "parquet_bomb"}


def _fuzz(count: int, seed: int, scale: int, keep) -> dict:
    specs = draw_specs(count, seed, scale)
    assert {spec.kind for spec in specs} == FAMILIES
    names = {f"case{i:05d}-{spec.kind}": spec for i, spec in enumerate(specs)}
    outcomes = run_cases(((name, spec.suffix, spec.write) for name, spec in names.items()), keep_failures=keep)
    assert len(outcomes) == count
    failing = [f"{o.name}: {', '.join(o.problems)}: {names[o.name].describe()[:300]}\n{o.stderr[-1000:]}"
               for o in outcomes if o.problems]
    assert not failing, f"{len(failing)} failing cases (inputs in {keep}):\n" + "\n".join(failing[:5])
    return summary(outcomes)


def test_fuzzed_inputs_exit_cleanly_in_bounded_memory(tmp_path):
    counts = _fuzz(200, seed=20261207, scale=1, keep=tmp_path / "failing")
    assert set(counts["exits"]) <= {"0", "1", "2"} and counts["tracebacks"] == 0


@pytest.mark.slow
def test_ten_thousand_fuzzed_inputs(tmp_path):
    counts = _fuzz(10_000, seed=15, scale=2, keep=tmp_path / "failing")
    assert counts["cases"] == 10_000 and counts["tracebacks"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("closed", [False, True])
def test_millions_of_short_lines_in_an_open_quote_stay_under_the_bound(tmp_path, closed):
    """3.5M short lines after a quote that never closes (each then a broken record) or
    that closes (one oversized record): the shape of the largest newline cases."""
    from tests.fuzz.cases import Spec

    spec = Spec("newlines", ".csv", (3_500_000, "ab\n", closed))
    (outcome,) = run_cases([("short-lines", spec.suffix, spec.write)], workers=1, keep_failures=tmp_path / "f")
    assert not outcome.problems, (outcome.problems, outcome.stderr[-1000:])
