"""``read_input``: open a source, detect its format and encoding, and map its columns."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from scanner.errors import InputError
from scanner.ingest import delimited, structured
from scanner.ingest.encoding import Decoded, decode
from scanner.ingest.headers import map_table
from scanner.ingest.model import Ingested, Table

_EXTENSIONS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls",
    ".parquet": "parquet", ".pq": "parquet",
    ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson",
}
_DELIMITED = ("csv", "tsv", "txt")
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PARQUET = b"PAR1"


def _read_bytes(source: str | os.PathLike) -> tuple[bytes, str]:
    if isinstance(source, str) and source == "-":
        return sys.stdin.buffer.read(), "-"
    path = os.fspath(source)
    try:
        return Path(path).read_bytes(), path
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path=path) from None
    except PermissionError:
        raise InputError("cannot read file (permission denied)", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or type(exc).__name__})", path=path) from None


def read_input(source: str | os.PathLike | pl.DataFrame | pl.LazyFrame, *,
               column_overrides: Mapping[str, str] | None = None,
               max_field_bytes: int = 1 << 20,
               sheet: str | None = None) -> Ingested:
    """Read a contact list: every column as text, every record numbered, nothing dropped.

    ``source`` is a path (``"-"`` reads standard input) or an in-memory frame.
    ``column_overrides`` maps canonical names to headers (the policy's ``[columns]``) and
    beats the synonym table. A record with broken quoting, the wrong field count or a
    field over ``max_field_bytes`` is kept as a row of nulls and listed in
    ``bad_records``. Raises :class:`InputError` when the input cannot serve as a list.
    """
    if isinstance(source, (pl.DataFrame, pl.LazyFrame)):
        table = structured.read_frame(source)
        return _finish(table, "dataframe", None, None, None, column_overrides, max_field_bytes)
    data, path = _read_bytes(source)
    sha256 = hashlib.sha256(data).hexdigest()
    hint = _EXTENSIONS.get(Path(path).suffix.lower())
    table, fmt, encoding = _read_data(data, path, hint, sheet, max_field_bytes)
    return _finish(table, fmt, encoding, path, sha256, column_overrides, max_field_bytes)


def _finish(table: Table, fmt: str, encoding: str | None, path: str | None, sha256: str | None,
            overrides: Mapping[str, str] | None, max_field_bytes: int) -> Ingested:
    mapped = map_table(table, overrides=overrides, max_field_bytes=max_field_bytes, path=path)
    return Ingested(frame=mapped.frame, bad_records=mapped.bad_records, format=fmt,
                    encoding=encoding, columns=mapped.columns, extra_columns=mapped.extra_columns,
                    path=path, sha256=sha256, has_header=mapped.has_header, title_rows=mapped.title_rows)


def _read_data(data: bytes, path: str, hint: str | None, sheet: str | None,
               max_field_bytes: int) -> tuple[Table, str, str | None]:
    if data.startswith(_ZIP) or data.startswith(_OLE2):
        return structured.read_excel(data, path, sheet), "xls" if data.startswith(_OLE2) else "xlsx", None
    if data.startswith(_PARQUET):
        return structured.read_parquet(data, path), "parquet", None
    if not data or data.isspace():
        raise InputError("empty file", path=path)
    decoded = decode(data, path)
    if b"\n" not in decoded.utf8 and b"\r" in decoded.utf8:  # classic Mac line endings
        decoded = Decoded(decoded.encoding, decoded.utf8.replace(b"\r", b"\n"), None)
    head = decoded.utf8[:delimited.SNIFF_BYTES].decode("utf-8", errors="ignore")
    if not head.strip():
        raise InputError("empty file", path=path)
    if head.lstrip("\ufeff \t\r\n")[:1] in ("[", "{"):
        try:
            table, fmt = structured.read_json(decoded.get_text(), path)
            return table, "ndjson" if hint == "ndjson" else fmt, decoded.encoding
        except InputError:
            if hint not in _DELIMITED:
                raise
    return _read_delimited(decoded, head, path, hint, max_field_bytes)


def _read_delimited(decoded: Decoded, head: str, path: str, hint: str | None,
                    max_field_bytes: int) -> tuple[Table, str, str]:
    delimiter = delimited.sniff_delimiter(head, "\t" if hint == "tsv" else "," if hint == "csv" else None)
    width = delimited.first_record_width(head, delimiter)
    if width is None:
        raise InputError("empty file", path=path)
    table = delimited.vectorized_read(decoded.utf8, delimiter, width, max_field_bytes)
    if table is None:
        table = delimited.robust_read(decoded.get_text(), delimiter, width, max_field_bytes)
    if table.frame.height == 0:
        raise InputError("empty file", path=path)
    fmt = hint if hint in _DELIMITED else "tsv" if delimiter == "\t" else (
        "txt" if delimiter == delimited.NO_DELIMITER else "csv")
    return table, fmt, decoded.encoding
