"""Row outputs kept on disk between the row kernel and the writers (bounded memory).

Everything a scan keeps per row lives on disk, in a private temporary directory (mode 0700,
files 0600, removed with the scan result), so memory does not grow with the rows:

* ``part-*``: the kernel's row outputs (tokens, masks, kept extra columns), batch by batch;
* ``list-*``: the list frame the list analyses read (a number as its ``number_key``, a keyed
  digest; classes, times, flags; never a number or a name);
* ``decided-*``: the list-wide results per row (final finding mask, effective consent);
* ``vault.bin``: the encrypted vault.

:func:`rows_plan` puts parts and results back together by position when the outputs are
written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path
import polars as pl

from scanner.decide import ActiveRules, findings_lookup
from scanner.kernel import gather_by_key

#: The kernel columns a part holds for the rows output, besides the kept extra columns.
SPILL_COLUMNS = ("row", "phone_token", "phone_masked", "valid", "type", "region",
                 "name_token", "name_masked", "email_token", "source")
ROW_OUTPUT_COLUMNS = ("row", "phone_token", "phone_masked", "valid", "type", "region", "findings", "verdict")


class RowStore:
    """Spilled kernel parts, in row order."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="contact-scanner-"))
        os.chmod(self.dir, 0o700)
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.dir), True)
        self.parts: list[tuple[Path, int]] = []
        self.list_parts: list[Path] = []
        self.decided_parts: list[Path] = []

    def add(self, frame: pl.DataFrame) -> None:
        """Spill one batch's row outputs."""
        self.parts.append((self._write("part", len(self.parts), frame), frame.height))

    def add_list(self, frame: pl.DataFrame) -> None:
        """Spill one batch's list-frame rows (what the list analyses read per row)."""
        self.list_parts.append(self._write("list", len(self.list_parts), frame))

    def list_frame(self) -> pl.LazyFrame:
        """The list frame of every batch, in row order."""
        return pl.scan_parquet(self.list_parts)

    def add_decided(self, frame: pl.DataFrame) -> None:
        """The list-wide results of the next list part's rows (same rows, same order)."""
        self.decided_parts.append(self._write("decided", len(self.decided_parts), frame))

    def decided_frame(self) -> pl.LazyFrame:
        return pl.scan_parquet(self.decided_parts)

    def _write(self, kind: str, index: int, frame: pl.DataFrame) -> Path:
        path = self.dir / f"{kind}-{index:06d}.parquet"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            # lz4: the parts are read back once or twice; speed matters more than size here
            frame.write_parquet(fh, compression="lz4", statistics=False)
        return path

    @property
    def vault_path(self) -> Path:
        """Where a scan seals its vault until :meth:`ScanResult.write` copies it out."""
        return self.dir / "vault.bin"

    @property
    def height(self) -> int:
        return sum(n for _, n in self.parts)


def findings_table(store: RowStore, active: ActiveRules) -> pl.DataFrame:
    """``finding_mask -> findings`` for every mask of the list (one lookup per distinct mask)."""
    masks_seen = pl.scan_parquet(store.decided_parts).select(pl.col("finding_mask").unique())
    return findings_lookup(masks_seen.collect(engine="streaming").to_series(), active)


def rows_plan(store: RowStore, lookup: pl.DataFrame, *, extra_out: list[str], kept: list[str],
              part: int | None = None) -> pl.LazyFrame:
    """The rows output (rows.parquet's columns) as a lazy plan over the spilled row-output
    parts and the list-wide results, side by side in row order; ``lookup``: the
    :func:`findings_table`. ``part``: only that batch's rows."""
    chosen = range(len(store.parts)) if part is None else [part]
    outputs = pl.scan_parquet([store.parts[i][0] for i in chosen])
    decided = pl.scan_parquet([store.decided_parts[i] for i in chosen]).select(
        "finding_mask", "verdict", pl.col("consent_class").alias("consent"))
    rows = pl.concat([outputs, decided], how="horizontal")
    return (gather_by_key(rows, "finding_mask", lookup.get_column("finding_mask"), lookup.select("findings"))
            .select(*ROW_OUTPUT_COLUMNS, *extra_out, "source", "consent", *kept))
