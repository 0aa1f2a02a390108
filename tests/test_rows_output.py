"""rows.parquet as written: the rows output cell for cell, statistics only on numbers, flags and times."""

import pyarrow.parquet as pq
import polars as pl

from scanner.api import scan
from scanner.report.write import PSEUDONYM_COLUMNS
from tests.test_no_plaintext import SAMPLE


def test_rows_parquet_is_the_rows_output_without_string_statistics(tmp_path, keys):
    result = scan(SAMPLE / "crm_export_gb18030.csv", SAMPLE / "policy.toml", keys=keys, as_of="2026-11-23",
                  batch_rows=700)
    result.write(tmp_path)
    path = tmp_path / "rows.parquet"
    assert pl.read_parquet(path).equals(result.rows)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups > 1  # one per batch
    names = [meta.schema.column(i).path.split(".")[0] for i in range(meta.num_columns)]
    # a string column's min/max would copy its extreme values (a source, a kept note) as
    # they are: only numbers and flags have statistics
    # numbers, flags and times (decided_at too, but no decision is stored here: all null)
    ranged = {"row", "line", "valid", "consent_time"}
    for group in range(meta.num_row_groups):
        for i, name in enumerate(names):
            column = meta.row_group(group).column(i)
            has_min_max = column.is_stats_set and column.statistics.has_min_max
            assert has_min_max == (name in ranged), name
    assert PSEUDONYM_COLUMNS & set(names) == {"phone_token", "phone_masked", "name_token", "name_masked"}
