"""Write a scan's outputs atomically (mode 0600): nothing half-written, no plaintext number."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from scanner.privacy.exposure import Needles, exposure_metrics, plaintext_in_text
from scanner.privacy.safe_files import atomic_write_bytes, atomic_write_csv, atomic_writer
from scanner.privacy.vault import write_vault

if TYPE_CHECKING:
    from scanner.api import ScanResult


def write_outputs(result: "ScanResult", out_dir: Path) -> dict[str, Path]:
    """Write report.json, rows.parquet, contactable.csv (and vault.bin) into ``out_dir``."""
    from scanner.api import report_json

    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    with atomic_writer(out_dir / "rows.parquet") as fh:  # straight to the file: no copy in memory
        result.rows.write_parquet(fh)
    written["rows"] = out_dir / "rows.parquet"
    written["contactable"] = atomic_write_csv(out_dir / "contactable.csv", result.contactable)
    if result.policy.privacy.vault:
        written["vault"] = _write_vault(result, out_dir / "vault.bin")
    needles = _add_exposure(result, written)
    # Recorded before serializing, so the text checked is exactly the text written.
    result.report["exposure"]["files_checked"]["report.json"] = 0
    text = report_json(result.report)
    if plaintext_in_text(text, result._numbers, needles=needles):
        # a bug, never a user error: refuse to write rather than leak
        raise AssertionError("report.json would contain a plaintext phone number")
    written["report"] = atomic_write_bytes(out_dir / "report.json", text.encode("utf-8"))
    return written


def _write_vault(result: "ScanResult", path: Path) -> Path:
    cols = ["row", "phone_token", "e164"]
    if result.policy.privacy.vault_names:
        cols.append("name")
    mapping = result._numbers.filter(pl.col("e164").is_not_null()).select(cols)
    write_vault(path, mapping, scan_id=result.report["scan"]["id"], keys=result.keys)
    return path


def _add_exposure(result: "ScanResult", written: dict[str, Path]):
    """Exposure metrics from the files actually written; returns the needle table for reuse."""
    needles = Needles.of(result._numbers)
    result.report["exposure"] = exposure_metrics(
        rows=result.rows,
        files=[p for k, p in written.items() if k != "vault"],
        numbers=result._numbers,
        needles=needles,
    )
    return needles
