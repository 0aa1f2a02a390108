"""Write a scan's outputs (mode 0600): the whole folder or nothing, no plaintext number.

The rows output is assembled one batch at a time from the scan's spill and appended to
rows.parquet (one Parquet writer) and, for accepted rows, contactable.csv (one header), so
writing a list never holds its rows.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any, Callable

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from scanner.concurrency import InOrderWorker
from scanner.manifest import MANIFEST
from scanner.errors import OutputExposure
from scanner.i18n import Joined, Text
from scanner.privacy.exposure import Needles, exposure_metrics, plaintext_in_text
from scanner.privacy.safe_files import atomic_write_bytes, atomic_writer, neutralize_formulas
from scanner.report.build import report_json
from scanner.report.folder import OutputFolder

#: Row-output columns holding tokens or masks (one distinct value per number or name).
PSEUDONYM_COLUMNS = frozenset({"phone_token", "phone_masked", "name_token", "name_masked", "email_token"})


def contactable_of(rows: pl.DataFrame) -> pl.DataFrame:
    """contactable.csv's rows: the accepted rows, minimal columns."""
    return rows.filter(pl.col("verdict") == "accept").select("row", "line", "phone_token", "phone_masked")


def write_outputs(result: Any, out_dir: Path,
                  before_commit: Callable[[], None] | None = None, *, html: bool = True,
                  lang: str = "en") -> dict[str, Path]:
    """Write a scan's (:class:`scanner.api.ScanResult`) report.json, rows.parquet,
    contactable.csv (and vault.bin, and with ``html`` report.html in ``lang``) into
    ``out_dir``, then manifest.json (the commit, :mod:`scanner.report.folder`). Returns
    kind -> final path.

    Every file is first written into the folder's staging area and checked there: anything
    raised before the commit (an I/O error, a failed exposure check, a signal, or raised by
    ``before_commit``, called once every file is staged) leaves ``out_dir`` exactly as it was.
    """
    if html:
        from scanner.report.html import draw_charts, report_html

        drawn = draw_charts(result.report, lang)  # while the rows are written
    with OutputFolder(out_dir) as folder:
        staged = {"rows": folder.path("rows.parquet"), "contactable": folder.path("contactable.csv")}
        _write_rows(result, staged["rows"], staged["contactable"])
        if result.policy.privacy.vault:
            staged["vault"] = _write_vault(result, folder.path("vault.bin"))
        needles = _add_exposure(result, staged)
        exposure = result.report["exposure"]
        # Recorded before serializing, so the text checked is exactly the text written.
        for name in ("report.json", *(["report.html"] if html else [])):
            exposure["files_checked"][name] = 0
            exposure["checks"]["searched"][name] = ["text"]
        text = report_json(result.report)
        in_report = {"report.json": plaintext_in_text(text, None, needles=needles)}
        if html:
            page = report_html(result.report, lang=lang, drawn=drawn)
            in_report["report.html"] = plaintext_in_text(page, None, needles=needles)
        if exposure["plaintext_numbers_written"] or any(in_report.values()):
            # fail closed: raised before the commit, so --out is left as it was
            raise OutputExposure(_exposure_message(exposure, in_report))
        staged["report"] = atomic_write_bytes(folder.path("report.json"), text.encode("utf-8"))
        if html:
            staged["html"] = atomic_write_bytes(folder.path("report.html"), page.encode("utf-8"))
        if before_commit is not None:
            before_commit()
        final = folder.commit(scan_id=result.report["scan"]["id"], keys=result.keys)
    written = {kind: final[path.name] for kind, path in staged.items()}
    written["manifest"] = final[MANIFEST]
    return written


def _write_rows(result: Any, rows_path: Path, csv_path: Path) -> None:
    """rows.parquet and contactable.csv, part by part (memory bounded by two batches): one
    Parquet writer, one CSV under one header; a part is written on a worker thread while
    the next one is assembled."""
    with atomic_writer(rows_path) as rows_fh, atomic_writer(csv_path) as csv_fh:
        writer: list[pq.ParquetWriter] = []

        def append(part: pl.DataFrame, first: bool) -> None:
            table = part.to_arrow()
            if first:
                # min/max statistics only for numbers, booleans and times: a string column's
                # would copy its extreme values out of reach of the masking (and no reader
                # filters on ranges of tokens, masks or text)
                stats = [f.name for f in table.schema if f.name not in PSEUDONYM_COLUMNS and _ranged(f.type)]
                writer.append(pq.ParquetWriter(rows_fh, table.schema, compression="zstd", compression_level=1,
                                               write_statistics=stats))
            writer[0].write_table(table)
            neutralize_formulas(contactable_of(part)).write_csv(csv_fh, include_header=first)

        try:
            with InOrderWorker("contact-scanner-write") as background:
                for i, part in enumerate(result.iter_rows()):
                    background.submit(lambda part=part, first=i == 0: append(part, first))
                background.join()
            writer[0].close()
        except BaseException:
            # closed while its file is still open (the worker has stopped): left to the
            # garbage collector, it would write its footer to a closed file
            if writer and writer[0].is_open:
                with contextlib.suppress(Exception):
                    writer[0].close()
            raise


def _ranged(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind) or \
        pa.types.is_temporal(kind)


def _exposure_message(exposure: dict, in_report: dict[str, int]) -> Text:
    """Where the plaintext check found numbers (files, columns, parts; never a number)."""
    found = exposure["checks"]["found_in"]
    places = []
    for name, n in exposure["files_checked"].items():
        if not n:
            continue
        parts = [c[len(name) + 1:] for c in found if c.startswith(name + " ")]
        if name == "rows.parquet":
            parts = [Text("column {column!r}", column=c) for c in found
                     if " " not in c or not c.startswith("rows.parquet ")] + parts
        places.append(Text("{name} ({parts})", name=name, parts=Joined(", ", parts)) if parts else name)
    places += [name for name, n in in_report.items() if n]
    total = exposure["plaintext_numbers_written"] + sum(in_report.values())
    return Text("refused to write the outputs: the plaintext check found {n} phone number(s) in {places}; nothing "
                "was written (is a [columns] keep_verbatim column a copy of numbers?)", n=total,
                places=Joined("; ", places))


def _write_vault(result: Any, path: Path) -> Path:
    """Copy the vault the scan sealed (encrypted, bound to this scan's id) into the outputs."""
    with open(result._store.vault_path, "rb") as src, atomic_writer(path) as fh:
        shutil.copyfileobj(src, fh, 1 << 24)
    return path


def _add_exposure(result: Any, written: dict[str, Path]):
    """Exposure metrics from the files actually written; returns the needle table for reuse."""
    numbers = result.distinct_numbers()
    needles = Needles.of(numbers)
    # the national numbers are read only as needles: not held through the check
    numbers = numbers.drop("national_number")
    result.report["exposure"] = exposure_metrics(
        rows=pl.scan_parquet(written["rows"]),
        files=[p for k, p in written.items() if k != "vault"],
        numbers=numbers,
        needles=needles,
        rows_with_number=result.rows_with_number,
    )
    return needles
