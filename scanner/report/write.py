"""Write a scan's outputs atomically (mode 0600): nothing half-written, no plaintext number.

The rows output is assembled one batch at a time from the scan's spill and appended to
rows.parquet (one Parquet writer) and, for accepted rows, contactable.csv (one header), so
writing a list never holds its rows.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pyarrow.parquet as pq

from scanner.concurrency import InOrderWorker
from scanner.privacy.exposure import Needles, exposure_metrics, plaintext_in_text
from scanner.privacy.safe_files import atomic_write_bytes, atomic_writer, neutralize_formulas

#: Row-output columns holding tokens or masks (one distinct value per number or name).
PSEUDONYM_COLUMNS = frozenset({"phone_token", "phone_masked", "name_token", "name_masked", "email_token"})

if TYPE_CHECKING:
    from scanner.api import ScanResult


def write_outputs(result: "ScanResult", out_dir: Path) -> dict[str, Path]:
    """Write report.json, rows.parquet, contactable.csv (and vault.bin) into ``out_dir``."""
    from scanner.api import contactable_of, report_json

    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    # Part by part (memory bounded by two batches): one Parquet writer, one CSV under one
    # header; a part is written on a worker thread while the next one is assembled.
    with (atomic_writer(out_dir / "rows.parquet") as rows_fh, atomic_writer(out_dir / "contactable.csv") as csv_fh,
          InOrderWorker("contact-scanner-write") as background):
        writer: list[pq.ParquetWriter] = []

        def append(part: pl.DataFrame, first: bool) -> None:
            table = part.to_arrow()
            if first:
                # no min/max statistics for the pseudonym columns: they help no reader (no
                # filter ranges over tokens) and cost an eighth of the writing
                stats = [c for c in table.column_names if c not in PSEUDONYM_COLUMNS]
                writer.append(pq.ParquetWriter(rows_fh, table.schema, compression="zstd", compression_level=1,
                                               write_statistics=stats))
            writer[0].write_table(table)
            neutralize_formulas(contactable_of(part)).write_csv(csv_fh, include_header=first)

        for i, part in enumerate(result.iter_rows()):
            background.submit(lambda part=part, first=i == 0: append(part, first))
        background.join()
        writer[0].close()
    written["rows"] = out_dir / "rows.parquet"
    written["contactable"] = out_dir / "contactable.csv"
    if result.policy.privacy.vault:
        written["vault"] = _write_vault(result, out_dir / "vault.bin")
    needles = _add_exposure(result, written)
    # Recorded before serializing, so the text checked is exactly the text written.
    result.report["exposure"]["files_checked"]["report.json"] = 0
    text = report_json(result.report)
    if plaintext_in_text(text, None, needles=needles):
        # a bug, never a user error: refuse to write rather than leak
        raise AssertionError("report.json would contain a plaintext phone number")
    written["report"] = atomic_write_bytes(out_dir / "report.json", text.encode("utf-8"))
    return written


def _write_vault(result: "ScanResult", path: Path) -> Path:
    """Copy the vault the scan sealed (encrypted, bound to this scan's id) into the outputs."""
    with open(result._store.vault_path, "rb") as src, atomic_writer(path) as fh:
        shutil.copyfileobj(src, fh, 1 << 24)
    return path


def _add_exposure(result: "ScanResult", written: dict[str, Path]):
    """Exposure metrics from the files actually written; returns the needle table for reuse."""
    numbers = result.distinct_numbers()
    needles = Needles.of(numbers)
    result.report["exposure"] = exposure_metrics(
        rows=pl.scan_parquet(written["rows"]),
        files=[p for k, p in written.items() if k != "vault"],
        numbers=numbers,
        needles=needles,
        rows_with_number=result.rows_with_number,
    )
    return needles
