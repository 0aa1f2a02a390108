"""I/O errors are input errors: a write that fails becomes one line naming the path and the cause.

Every write site goes through this layer (files through :mod:`scanner.privacy.safe_files`,
DuckDB through :func:`writing`), so that

* an ``OSError``, or the same failure as polars, pyarrow or DuckDB report it (their own
  exception types, the errno only in the text: ``(os error 28)``, ``[Errno 28]``,
  ``Could not write file "…": No space left on device``), becomes a :class:`WriteError`
  naming the path the tool meant to write and the cause, exit 2:
  ``scan-out/rows.parquet: no space left on device``;
* a test can make the layer fail with any errno on chosen paths (:func:`inject_fault`).
  Tests run as root, where permission bits stop nothing, and a full disk needs a mount;
  an injected fault takes the same route as a real one (a write fails after part of the
  data reached the file).
"""

from __future__ import annotations

import contextlib
import errno as E
import fnmatch
import io
import os
import re
from dataclasses import dataclass
from typing import IO, Iterator

from scanner.errors import ScannerError, WriteError
from scanner.i18n import Said, Text

#: errnos whose text is recognised in a library's message (an ``OSError`` carries its own).
KNOWN_ERRNOS = (E.ENOSPC, E.EDQUOT, E.EFBIG, E.EACCES, E.EPERM, E.EROFS, E.ENOTDIR, E.EISDIR,
                E.ENOENT, E.ENAMETOOLONG, E.ELOOP, E.EIO, E.EMFILE, E.ENFILE)
#: The libraries that wrap an ``OSError`` in their own exception types.
_WRAPPING_MODULES = ("polars", "pyarrow", "duckdb", "_duckdb")
_ERRNO_IN_TEXT = re.compile(r"\(os error (\d+)\)|\[errno (\d+)\]", re.IGNORECASE)
#: Faults that only show once data flows (the rest refuse the file or folder outright).
_WRITE_STAGE = frozenset({E.ENOSPC, E.EDQUOT, E.EFBIG, E.EIO})


def errno_of(exc: BaseException) -> int | None:
    """The errno behind ``exc`` (or the exception it was raised from), if it is an I/O error."""
    for candidate in (exc, exc.__cause__):
        if candidate is None:
            continue
        if isinstance(candidate, OSError) and isinstance(candidate.errno, int) and candidate.errno > 0:
            return candidate.errno
        if not isinstance(candidate, OSError) and type(candidate).__module__.split(".")[0] not in _WRAPPING_MODULES:
            continue
        text = str(candidate)
        found = _ERRNO_IN_TEXT.search(text)
        if found:
            return int(found.group(1) or found.group(2))
        lowered = text.lower()
        for code in KNOWN_ERRNOS:
            if os.strerror(code).lower() in lowered:
                return code
    return None


def cause(code: int) -> str:
    """``no space left on device``: the system's words for ``code``, lower case."""
    return os.strerror(code).lower()


def os_cause(exc: OSError) -> Text:
    """An ``OSError``'s cause as a message: in English its own words, in another language
    the system's words for its errno from the catalog."""
    code = errno_of(exc)
    if code is None:
        return Text(exc.strerror or type(exc).__name__)
    return Said(exc.strerror, Text(cause(code))) if exc.strerror else Text(cause(code))


def write_error(path: str | os.PathLike, code: int) -> WriteError:
    return WriteError(cause(code), path=os.fspath(path))


@contextlib.contextmanager
def writing(path: str | os.PathLike) -> Iterator[None]:
    """Turn an I/O error raised in the block into a :class:`WriteError` naming ``path``.

    Anything else (a :class:`ScannerError`, a bug, an interrupt) passes through unchanged,
    and so does ``FileExistsError``: what an existing file means is the creator's to say.
    """
    try:
        yield
    except (ScannerError, FileExistsError):
        raise
    except Exception as exc:
        code = errno_of(exc)
        if code is None:
            raise
        raise write_error(path, code) from exc


# -- fault injection (tests) -----------------------------------------------------------------

@dataclass(frozen=True)
class Fault:
    """Fail with ``errno`` at ``stage`` (``create``: opening or creating; ``write``: once
    data flows) on every path matching the :mod:`fnmatch` ``pattern``."""

    pattern: str
    errno: int
    stage: str


_faults: list[Fault] = []


@contextlib.contextmanager
def inject_fault(pattern: str, code: int, *, stage: str | None = None) -> Iterator[Fault]:
    """Test hook: while the block runs, the layer fails with ``code`` on matching paths.

    ``stage`` defaults to ``write`` for errors that need data to flow (ENOSPC, EDQUOT,
    EFBIG, EIO) and to ``create`` for the others (EACCES, EROFS, ENOTDIR, ...).
    """
    fault = Fault(pattern, code, stage or ("write" if code in _WRITE_STAGE else "create"))
    if fault.stage not in ("create", "write"):
        raise ValueError(f"unknown stage {fault.stage!r}")
    _faults.append(fault)
    try:
        yield fault
    finally:
        _faults.remove(fault)


def check_fault(path: str | os.PathLike, stage: str) -> None:
    """Raise the injected ``OSError`` for ``path`` at ``stage``, if any (a no-op in use)."""
    for fault in _faults:
        if fault.stage == stage and fnmatch.fnmatchcase(os.fspath(path), fault.pattern):
            raise OSError(fault.errno, os.strerror(fault.errno), os.fspath(path))


class GuardedFile(io.RawIOBase):
    """The handle a write site gives its writer (polars, pyarrow, its own code).

    Every write passes through here (no ``fileno``, so no writer goes around it), which
    records the first failure against this file: polars turns a Python exception into
    text, and a failure inside one of several files open at once must name that file.
    Once :meth:`discard` is called, writes go nowhere: a writer finalized later (pyarrow's
    ``ParquetWriter.__del__``) must not raise into the interpreter's shutdown.
    """

    def __init__(self, raw: IO[bytes], path: str | os.PathLike):
        super().__init__()
        self._raw = raw
        self.path = os.fspath(path)
        self.error: OSError | None = None
        self._discarded = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self._discarded:
            return len(memoryview(data))
        try:
            if _faults:
                self._inject(data)
            return self._raw.write(data)
        except OSError as exc:
            self.error = self.error or exc
            raise

    def _inject(self, data) -> None:
        try:
            check_fault(self.path, "write")
        except OSError:
            view = memoryview(data)
            self._raw.write(view[: len(view) // 2])  # part of the data lands first, as on a full disk
            raise

    def flush(self) -> None:
        if not self._discarded:
            try:
                self._raw.flush()
            except OSError as exc:
                self.error = self.error or exc
                raise

    def discard(self) -> None:
        self._discarded = True

    def close(self) -> None:  # the raw file belongs to the layer, which closes it
        self._discarded = True
        super().close()


__all__ = ["GuardedFile", "KNOWN_ERRNOS", "Fault", "WriteError", "cause", "check_fault", "errno_of",
           "inject_fault", "write_error", "writing"]
