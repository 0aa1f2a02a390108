"""A scan's output folder: files staged inside it, one commit, and the sweep of what a killed
scan left behind.

A scan writes its files into a private staging folder inside ``--out``
(``.contact-scanner-staging.<pid>.<random>``, mode 0700), so a scan stopped or failing at
any point before the commit leaves ``--out`` as it was: the staging folder is removed (or,
after ``SIGKILL``, by the next scan into the folder). The commit then, under the folder's
exclusive lock (:func:`scanner.manifest.folder_lock`):

1. removes the old ``manifest.json`` (from here until step 4 readers refuse the folder);
2. removes the scanner's own files the new scan does not write (a ``vault.bin`` of an older
   scan with the vault on, say);
3. renames each staged file onto its name;
4. renames the new ``manifest.json`` into place: the commit point.

Each step is made durable (``fsync`` of the folder) before the next. Killed at any moment, the
folder is the old complete scan (before 1), the new complete scan (after 4), or a folder
without a manifest, which every reader refuses; never a mix a reader accepts. Files whose
names the scanner does not use are never touched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from scanner import interrupt
from scanner.errors import InputError, WriteError
from scanner.io_errors import check_fault, writing
from scanner.manifest import MANIFEST, OWN_FILES, build_manifest, folder_lock, manifest_bytes
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.safe_files import atomic_write_bytes, make_dir
from scanner.rowstore import process_exists

STAGING_PREFIX = ".contact-scanner-staging."


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sweep_leftovers(out: Path) -> list[Path]:
    """Remove what killed scans left in ``out``: staging folders whose process is gone, and
    temporary files of the scanner's own names (``.rows.parquet.*.tmp``…). Returns them."""
    removed = []
    with os.scandir(out) as entries:
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(STAGING_PREFIX) and entry.is_dir(follow_symlinks=False):
                try:
                    pid = int(entry.name[len(STAGING_PREFIX):].split(".")[0])
                except ValueError:
                    pid = None
                if entry.name.endswith(".removing") or pid is None or (pid != os.getpid() and not process_exists(pid)):
                    interrupt.remove_folder(path)
                    removed.append(path)
            elif entry.is_file(follow_symlinks=False) and entry.name.endswith(".tmp") and any(
                    entry.name.startswith(f".{own}.") for own in (*OWN_FILES, MANIFEST)):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                removed.append(path)
    return removed


class OutputFolder:
    """Stage a scan's files inside ``out`` (:meth:`path`), then :meth:`commit` them.

    Leaving the with-block without a commit (an error, a failed check, a signal) removes the
    staging folder, and ``out`` itself if this scan created it: ``out`` is as it was.
    """

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out)
        self.staging: Path | None = None
        self.committed = False

    def __enter__(self) -> "OutputFolder":
        self._created = not self.out.exists()
        if self.out.exists() and not self.out.is_dir():
            raise InputError("--out is not a folder", path=str(self.out))
        make_dir(self.out)
        self._abort = interrupt.on_abort(self._discard)
        sweep_leftovers(self.out)
        staging = self.out / f"{STAGING_PREFIX}{os.getpid()}.{secrets.token_hex(6)}"
        try:
            # known to the clean-up before it exists: a signal between the two would leave it
            with interrupt.critical():
                self.staging = staging
                with writing(self.out):
                    check_fault(staging, "create")
                    os.mkdir(staging, 0o700)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._discard()
        finally:
            interrupt.forget(self._abort)
        error = exc[1] if exc else None
        if isinstance(error, WriteError) and self.staging and error.path and Path(error.path).parent == self.staging:
            # the user knows the file by its name in --out, not in the staging folder
            raise WriteError(error.text, path=str(self.out / Path(error.path).name)) from error

    def _discard(self) -> None:
        if self.staging is not None:
            interrupt.remove_folder(self.staging)
        if self._created and not self.committed:
            with contextlib.suppress(OSError):
                self.out.rmdir()  # only if empty: this scan made it and put nothing in it

    def path(self, name: str) -> Path:
        """Where to write the scan file ``name`` (one of :data:`scanner.manifest.OWN_FILES`)."""
        if name not in OWN_FILES:
            raise ValueError(f"not a scan output file name: {name!r}")
        return self.staging / name

    def commit(self, *, scan_id: str, keys: KeyMaterial) -> dict[str, Path]:
        """Move the staged files into ``out`` and write the manifest last (module docstring).
        Returns file name -> final path, the manifest included."""
        interrupt.raise_if_stopped()
        staged = sorted(n for n in OWN_FILES if (self.staging / n).is_file())
        manifest = build_manifest(self.staging, staged, scan_id=scan_id, keys=keys)
        atomic_write_bytes(self.staging / MANIFEST, manifest_bytes(manifest, keys))
        for name in (*OWN_FILES, MANIFEST):
            target = self.out / name
            if target.is_dir() and not target.is_symlink():
                raise InputError("{name} in the output folder is a folder; cannot replace it", path=str(target), name=name)
        with folder_lock(self.out, exclusive=True), interrupt.critical():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.out / MANIFEST)
            _fsync_dir(self.out)
            for name in OWN_FILES:
                if name not in staged and os.path.lexists(self.out / name):
                    os.unlink(self.out / name)
            for name in staged:
                with writing(self.out / name):
                    os.replace(self.staging / name, self.out / name)
            _fsync_dir(self.out)
            with writing(self.out / MANIFEST):
                os.replace(self.staging / MANIFEST, self.out / MANIFEST)
            _fsync_dir(self.out)
            self.committed = True
        return {name: self.out / name for name in (*staged, MANIFEST)}
