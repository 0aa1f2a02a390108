"""Results never depend on how the list is cut into row-kernel batches.

The list-wide facts (duplicates across batches, a number's effective consent, the list
signals, the column checks' samples) must come out the same whether the rows arrive in one
batch or in many small ones.
"""

import json

import polars as pl
import pytest

from scanner.api import scan
from tests.test_golden import FILES, SAMPLE, _stable

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _scan(name, keys, **kwargs):
    suppress = [SAMPLE / "suppression.csv"] if name.startswith("crm") else []
    return scan(SAMPLE / name, SAMPLE / "policy.toml", keys=keys, as_of="2026-11-23", suppress=suppress,
                **kwargs)


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("batch_rows", [97, 700])
def test_batches_give_the_same_results(name, batch_rows, keys, tmp_path):
    whole = _scan(name, keys)
    cut = _scan(name, keys, batch_rows=batch_rows)
    assert len(cut._store.parts) == -(-whole.report["rows"]["total"] // batch_rows)
    assert _stable(cut.report) == _stable(whole.report)
    assert cut.rows.equals(whole.rows)
    cut.write(tmp_path / "cut")
    whole.write(tmp_path / "whole")
    assert pl.read_parquet(tmp_path / "cut" / "rows.parquet").equals(pl.read_parquet(tmp_path / "whole" / "rows.parquet"))
    assert (tmp_path / "cut" / "contactable.csv").read_bytes() == (tmp_path / "whole" / "contactable.csv").read_bytes()
    exposure = [json.loads((tmp_path / d / "report.json").read_text())["exposure"] for d in ("cut", "whole")]
    assert exposure[0] == exposure[1]


def test_duplicates_across_batches_are_found(scan_frame):
    records = [{"phone": "13800138000", "consent": "是"}, {"phone": "13912345678", "consent": "是"},
               {"phone": "+86 138 0013 8000", "consent": "退订"}]
    one = scan_frame(records)
    many = scan_frame(records, batch_rows=1)
    for result in (one, many):
        rows = result.rows
        findings = rows.get_column("findings").to_list()
        assert "DU001" not in findings[0] and {"DU001", "DU002", "CN002"} <= set(findings[2])
        assert {"DU002", "CN002"} <= set(findings[0])
        # the withdrawal in row 3 governs row 1 too (most restrictive consent wins)
        assert rows.get_column("consent").to_list() == ["withdrawn", "granted", "withdrawn"]
    assert one.rows.equals(many.rows)


def test_batch_rows_must_be_positive(scan_frame):
    with pytest.raises(ValueError):
        scan_frame([{"phone": "13800138000"}], batch_rows=0)
