"""Row outputs kept on disk between the row kernel and the writers (bounded memory).

The kernel's per-row output columns (tokens, masks, kept extra columns: never a plaintext
number) are spilled batch by batch to Parquet parts in a private temporary directory
(mode 0700, files 0600, removed with the scan result). The list-wide results (the final
finding mask, the effective consent) stay in memory as narrow columns; :meth:`RowStore.rows`
joins them back onto each part by position when the outputs are written.
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

    def add(self, frame: pl.DataFrame) -> None:
        path = self.dir / f"part-{len(self.parts):06d}.parquet"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            # lz4: the parts are read back once; speed matters more than size here
            frame.write_parquet(fh, compression="lz4", statistics=False)
        self.parts.append((path, frame.height))

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


def output_rows(store: RowStore, decided: pl.DataFrame, active: ActiveRules, *,
                extra_out: list[str], kept: list[str]) -> Iterator[pl.DataFrame]:
    """The rows output (rows.parquet's columns), one part at a time.

    ``decided``: per row, in row order, ``finding_mask`` (final) and ``consent_class``.
    """
    lookup = findings_lookup(decided.get_column("finding_mask"), active)
    masks, lists = lookup.get_column("finding_mask"), lookup.select("findings")
    index = pl.int_range(masks.len(), dtype=pl.UInt32, eager=True)
    for offset, part in store.parts_with_offsets():
        here = decided.slice(offset, part.height)
        part = part.with_columns(
            here.get_column("finding_mask").alias("finding_mask"),
            here.get_column("consent_class").cast(pl.String).alias("consent"),
        )
        at = pl.col("finding_mask").replace_strict(masks, index, default=None)
        part = part.with_columns(pl.lit(lists.get_column("findings")).gather(at).alias("findings"),
                                 verdict_expr(active))
        yield part.select(*ROW_OUTPUT_COLUMNS, *extra_out, "source", "consent", *kept)
