"""Fixed command-line messages the catalog translates by value: error messages raised
with no variable part, and the system's words for the usual I/O causes (``os.strerror``,
lower case, as :func:`scanner.io_errors.cause` gives them). Other messages are translated
where they are written, with ``_()``."""

from __future__ import annotations

import errno
import os

from scanner.i18n import _


def N_(message: str) -> str:
    return message


FIXED = (
    N_("--out is not a folder"), N_("--valid-days must be at least 1"), N_("JSON input is not an array of objects"),
    N_("audit log is not a regular file"), N_("canary scheme is malformed"), N_("canary store is malformed"),
    N_("canary store is not valid JSON"), N_("cannot create the audit log (its folder is missing)"),
    N_("certificate times are not ISO 8601"), N_("certificate's issuer key differs from its signing key"),
    N_("empty file"), N_("ledger file not found"), N_("master key must be 32 bytes (64 hex characters)"),
    N_("no data rows"), N_("no phone number given"), N_("no scan output here (no manifest.json, no report.json)"),
    N_("not a PEM public key"), N_("not a UTF-8 or GB18030 text file"), N_("not a contact-scanner certificate (schema)"),
    N_("not a contact-scanner vault (bad magic)"), N_("not a text file (binary content)"),
    N_("not a text file (binary content: NUL bytes)"), N_("not a text file (binary content: control bytes)"),
    N_("not an Ed25519 private key"), N_("not an Ed25519 public key"), N_("not an unencrypted PEM private key"),
    N_("policy file not found"), N_("public key file not found"), N_("report.json has no scan.id"),
    N_("report.json is not readable JSON"), N_("report.json not found; is this a scan output directory?"),
    N_("rows.parquet is not a readable Parquet file"), N_("rows.parquet not found; is this a scan output directory?"),
    N_("scan output directory not found"), N_("signing key file not found"), N_("input file not found"),
    N_("a signing key already exists here; choose another --out"), N_("a key already exists; refusing to overwrite it"),
    N_("certificate file not found"), N_("file not found"), N_("notice"),
)
#: The policy file's fixed complaints about a key (``policy.toml: campaign.chanel: unknown key``).
POLICY = (
    N_("unknown key"), N_("must be a list of strings"), N_("must be a table of strings"),
    N_("must be a date (YYYY-MM-DD)"), N_("must be positive"), N_("must be a header or a list of headers"),
    N_("must be a header or a non-empty list of headers"), N_("must be a table"),
)
#: Values the summary shows as words.
WORDS = (N_("day-first"), N_("month-first"))
#: Fixed openings of messages whose rest names columns or values (kept as they are).
PREFIXES = (N_("no phone column found"), N_("[columns] keep names a column the input lacks"))
CAUSES = tuple(os.strerror(code).lower() for code in (
    errno.ENOSPC, errno.EFBIG, errno.EACCES, errno.EROFS, errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EPERM,
    errno.EEXIST, errno.EIO))


def translated(message: str) -> str:
    """``message`` in the current language when the catalog has it (fixed messages and
    causes, also as the tail after a ``': '``), else as it is."""
    whole = _(message)
    if whole != message:
        return whole
    head, sep, tail = message.rpartition(": ")
    if sep and _(tail) != tail:
        return f"{head}: {_(tail)}"
    for prefix in PREFIXES:
        if message.startswith(prefix) and _(prefix) != prefix:
            return _(prefix) + message[len(prefix):]
    return message


def error_line(exc) -> str:
    """A :class:`scanner.errors.ScannerError`'s one line in the current language (path and
    row, then the message)."""
    return (exc.where(_) + translated(exc.message)).replace("\n", " ")
