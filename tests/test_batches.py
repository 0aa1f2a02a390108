"""Results never depend on how the list is cut into row-kernel batches.

The list-wide facts (duplicates across batches, a number's effective consent, the list
signals, the column checks' samples) must come out the same whether the rows arrive in one
batch or in many small ones.
"""

import json

import polars as pl
import pytest

from scanner.api import scan
from scanner.ingest import headers
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


@pytest.mark.parametrize("name", [f for f in FILES if not f.endswith(".xlsx")])
def test_reading_in_small_batches_gives_the_same_results(name, keys, monkeypatch):
    # the header and columns are decided on the first records, read as one batch: fewer
    # of them here, so that the sample lists span several batches
    monkeypatch.setattr(headers, "SAMPLE_ROWS", 1000)
    whole = _scan(name, keys)
    cut = _scan(name, keys, batch_bytes=4096)
    assert len(cut._store.parts) > 1 or whole.report["rows"]["total"] <= 1000
    assert _stable(cut.report) == _stable(whole.report)
    assert cut.rows.equals(whole.rows)


def test_a_bad_byte_late_in_the_input_leaves_no_new_key(tmp_path):
    from scanner.errors import InputError

    lines = ["phone,consent"] + [f"1380013{i:04d},是" for i in range(3000)]
    data = "\n".join(lines).encode("utf-8") + b"\n13800138000,\xff\xfe\n"
    path = tmp_path / "late.csv"
    path.write_bytes(data)
    state = tmp_path / "state"
    with pytest.raises(InputError) as err:
        scan(path, None, state_dir=state, as_of="2026-11-23", batch_bytes=4096)
    assert err.value.line == 3002
    assert not (state / "key.json").exists()
    # the same list without the bad byte creates the key (once read to the end)
    path.write_bytes(data[: data.rindex(b"\n13800138000,")] + b"\n")
    result = scan(path, None, state_dir=state, as_of="2026-11-23", batch_bytes=4096)
    assert (state / "key.json").exists() and result.keys.key_id in (state / "key.json").read_text()


def test_per_number_counts_from_the_number_table_match_the_rows(keys):
    """The counts a scan takes from its per-number tables (duplicate numbers, valid tokens,
    the numbers table's per-number facts) equal the same counts over the rows."""
    from scanner.analyses.signals import NUMBER_FACTS

    result = scan(SAMPLE / "crm_export_gb18030.csv", SAMPLE / "policy.toml", keys=keys, as_of="2026-11-23",
                  batch_rows=300)
    work = result._list.collect()
    dup_numbers = work.filter(pl.col("is_duplicate")).get_column("number_key").n_unique()
    assert dup_numbers > 0 and result.report["list"]["duplicates"]["numbers"] == dup_numbers
    valid = work.filter(pl.col("valid")).get_column("number_key").unique()
    tokens = result._number_table.filter(pl.col("number_key").is_in(valid.implode())).get_column("phone_token")
    assert result.valid_tokens().to_list() == tokens.sort().to_list()
    table = result._number_table
    assert NUMBER_FACTS <= set(table.columns) and table.get_column("number_key").is_unique().all()
    per_number = (work.filter(pl.col("number_key").is_not_null()).group_by("number_key")
                  .agg(pl.max_horizontal(pl.col("valid", "type", "segment").n_unique()).alias("kinds"),
                       pl.col("source_class").is_null().any().alias("any_unapproved_source")))
    assert per_number.get_column("kinds").max() == 1  # functions of the number
    joined = per_number.join(table, on="number_key", how="full", suffix="_t")
    assert joined.get_column("any_unapproved_source").eq_missing(joined.get_column("any_unapproved_source_t")).all()
