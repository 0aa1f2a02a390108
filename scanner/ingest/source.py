"""The raw bytes of an input file or of standard input: read in order, hashed as read, with
a look at what follows for probes that need it, and OS errors told as input errors."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator

from scanner.errors import InputError
from scanner.io_errors import os_cause


class Source:
    """The raw bytes of a file or of standard input, read in order and hashed as read."""

    def __init__(self, source: str | os.PathLike):
        self._sha = hashlib.sha256()
        self.bytes_read = 0  # (a scan's progress: the share of a file of known size read)
        if isinstance(source, str) and source == "-":
            self.file, self.path, self._owned = sys.stdin.buffer, "-", False
            return
        self.path = os.fspath(source)
        try:
            self.file, self._owned = open(self.path, "rb"), True  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> InputError:
        if isinstance(exc, FileNotFoundError):
            return InputError("file not found", path=self.path)
        if isinstance(exc, IsADirectoryError):
            return InputError("is a directory, expected a file", path=self.path)
        if isinstance(exc, PermissionError):
            return InputError("cannot read file (permission denied)", path=self.path)
        return InputError("cannot read file ({cause})", path=self.path, cause=os_cause(exc))

    def read(self, size: int) -> bytes:
        try:
            data = self.file.read(size)
        except OSError as exc:
            raise self._error(exc) from None
        self._sha.update(data)
        self.bytes_read += len(data)
        return data

    def read_rest(self) -> bytes:
        return b"".join(iter(lambda: self.read(1 << 24), b""))

    def finish(self) -> str:
        """The SHA-256 of every byte of the input (reading what was not read yet)."""
        while self.read(1 << 24):
            pass
        return self._sha.hexdigest()

    def look_ahead(self, size: int) -> Iterator[bytes] | None:
        """The bytes after those read so far, left unread; None if the input cannot seek."""
        try:
            if not self.file.seekable():
                return None
            position = self.file.tell()
        except OSError:
            return None
        return self._ahead(position, size)

    def _ahead(self, position: int, size: int) -> Iterator[bytes]:
        try:
            while chunk := self.file.read(size):
                yield chunk
        finally:
            self.file.seek(position)

    def close(self) -> None:
        if self._owned:
            self.file.close()
