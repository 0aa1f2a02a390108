"""Typed library errors. The CLI turns each into a one-line message and an exit code.

Messages never contain a phone number or key material: callers pass row numbers,
file names and column names, never cell values. A message is an English template with its
values passed by name (never an f-string), so the catalog holds the template and the
command line shows it in the reader's language (:mod:`scanner.i18n`).
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.i18n import Text


class ScannerError(Exception):
    """Base class: a problem the user can fix. ``exit_code`` follows docs/ARCHITECTURE.md."""

    exit_code = 2

    def __init__(self, message: str | Text, *, path: str | None = None, row: int | None = None,
                 line: int | None = None, **values):
        #: the message as a template and its values (``InputError("sheet {sheet!r} not found",
        #: sheet=name)``), so the command line shows it in the reader's language
        self.text = message if isinstance(message, Text) else Text(message, **values)
        self.message = str(self.text)
        self.path = path
        self.row = row
        #: the line of the file as a person counts it (title and blank lines included), where
        #: the problem is found before rows are counted
        self.line = line
        super().__init__(self.one_line())

    def where(self, _: Callable[[str], str] = str) -> str:
        """The path and the line (else the row) the message is about, as its prefix;
        ``_`` translates the words (the command line's language)."""
        where = f"{self.path}: " if self.path is not None else ""
        if self.line is not None:
            where += _("line {line}").format(line=self.line) + ": "
        elif self.row is not None:
            where += _("row {row}").format(row=self.row) + ": "
        return where

    def one_line(self) -> str:
        return (self.where() + self.message).replace("\n", " ")


class InputError(ScannerError):
    """The input list cannot be read as a contact list."""


class PolicyError(ScannerError):
    """The policy file is malformed, has unknown keys or bad values."""


class KeyMaterialError(ScannerError):
    """Key material is missing, malformed or insecurely stored."""


class VaultError(ScannerError):
    """A vault cannot be opened: tampered, truncated, from another scan or another key."""


class RegistryError(ScannerError):
    """The registry of known lists is corrupt, foreign or busy."""


class WriteError(ScannerError):
    """A file or folder cannot be written: disk full, file too large, read-only, no
    permission, not a folder. The message is the path and the cause (never a value)."""


class VerificationFailed(ScannerError):
    """A negative check result (tampering detected, signature invalid): exit code 1."""

    exit_code = 1


class OutputExposure(ScannerError):
    """The outputs' plaintext check found a phone number in what a scan was about to write:
    nothing is written (the message names the file and column, never the number)."""
