"""The encrypted vault: the only place a scan keeps real numbers (docs/PRIVACY.md).

File layout (``vault.bin``, format 1; all integers big-endian)::

    magic        8 bytes   b"CSVAULT\\x00"
    header_len   4 bytes   length of the header JSON
    header       JSON      {"format": 1, "key_id", "vault_key_id", "scan_id", "vault_id",
                            "chunks", "rows", "columns", "payload": "parquet", "created"}
    chunk * n    8 bytes   ciphertext length (incl. 16-byte GCM tag)
                 12 bytes  nonce (random, 96 bit)
                 ...       AES-256-GCM(vault key, nonce, parquet bytes, aad)

    aad(i) = "contact-scanner/vault/v1" 0x00 || SHA-256(magic || header_len || header)
             || scan_id 0x00 || i (8 bytes) || last flag (1 byte)

Every chunk's associated data binds the exact header (hence key ids, scan id, the random
``vault_id`` and the chunk count), the chunk's index and whether it is the last one. So a
modified byte anywhere, reordered or dropped chunks, trailing data, chunks spliced from
another vault (even of the same scan) and a vault renamed into another scan's output are all
refused with :class:`VaultTampered` (a :class:`VaultError` with exit code 1). A vault that is
merely written under another key (or a vault key missing from the keyring) is refused with a
plain :class:`VaultError` (exit code 2) that names both key ids, before any decryption.

Chunks hold at most ``chunk_rows`` rows each (default 1M, tens of MB), far below the 2 GiB
AES-GCM one-shot limit, so vaults of any size are written and read chunk by chunk:
:class:`VaultWriter` takes the mapping a batch at a time (the header's counts are known only
at the end, so chunks wait in an encrypted spool; see there) and :func:`write_vault` is that
writer fed one frame.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import secrets
import struct
import tempfile
from pathlib import Path
from typing import IO, Iterator, Sequence

import polars as pl
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from scanner.errors import VaultError, VerificationFailed
from scanner.i18n import Text
from scanner.io_errors import os_cause
from scanner.privacy.keys import KeyMaterial
from scanner.io_errors import GuardedFile, check_fault, writing
from scanner.privacy.safe_files import atomic_writer, make_dir

MAGIC = b"CSVAULT\x00"
FORMAT = 1
AAD_LABEL = b"contact-scanner/vault/v1\x00"
NONCE_BYTES = 12
TAG_BYTES = 16
DEFAULT_CHUNK_ROWS = 1_000_000
MAX_HEADER_BYTES = 1 << 16
MAX_CHUNK_BYTES = (1 << 31) - 1  # AES-GCM one-shot limit in cryptography

REQUIRED_COLUMNS = {"row": pl.Int64, "phone_token": pl.String, "e164": pl.String}
OPTIONAL_COLUMNS = {"name": pl.String}


class VaultTampered(VaultError, VerificationFailed):
    """The vault does not verify (modified, truncated, reordered, spliced, other scan): exit 1."""

    exit_code = 1


def _aad(header_hash: bytes, scan_id: str, index: int, last: bool) -> bytes:
    return (AAD_LABEL + header_hash + scan_id.encode("utf-8") + b"\x00"
            + struct.pack(">Q", index) + (b"\x01" if last else b"\x00"))


def _check_columns(columns: Sequence[str]) -> list[str]:
    columns = list(columns)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    extra = [c for c in columns if c not in REQUIRED_COLUMNS and c not in OPTIONAL_COLUMNS]
    if missing or extra or len(set(columns)) != len(columns):
        raise ValueError(f"vault mapping needs columns {sorted(REQUIRED_COLUMNS)} (+ optional "
                         f"{sorted(OPTIONAL_COLUMNS)}); missing {missing}, unexpected {extra}")
    return columns


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    # level 1: half the time of the default level, and no larger on tokens and numbers
    frame.write_parquet(buf, compression="zstd", compression_level=1, statistics=False)
    return buf.getvalue()


class VaultWriter:
    """Write a vault from frames added one at a time, in memory bounded by one chunk.

    ::

        with VaultWriter(path, scan_id=..., keys=..., columns=["row", "phone_token", "e164"]) as vw:
            vw.add(frame)  # any number of times, frames of any size
        header = vw.header

    Same file as :func:`write_vault` (chunks of exactly ``chunk_rows`` rows but the last, so
    the same frames give the same chunking however they are split across :meth:`add`).
    Every chunk's associated data binds the header, which holds the chunk and row counts,
    known only at the end; so each full chunk is serialized and sealed at once under an
    ephemeral AES-256-GCM key that exists only in this object's memory (nonce = chunk
    index, used once per key), and appended to an anonymous spool file next to ``path``
    (mode 0600, unlinked from the start: not even a killed process leaves it behind). On a clean exit the header is built, each spooled chunk is opened with the
    ephemeral key and sealed under the vault key with its real associated data, and the
    vault replaces ``path`` atomically (mode 0600). If the block raises, no vault is
    written. No plaintext number touches the disk, and no chunk in the spool can be
    altered, reordered or injected unnoticed (the ephemeral key authenticates each one).
    """

    def __init__(self, path: str | os.PathLike, *, scan_id: str, keys: KeyMaterial,
                 columns: Sequence[str], chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be >= 1")
        self.path = Path(path)
        self.scan_id = scan_id
        self.columns = _check_columns(columns)
        self.chunk_rows = chunk_rows
        self.header: dict | None = None
        self._keys = keys
        self._vault_key = keys.current_vault_key()
        self._schema = pl.Schema({c: {**REQUIRED_COLUMNS, **OPTIONAL_COLUMNS}[c] for c in self.columns})
        self._pending: list[pl.DataFrame] = []
        self._pending_rows = 0
        self._rows = 0
        self._chunks = 0
        self._spool_key: AESGCM | None = None
        self._spool: IO[bytes] | None = None

    def __enter__(self) -> "VaultWriter":
        make_dir(self.path.parent)
        with writing(self.path):
            check_fault(self.path.parent, "create")
            # O_TMPFILE where available (else created and unlinked at once), mode 0600
            self._spool = tempfile.TemporaryFile(dir=self.path.parent)
        self._spool_writes = GuardedFile(self._spool, self.path)
        self._spool_key = AESGCM(AESGCM.generate_key(bit_length=256))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.close()
        finally:
            self._discard()

    def add(self, frame: pl.DataFrame) -> None:
        """Append ``frame`` (the writer's ``columns``, in any order); full chunks are sealed at once."""
        if self._spool is None or self.header is not None:
            raise ValueError("VaultWriter.add outside its with-block")
        if sorted(frame.columns) != sorted(self.columns):
            _check_columns(frame.columns)
            raise ValueError(f"vault frame has columns {frame.columns}, the vault {self.columns}")
        frame = frame.select(pl.col(c).cast(t) for c, t in self._schema.items())
        while frame.height:
            take = min(frame.height, self.chunk_rows - self._pending_rows)
            self._pending.append(frame.slice(0, take))
            self._pending_rows += take
            frame = frame.slice(take)
            if self._pending_rows == self.chunk_rows:
                self._spool_chunk()

    def close(self) -> dict:
        """Write the vault (called by a clean exit of the with-block); returns the public header."""
        if self.header is not None:
            return self.header
        if self._spool is None:
            raise ValueError("VaultWriter.close outside its with-block")
        if self._pending_rows or not self._chunks:
            self._spool_chunk()  # the last, partial chunk (or the one empty chunk of an empty vault)
        header = {
            "format": FORMAT,
            "key_id": self._keys.key_id,
            "vault_key_id": self._vault_key.id,
            "scan_id": self.scan_id,
            "vault_id": secrets.token_hex(16),
            "chunks": self._chunks,
            "rows": self._rows,
            "columns": self.columns,
            "payload": "parquet",
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        header_bytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
        prefix = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
        header_hash = hashlib.sha256(prefix).digest()
        aead = AESGCM(self._vault_key.secret)
        with writing(self.path):
            self._spool.flush()  # the spool's last buffered bytes: a full disk shows here
            self._spool.seek(0)
        with atomic_writer(self.path) as fh:
            fh.write(prefix)
            for index in range(self._chunks):
                try:
                    (length,) = struct.unpack(">Q", self._spool.read(8))
                    plain = self._spool_key.decrypt(_spool_nonce(index), self._spool.read(length), None)
                except (InvalidTag, struct.error):
                    raise VaultError("the vault's spool file was modified while the scan ran; "
                                     "no vault written", path=str(self.path)) from None
                nonce = os.urandom(NONCE_BYTES)
                sealed = aead.encrypt(nonce, plain, _aad(header_hash, self.scan_id, index,
                                                         index == self._chunks - 1))
                del plain
                fh.write(struct.pack(">Q", len(sealed)) + nonce + sealed)
        self.header = header
        return header

    def _spool_chunk(self) -> None:
        chunk = (pl.concat(self._pending, how="vertical") if self._pending
                 else pl.DataFrame(schema=self._schema))
        self._pending, self._pending_rows = [], 0
        plain = _parquet_bytes(chunk)
        if len(plain) > MAX_CHUNK_BYTES - TAG_BYTES:
            raise ValueError("vault chunk too large; lower chunk_rows")
        sealed = self._spool_key.encrypt(_spool_nonce(self._chunks), plain, None)
        del plain
        with writing(self.path):  # the spool is part of the vault being written
            self._spool_writes.write(struct.pack(">Q", len(sealed)) + sealed)
        self._rows += chunk.height
        self._chunks += 1

    def _discard(self) -> None:
        self._pending, self._pending_rows, self._spool_key = [], 0, None
        if self._spool is not None:
            self._spool.close()
            self._spool = None


def _spool_nonce(index: int) -> bytes:
    return struct.pack(">4xQ", index)


def write_vault(path: str | os.PathLike, mapping: pl.DataFrame, *, scan_id: str,
                keys: KeyMaterial, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> dict:
    """Encrypt ``mapping`` (``row``, ``phone_token``, ``e164`` [, ``name``]) into ``path``.

    Written atomically (temporary file + rename) with mode 0600 under the keyring's current
    vault key (one :class:`VaultWriter` pass). Returns the public header (ids and counts, no
    secret, no number).
    """
    with VaultWriter(path, scan_id=scan_id, keys=keys, columns=_check_columns(mapping.columns),
                     chunk_rows=chunk_rows) as writer:
        writer.add(mapping)
    return writer.header


def _read_exact(fh: IO[bytes], n: int, what: str | Text, path: Path) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise VaultTampered("vault is truncated ({what} incomplete)", path=str(path), what=what)
    return data


def read_vault_header(path: str | os.PathLike) -> dict:
    """The public header of a vault (key ids, scan id, counts); nothing is decrypted."""
    path = Path(path)
    with _open(path) as fh:
        header, _ = _read_header(fh, path)
    return header


def _open(path: Path) -> IO[bytes]:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise VaultError("vault not found (was the scan run with pseudonymization?)", path=str(path)) from None
    except OSError as exc:
        raise VaultError("cannot open vault: {cause}", path=str(path), cause=os_cause(exc)) from None


def _read_header(fh: IO[bytes], path: Path) -> tuple[dict, bytes]:
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        if len(magic) < len(MAGIC) and MAGIC.startswith(magic):
            raise VaultTampered("vault is truncated (header incomplete)", path=str(path))
        raise VaultError("not a contact-scanner vault (bad magic)", path=str(path))
    raw_len = _read_exact(fh, 4, Text("header"), path)
    (header_len,) = struct.unpack(">I", raw_len)
    if header_len > MAX_HEADER_BYTES:
        raise VaultTampered("vault header is corrupt (implausible length)", path=str(path))
    header_bytes = _read_exact(fh, header_len, Text("header"), path)
    try:
        header = json.loads(header_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise VaultTampered("vault header is corrupt (not JSON)", path=str(path)) from None
    expected = {"format", "key_id", "vault_key_id", "scan_id", "chunks", "rows", "columns"}
    if not isinstance(header, dict) or not expected <= header.keys():
        raise VaultTampered("vault header is corrupt (fields missing)", path=str(path))
    if header["format"] != FORMAT:
        raise VaultError("vault format {format} is not supported (this tool reads {supported})",
                         path=str(path), format=header["format"], supported=FORMAT)
    if not isinstance(header["chunks"], int) or header["chunks"] < 1:
        raise VaultTampered("vault header is corrupt (chunk count)", path=str(path))
    return header, hashlib.sha256(magic + raw_len + header_bytes).digest()


def iter_vault(path: str | os.PathLike, *, scan_id: str | None, keys: KeyMaterial,
               header_out: dict | None = None) -> Iterator[pl.DataFrame]:
    """Decrypt a vault chunk by chunk, verifying each (see :func:`read_vault`).

    A chunk is yielded only after it verified; truncation and trailing data are detected at
    the end, so callers that must not act on a partial vault should use :func:`read_vault`.
    """
    path = Path(path)
    with _open(path) as fh:
        header, header_hash = _read_header(fh, path)
        if header_out is not None:
            header_out.update(header)
        if header["key_id"] != keys.key_id:
            raise VaultError("vault was written with key {written}, you have key {key} (wrong --key-file / --state-dir?)",
                             path=str(path), written=header["key_id"], key=keys.key_id)
        if scan_id is not None and header["scan_id"] != scan_id:
            raise VaultTampered("vault belongs to scan {other}, not to scan {scan} (vault swapped from another scan?)",
                                path=str(path), other=header["scan_id"], scan=scan_id)
        vault_key = keys.find_vault_key(header["vault_key_id"])
        if vault_key is None:
            ids = ", ".join(k.id for k in keys.vault_keys())
            raise VaultError("vault was written with vault key {written}, which is not in the keyring of key {key} "
                             "(have {ids})", path=str(path), written=header["vault_key_id"], key=keys.key_id, ids=ids)
        aead = AESGCM(vault_key.secret)
        n_chunks = header["chunks"]
        for index in range(n_chunks):
            length_bytes = fh.read(8)
            if not length_bytes:
                raise VaultTampered("vault is truncated: {index} of {n} chunks present",
                                    path=str(path), index=index, n=n_chunks)
            if len(length_bytes) != 8:
                raise VaultTampered("vault is truncated inside chunk {index}", path=str(path), index=index)
            (length,) = struct.unpack(">Q", length_bytes)
            if length < TAG_BYTES or length > MAX_CHUNK_BYTES:
                raise VaultTampered("vault chunk {index} is corrupt (implausible length)", path=str(path), index=index)
            nonce = _read_exact(fh, NONCE_BYTES, Text("chunk {index}", index=index), path)
            sealed = _read_exact(fh, length, Text("chunk {index}", index=index), path)
            try:
                plain = aead.decrypt(nonce, sealed, _aad(header_hash, header["scan_id"], index,
                                                         index == n_chunks - 1))
            except InvalidTag:
                raise VaultTampered(
                    "vault chunk {index} of {n} failed authentication (modified, reordered "
                    "or spliced from another vault)", path=str(path), index=index, n=n_chunks) from None
            yield pl.read_parquet(io.BytesIO(plain))
        if fh.read(1):
            raise VaultTampered("vault has trailing data after its last chunk", path=str(path))


def read_vault(path: str | os.PathLike, *, scan_id: str | None, keys: KeyMaterial) -> pl.DataFrame:
    """Decrypt and verify the whole vault; returns ``row``, ``phone_token``, ``e164`` [, ``name``].

    ``scan_id`` (from the scan's report.json) must match the vault's; ``None`` skips that
    check (the header's own scan id is still authenticated). Raises :class:`VaultError`
    (wrong key: exit 2) or :class:`VaultTampered` (does not verify: exit 1).
    """
    header: dict = {}
    chunks = list(iter_vault(path, scan_id=scan_id, keys=keys, header_out=header))
    frame = pl.concat(chunks, how="vertical") if chunks else pl.DataFrame()
    if frame.height != header["rows"] or frame.columns != header["columns"]:
        raise VaultTampered("vault content does not match its header", path=str(path))
    return frame
