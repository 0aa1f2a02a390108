"""Fixed words the catalog translates by value where they are shown: the system's words
for the usual I/O causes (``os.strerror``, lower case, as :func:`scanner.io_errors.cause`
gives them), the json and tomllib modules' words for a malformed document, and a few
fixed messages. Error messages are templates with values (:class:`scanner.i18n.Text`,
:mod:`scanner.errors`); :func:`error_line` shows one in the command line's language."""

from __future__ import annotations

from scanner.i18n import N_, _


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
#: The system's words for the I/O causes :data:`scanner.io_errors.KNOWN_ERRNOS` names (as
#: :func:`scanner.io_errors.cause` gives them; a test checks they are this system's).
CAUSES = (
    N_("no space left on device"), N_("disk quota exceeded"), N_("file too large"), N_("permission denied"),
    N_("operation not permitted"), N_("read-only file system"), N_("not a directory"), N_("is a directory"),
    N_("no such file or directory"), N_("file name too long"), N_("too many levels of symbolic links"),
    N_("input/output error"), N_("too many open files"), N_("too many open files in system"), N_("file exists"),
)
#: The fixed words of the json and tomllib modules for a malformed document (quoted inside
#: an error of ours: ``policy.toml: invalid TOML: Invalid statement (at line 2, column 1)``).
LIBRARY = (
    N_("Expecting value"), N_("Expecting ',' delimiter"), N_("Expecting ':' delimiter"), N_("Extra data"),
    N_("Expecting property name enclosed in double quotes"), N_("Unterminated string starting at"),
    N_("Invalid \\uXXXX escape"),
    N_("Cannot overwrite a value"), N_("Escaped character is not a Unicode scalar value"),
    N_("Expected '=' after a key in a key/value pair"), N_("Expected ']' at the end of a table declaration"),
    N_("Expected ']]' at the end of an array declaration"), N_("Invalid date or datetime"), N_("Invalid hex value"),
    N_("Invalid initial character for a key part"), N_("Invalid statement"), N_("Invalid value"),
    N_("Unclosed array"), N_("Unclosed inline table"), N_("Unescaped '\\' in a string"), N_("Unterminated string"),
)


def translated(message: str) -> str:
    """``message`` in the current language when the catalog has it (fixed messages and
    causes, also as the tail after a ``': '``), else as it is."""
    whole = _(message)
    if whole != message:
        return whole
    head, sep, tail = message.rpartition(": ")
    if sep and _(tail) != tail:
        return f"{head}: {_(tail)}"
    return message


def error_line(exc) -> str:
    """A :class:`scanner.errors.ScannerError`'s one line in the current language (path and
    row, then the message: its template translated, with its values)."""
    text = exc.text.in_(_) if exc.text.values else translated(exc.message)
    return (exc.where(_) + text).replace("\n", " ")
