"""The registry's DuckDB file: created atomically, opened for one operation at a time.

DuckDB lets one process hold the file read-write, or several read-only, never both. Every
operation therefore opens a short-lived connection (read-only for reads) and closes it at
once; when another process holds the file the operation backs off and retries up to
``timeout`` seconds, then raises :class:`RegistryError` ("busy"). A write is one
transaction, so two concurrent registrations both land, one after the other, or the loser
fails cleanly; a crash leaves the previous state (DuckDB's WAL).

A file that is not a DuckDB database, or a DuckDB database that is not a contact-scanner
registry, is reported and never touched.
"""

from __future__ import annotations

import os
import random
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from scanner.errors import RegistryError
from scanner.io_errors import check_fault, errno_of, write_error, writing
from scanner.privacy.safe_files import make_dir, remove_created
from scanner.registry import schema

DEFAULT_TIMEOUT = 30.0
_DUCKDB_MAGIC = b"DUCK"


class RegistryFile:
    """Handle on a registry file; holds no connection between calls."""

    def __init__(self, path: str | os.PathLike, *, key_id: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        self.path = Path(path)
        self.key_id = key_id
        self.timeout = timeout
        self._check_file()

    def _check_file(self) -> None:
        if not self.path.exists():
            return
        if self.path.is_dir():
            raise RegistryError("is a directory, not a registry file", path=str(self.path))
        with self.path.open("rb") as fh:
            head = fh.read(16)
        if len(head) < 12 or head[8:12] != _DUCKDB_MAGIC:
            raise RegistryError("not a contact-scanner registry (not a DuckDB file); "
                                "left untouched", path=str(self.path))

    def _create(self) -> None:
        """Create the file atomically: build it aside, then hard-link it into place.

        A reader or a second creator never sees a half-written file; when two processes
        create at once, one link wins and the other's copy is discarded.
        """
        created = make_dir(self.path.parent)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{random.getrandbits(32):08x}.tmp")
        try:
            with writing(self.path):
                check_fault(self.path, "create")
                con = duckdb.connect(str(tmp))
                try:
                    schema.prepare(con, self.path, self.key_id, write=True)
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
                os.chmod(tmp, 0o600)
                try:
                    os.link(tmp, self.path)
                except FileExistsError:
                    pass
        except BaseException:
            remove_created(created)
            raise
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)

    @contextmanager
    def _connect(self, *, write: bool):
        """A short-lived connection; retries while another process holds the file."""
        if not write and not self.path.exists():
            yield None
            return
        if write and not self.path.exists():
            self._create()
        self._check_file()
        if write:
            with writing(self.path):
                check_fault(self.path, "create")
        deadline = time.monotonic() + self.timeout
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=not write)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    if write and errno_of(exc) is not None:  # a full disk, a read-only folder, ...
                        raise write_error(self.path, errno_of(exc)) from exc
                    raise RegistryError("cannot open the registry (corrupt or unreadable); "
                                        "left untouched", path=str(self.path)) from None
                if time.monotonic() >= deadline:
                    raise RegistryError(
                        "registry is busy (another contact-scanner process holds it for more than {seconds:g} s); "
                        "try again", path=str(self.path), seconds=self.timeout) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.5)
            except duckdb.Error:
                raise RegistryError("cannot open the registry (corrupt or unreadable); "
                                    "left untouched", path=str(self.path)) from None
        try:
            schema.prepare(con, self.path, self.key_id, write=write)
            if write:
                with writing(self.path):
                    check_fault(self.path, "write")
            yield con
        except duckdb.Error as exc:
            if write and errno_of(exc) is not None:  # a full disk, a read-only folder, ...
                raise write_error(self.path, errno_of(exc)) from exc
            raise RegistryError("registry query failed ({error}: {detail})", path=str(self.path),
                                error=type(exc).__name__, detail=str(exc).splitlines()[0][:200]) from None
        finally:
            con.close()


    @contextmanager
    def connection(self, *, write: bool):
        """A short-lived connection for the token tables of this file.

        Reads get a read-only connection, or ``None`` when there is no registry file yet (a
        read never creates it); a write creates or upgrades the file first. Both retry while
        another process holds the file and turn DuckDB errors into :class:`RegistryError`.
        """
        with self._connect(write=write) as con:
            yield con

    has_table = staticmethod(schema.has_table)
    stored_key_id = staticmethod(schema.stored_key_id)
