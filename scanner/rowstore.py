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
from typing import Iterator

import polars as pl

from scanner.decide import ActiveRules, findings_lookup, verdict_expr

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
        path = self.dir / f"part-{len(self.parts):06d}.parquet"
        self._write(path, frame)
        self.parts.append((path, frame.height))

    def add_list(self, frame: pl.DataFrame) -> None:
        """Spill one batch's list-frame rows (what the list analyses read per row)."""
        self._write(self.dir / f"list-{len(self.list_parts):06d}.parquet", frame)
        self.list_parts.append(self.dir / f"list-{len(self.list_parts):06d}.parquet")

    def list_frame(self) -> pl.LazyFrame:
        """The list frame of every batch, in row order."""
        return pl.scan_parquet(self.list_parts)

    def add_decided(self, frame: pl.DataFrame) -> None:
        """The list-wide results of the next list part's rows (same rows, same order)."""
        path = self.dir / f"decided-{len(self.decided_parts):06d}.parquet"
        self._write(path, frame)
        self.decided_parts.append(path)

    def decided_frame(self) -> pl.LazyFrame:
        return pl.scan_parquet(self.decided_parts)

    @staticmethod
    def _write(path: Path, frame: pl.DataFrame) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            # lz4: the parts are read back once or twice; speed matters more than size here
            frame.write_parquet(fh, compression="lz4", statistics=False)

    @property
    def vault_path(self) -> Path:
        """Where a scan seals its vault until :meth:`ScanResult.write` copies it out."""
        return self.dir / "vault.bin"

    @property
    def height(self) -> int:
        return sum(n for _, n in self.parts)

    def close(self) -> None:
        self._finalizer()

    def parts_with_offsets(self) -> Iterator[tuple[int, pl.DataFrame]]:
        offset = 0
        for path, height in self.parts:
            yield offset, pl.read_parquet(path)
            offset += height


def findings_table(store: RowStore, active: ActiveRules) -> pl.DataFrame:
    """``finding_mask -> findings`` for every mask of the list (one lookup per distinct mask)."""
    masks_seen = pl.scan_parquet(store.decided_parts).select(pl.col("finding_mask").unique())
    return findings_lookup(masks_seen.collect(engine="streaming").to_series(), active)


def rows_plan(store: RowStore, active: ActiveRules, lookup: pl.DataFrame, *, extra_out: list[str],
              kept: list[str], part: int | None = None) -> pl.LazyFrame:
    """The rows output (rows.parquet's columns) as a lazy plan over the spilled row-output
    parts and the list-wide results, side by side in row order; ``lookup``: the
    :func:`findings_table`. ``part``: only that batch's rows."""
    masks, lists = lookup.get_column("finding_mask"), lookup.get_column("findings")
    at = pl.col("finding_mask").replace_strict(masks, pl.int_range(masks.len(), dtype=pl.UInt32, eager=True),
                                              default=None)
    chosen = range(len(store.parts)) if part is None else [part]
    outputs = pl.scan_parquet([store.parts[i][0] for i in chosen])
    decided = pl.scan_parquet([store.decided_parts[i] for i in chosen]).select("finding_mask", "consent_class")
    return (
        pl.concat([outputs, decided], how="horizontal")
        .with_columns(at.alias("_at"), pl.col("consent_class").cast(pl.String).alias("consent"))
        .with_columns(pl.lit(lists).gather(pl.col("_at")).alias("findings"), verdict_expr(active))
        .select(*ROW_OUTPUT_COLUMNS, *extra_out, "source", "consent", *kept)
    )
