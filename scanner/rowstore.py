"""Row outputs kept on disk between the row kernel and the writers (bounded memory).

Everything a scan keeps per row lives on disk, in a private temporary directory (mode 0700,
files 0600, removed with the scan result), so memory does not grow with the rows:

* ``part-*``: the kernel's row outputs (tokens, masks, kept extra columns), batch by batch;
* ``list-*``: the list frame the list analyses read (a number as its ``number_key``, a keyed
  digest; classes, times, flags; never a number or a name);
* ``decided-*``: the list-wide results per row (final finding mask, effective consent);
* ``numbers-*``: the per-number partial table (distinct numbers with their duplicate aggregates) in hash
  partitions, merged once when the input is read (:class:`PartitionedTable`); the merged
  distinct-numbers table stays here, one file per partition (:class:`SpilledTable`). The distinct
  numbers are plaintext, so these files are sealed with AES-256-GCM under an ephemeral key
  that only this process's memory holds (as the vault's spool): on disk they are noise, and
  a file altered, swapped or replayed fails to open;
* ``vault.bin``: the encrypted vault;
* ``owner.pid``: the scanning process, so that a later scan removes the directory of one
  that was killed before it could (:func:`sweep_abandoned`).

:func:`rows_plan` puts parts and results back together by position when the outputs are
written.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Callable

import polars as pl
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from scanner import interrupt
from scanner.contact import rows_of_pairs
from scanner.decide import ActiveRules, findings_lookup
from scanner.kernel import gather_by_key
from scanner.privacy.safe_files import exclusive_writer, private_temp_dir

#: The kernel columns a part holds for the rows output, besides the kept extra columns.
SPILL_COLUMNS = ("row", "line", "phone_token", "phone_masked", "valid", "type", "region",
                 "name_token", "name_masked", "email_token", "source", "consent_at", "consent_from")
ROW_OUTPUT_COLUMNS = ("row", "line", "phone_token", "phone_masked", "valid", "type", "region", "findings", "verdict",
                      "decision", "decided_at")
#: rows.parquet's own column names (a kept column is written under another one)
ROW_OUTPUT_NAMES = (*ROW_OUTPUT_COLUMNS, "contact_column", "name_token", "name_masked", "email_token", "source",
                    "consent", "consent_time", "consent_from", "phones")


SPILL_PREFIX = "contact-scanner-"
OWNER_FILE = "owner.pid"


def sweep_abandoned(parent: str | os.PathLike | None = None) -> list[Path]:
    """Remove the spill directories of this user's scans whose process is gone (killed
    before their clean-up ran); returns them. A directory is left alone unless it names
    its owner and that process no longer exists (a directory being created, or one of a
    running scan, is never touched)."""
    removed = []
    for candidate in Path(parent or tempfile.gettempdir()).glob(SPILL_PREFIX + "*"):
        try:
            if not candidate.is_dir() or candidate.is_symlink() or candidate.stat().st_uid != os.getuid():
                continue
            pid = int((candidate / OWNER_FILE).read_text().strip())
        except (OSError, ValueError):
            continue
        if pid != os.getpid() and not process_exists(pid):
            shutil.rmtree(candidate, ignore_errors=True)
            removed.append(candidate)
    return removed


def _remove_spill(path: Path, abort: int) -> None:
    interrupt.forget(abort)
    interrupt.remove_folder(path)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


class RowStore:
    """Spilled kernel parts, in row order."""

    def __init__(self) -> None:
        sweep_abandoned()
        self.dir = private_temp_dir(SPILL_PREFIX)
        # removed with the result, or at once if the process is ended on a signal
        abort = interrupt.on_abort(lambda path=self.dir: interrupt.remove_folder(path))
        self._finalizer = weakref.finalize(self, _remove_spill, self.dir, abort)
        with exclusive_writer(self.dir / OWNER_FILE) as fh:
            fh.write(str(os.getpid()).encode())
        self.parts: list[tuple[Path, int]] = []
        self.list_parts: list[Path] = []
        self.decided_parts: list[Path] = []
        self._sealing_key = AESGCM(AESGCM.generate_key(bit_length=256))
        self._sealed = 0

    def add(self, frame: pl.DataFrame, rows: int | None = None) -> None:
        """Spill one batch's row outputs (``rows``: the input rows they hold, when its
        records are (row, number) pairs)."""
        self.parts.append((self._write("part", f"{len(self.parts):06d}", frame),
                           frame.height if rows is None else rows))

    def add_list(self, frame: pl.DataFrame) -> None:
        """Spill one batch's list-frame rows (what the list analyses read per row)."""
        self.list_parts.append(self._write("list", f"{len(self.list_parts):06d}", frame))

    def list_frame(self) -> pl.LazyFrame:
        """The list frame of every batch, in row order."""
        return pl.scan_parquet(self.list_parts)

    def add_decided(self, frame: pl.DataFrame) -> None:
        """The list-wide results of the next list part's rows (same rows, same order)."""
        self.decided_parts.append(self._write("decided", f"{len(self.decided_parts):06d}", frame))

    def decided_frame(self) -> pl.LazyFrame:
        return pl.scan_parquet(self.decided_parts)

    def partitioned(self, kind: str, key: str, merge: Callable[[pl.DataFrame], pl.DataFrame],
                    partitions: int = 16) -> "PartitionedTable":
        """A per-key table gathered batch by batch (see :class:`PartitionedTable`)."""
        return PartitionedTable(self, kind, key, merge, partitions)

    def _write(self, kind: str, index: str, frame: pl.DataFrame) -> Path:
        path = self.dir / f"{kind}-{index}.parquet"
        with exclusive_writer(path) as fh:
            # lz4: the parts are read back once or twice; speed matters more than size here
            frame.write_parquet(fh, compression="lz4", statistics=False)
        return path

    def _write_sealed(self, kind: str, index: str, frame: pl.DataFrame) -> Path:
        """Like :meth:`_write`, the file sealed under the ephemeral key (nonce: a counter;
        associated data: the file name, so no file passes for another)."""
        path = self.dir / f"{kind}-{index}.sealed"
        buffer = io.BytesIO()
        # uncompressed: tokens and numbers hardly compress, and lz4 doubles the writing time
        frame.write_parquet(buffer, compression="uncompressed", statistics=False)
        self._sealed += 1
        nonce = self._sealed.to_bytes(12, "big")
        sealed = nonce + self._sealing_key.encrypt(nonce, buffer.getbuffer(), path.name.encode())
        with exclusive_writer(path) as fh:
            fh.write(sealed)
        return path

    def _read_sealed(self, path: Path, columns: list[str] | None = None) -> pl.DataFrame:
        sealed = path.read_bytes()
        plain = self._sealing_key.decrypt(sealed[:12], sealed[12:], path.name.encode())
        del sealed
        return pl.read_parquet(io.BytesIO(plain), columns=columns)

    @property
    def vault_path(self) -> Path:
        """Where a scan seals its vault until :meth:`ScanResult.write` copies it out."""
        return self.dir / "vault.bin"

    @property
    def height(self) -> int:
        return sum(n for _, n in self.parts)


class PartitionedTable:
    """Per-key partial tables (one per batch) spilled in ``partitions`` parts by a hash of
    ``key``, combined by ``merge`` (associative: merging merged tables gives the same table).

    A key's partials all land in one part, so merging part by part is merging the whole.
    A part whose unmerged partials outgrow :data:`COMPACT_ROWS` (and its merged table so
    far) is merged into one file as it goes, so one part never holds more than about
    ``max(COMPACT_ROWS, its distinct keys)`` partial rows whatever the number of batches:
    memory follows the distinct keys, not the rows, and each partial row is merged a
    small number of times.
    """

    #: Unmerged partial rows a part may hold before it is merged (see the class docstring).
    #: Each merge holds its inputs and its result at once, so this bounds the transient
    #: memory of a merge; a lower bound merges more often.
    COMPACT_ROWS = 1 << 20

    def __init__(self, store: RowStore, kind: str, key: str, merge: Callable[[pl.DataFrame], pl.DataFrame],
                 partitions: int):
        self.store, self.kind, self.key, self.merge, self.partitions = store, kind, key, merge, partitions
        self.files: list[list[Path]] = [[] for _ in range(partitions)]
        self.merged_rows = [0] * partitions  # rows of a part's merged file (its first), if any
        self.pending_rows = [0] * partitions
        self.batches = 0
        self.schema: pl.Schema | None = None

    def add(self, frame: pl.DataFrame) -> None:
        self.schema = frame.schema
        parts = frame.with_columns((pl.col(self.key).hash() % self.partitions).alias("_part")).partition_by(
            "_part", as_dict=True, include_key=False)
        for (part,), rows in parts.items():
            self.files[part].append(self.store._write_sealed(self.kind, f"{part:03d}-{self.batches:06d}", rows))
            self.pending_rows[part] += rows.height
            if self.pending_rows[part] > max(self.COMPACT_ROWS, self.merged_rows[part]):
                self._compact(part)
        self.batches += 1

    def _compact(self, part: int) -> None:
        files = self.files[part]
        table = self._merged_part(part)
        merged = self.store._write_sealed(self.kind, f"{part:03d}-{self.batches:06d}-merged", table)
        for path in files:
            path.unlink()
        self.files[part], self.merged_rows[part], self.pending_rows[part] = [merged], table.height, 0

    def _merged_part(self, part: int) -> pl.DataFrame:
        return self.merge(pl.concat([self.store._read_sealed(f) for f in self.files[part]]))

    def merged(self, finish: Callable[[pl.DataFrame], pl.DataFrame] | None = None) -> pl.DataFrame:
        """The merged table (``finish``: applied to each part's merged table), concatenated."""
        return self.merged_each(finish or (lambda t: t))[0]

    def merged_each(self, *finishers: Callable[[pl.DataFrame], pl.DataFrame]) -> tuple[pl.DataFrame, ...]:
        """One table per finisher: each part merged once, every finisher applied to it, and
        each finisher's results concatenated (the whole merged table is never held)."""
        if self.schema is None:
            raise ValueError(f"no batch was added to the {self.kind} table")
        if not any(self.files):
            empty = self.merge(pl.DataFrame(schema=self.schema))
            return tuple(finish(empty) for finish in finishers)
        results: list[list[pl.DataFrame]] = [[] for _ in finishers]
        for part, files in enumerate(self.files):
            if files:
                table = self._merged_part(part)
                for k, finish in enumerate(finishers):
                    results[k].append(finish(table))
                del table
        return tuple(pl.concat(tables) for tables in results)

    def merged_spilled(self, kept: Callable[[pl.DataFrame], pl.DataFrame],
                       *finishers: Callable[[pl.DataFrame], pl.DataFrame]) -> tuple:
        """As :meth:`merged_each`, but ``kept``'s results stay on disk, sealed, one file per
        part (a :class:`SpilledTable`, first in the tuple): a table as large as the distinct
        keys is then never held whole, only the columns a reader asks for."""
        paths: list[Path] = []
        height = 0

        def spill(table: pl.DataFrame) -> pl.DataFrame:
            nonlocal height
            done = kept(table)
            paths.append(self.store._write_sealed(f"{self.kind}-kept", f"{len(paths):03d}", done))
            height += done.height
            return done.clear()

        empty, *results = self.merged_each(spill, *finishers)
        return (SpilledTable(self.store, paths, empty, height), *results)


class SpilledTable:
    """A table kept on disk in sealed parts (:meth:`PartitionedTable.merged_spilled`), read
    a few columns at a time: :meth:`map` runs a function on each part and concatenates the
    results, so a reader that reduces each part holds one part at a time."""

    def __init__(self, store: RowStore, paths: list[Path], empty: pl.DataFrame, height: int):
        self.store, self.paths, self.empty, self.height = store, paths, empty, height

    @property
    def columns(self) -> list[str]:
        return self.empty.columns

    def map(self, func: Callable[[pl.DataFrame], pl.DataFrame], columns: list[str] | None = None) -> pl.DataFrame:
        """``func`` of each part (of only ``columns``, by default all), concatenated."""
        if not self.paths:
            return func(self.empty if columns is None else self.empty.select(columns))
        return pl.concat([func(self.store._read_sealed(path, columns)) for path in self.paths])

    def select(self, *columns: str) -> pl.DataFrame:
        return self.map(lambda part: part, list(columns))

    def get_column(self, name: str) -> pl.Series:
        return self.select(name).get_column(name)

    def frame(self) -> pl.DataFrame:
        """The whole table (small lists and tests: a large one is better read by :meth:`map`)."""
        return self.map(lambda part: part)


def findings_table(store: RowStore, active: ActiveRules) -> pl.DataFrame:
    """``finding_mask -> findings`` for every mask of the list (one lookup per distinct mask)."""
    masks_seen = pl.scan_parquet(store.decided_parts).select(pl.col("finding_mask").unique())
    return findings_lookup(masks_seen.collect(engine="streaming").to_series(), active)


def rows_plan(store: RowStore, lookup: pl.DataFrame, *, extra_out: list[str], kept: list[str],
              part: int | None = None, phone_headers: tuple[str, ...] = ("phone",)) -> pl.LazyFrame:
    """The rows output (rows.parquet's columns) as a lazy plan over the spilled row-output
    parts and the list-wide results, side by side in row order; ``lookup``: the
    :func:`findings_table`. ``part``: only that batch's rows. ``phone_headers``: the phone
    columns' headers, primary first; with several, the parts hold (row, number) pairs,
    folded into one row each with ``phones`` (:func:`scanner.contact.rows_of_pairs`)."""
    chosen = range(len(store.parts)) if part is None else [part]
    outputs = pl.scan_parquet([store.parts[i][0] for i in chosen])
    multi = len(phone_headers) > 1
    decided = pl.scan_parquet([store.decided_parts[i] for i in chosen]).select(
        "finding_mask", "verdict", "decision", "decided_at", pl.col("consent_class").alias("consent"),
        *(["is_contact"] if multi else []))
    rows = pl.concat([outputs, decided], how="horizontal")
    rows = gather_by_key(rows, "finding_mask", lookup.get_column("finding_mask"), lookup.select("findings"))
    rows = rows.rename({"consent_at": "consent_time"})
    consent = ("source", "consent", "consent_time", "consent_from")
    columns = [*ROW_OUTPUT_COLUMNS, *extra_out, *consent, *kept]
    if multi:
        return rows_of_pairs(rows, phone_headers, columns).select(
            *ROW_OUTPUT_COLUMNS, "contact_column", *extra_out, *consent, *kept, "phones")
    return rows.select(*ROW_OUTPUT_COLUMNS, pl.lit(phone_headers[0]).alias("contact_column"),
                       *extra_out, *consent, *kept)
