"""manifest.json: the commit point of a scan's output folder, and the check every reader makes.

A scan's files (``report.json``, ``rows.parquet``, ``contactable.csv``, ``vault.bin``…) are
replaced one by one, so a folder can only be trusted as a whole through something written
after all of them: ``manifest.json`` lists every file of the scan with its size and SHA-256,
binds them to the scan id and the key id, and carries an HMAC-SHA256 under the ``manifest``
subkey (docs/TOKENS.md), so neither a file nor the manifest can be edited without the key.

Readers (``reveal``, and anything else that reads a scan's outputs) call
:func:`verify_folder` (or :func:`verified_folder`, which also holds the folder's shared lock
while they read) and refuse, exit 1 naming the file, a folder that is partial (no manifest:
an interrupted scan), mixed (a file of another scan) or edited. How the scan writes the
folder so that a crash leaves the old scan or the new one: :mod:`scanner.report.folder`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from scanner.errors import InputError, KeyMaterialError, VerificationFailed
from scanner.i18n import Text
from scanner.io_errors import os_cause
from scanner.privacy.keys import KeyMaterial

SCHEMA = "contact-scanner/manifest/v1"
MANIFEST = "manifest.json"
#: Every file name a scan may write into its output folder (besides the manifest). Only
#: these are ever replaced or removed there; any other file in the folder is left alone.
OWN_FILES = ("report.json", "rows.parquet", "contactable.csv", "vault.bin", "report.html")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int
    sha256: str

    def as_dict(self) -> dict:
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class Manifest:
    scan_id: str
    key_id: str
    files: tuple[FileEntry, ...]

    def body(self) -> dict:
        """Everything the MAC covers (the manifest without its ``mac``)."""
        return {"schema": SCHEMA, "scan_id": self.scan_id, "key_id": self.key_id,
                "files": [f.as_dict() for f in sorted(self.files, key=lambda f: f.name)]}

    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.files)


def canonical(body: dict) -> bytes:
    """The bytes the MAC is computed over: JSON, keys sorted, no spaces, UTF-8."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def manifest_mac(body: dict, keys: KeyMaterial) -> str:
    """HMAC-SHA256 of :func:`canonical` ``body`` under the ``manifest`` subkey (64 hex)."""
    return hmac.new(keys.subkey("manifest"), canonical(body), hashlib.sha256).hexdigest()


def file_entry(path: Path, name: str | None = None) -> FileEntry:
    """Size and SHA-256 of a file (read in 1 MiB pieces)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return FileEntry(name or path.name, size, digest.hexdigest())


def manifest_bytes(manifest: Manifest, keys: KeyMaterial) -> bytes:
    """manifest.json's content: the body and its MAC."""
    if manifest.key_id != keys.key_id:
        raise ValueError("manifest key_id differs from the key that MACs it")
    body = manifest.body()
    document = {**body, "mac": manifest_mac(body, keys)}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def build_manifest(folder: Path, names: Iterable[str], *, scan_id: str, keys: KeyMaterial) -> Manifest:
    """The manifest of the files ``names`` as they are now in ``folder``."""
    names = list(names)
    foreign = [n for n in names if n not in OWN_FILES]
    if foreign:
        raise ValueError(f"not a scan output file name: {foreign[0]!r}")
    return Manifest(scan_id, keys.key_id, tuple(file_entry(folder / n, n) for n in names))


# ---------------------------------------------------------------------------------------
# Reading


@contextlib.contextmanager
def folder_lock(folder: Path, *, exclusive: bool) -> Iterator[None]:
    """``flock`` on the folder itself: a scan holds it exclusively while it commits, readers
    share it while they verify and read, so a reader never sees a commit half-way. The lock
    goes with the process (a killed scan holds nothing)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


def _refuse(folder: Path, name: str, why: Text) -> VerificationFailed:
    return VerificationFailed("{why}; the folder is not one complete scan (re-run the scan)",
                              path=str(folder / name), why=why)


def read_manifest(folder: str | os.PathLike, keys: KeyMaterial) -> Manifest:
    """manifest.json of ``folder``, its MAC checked (the files are not: :func:`verify_folder`).

    No manifest: :class:`InputError` when the folder holds no scan output at all (exit 2),
    else :class:`VerificationFailed` (an interrupted or unfinished scan, exit 1). Another
    key's manifest: :class:`KeyMaterialError` (exit 2). Edited: :class:`VerificationFailed`.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if not folder.is_dir():
            raise InputError("scan output directory not found", path=str(folder)) from None
        if not any((folder / n).exists() for n in OWN_FILES):
            raise InputError("no scan output here (no manifest.json, no report.json)", path=str(folder)) from None
        raise _refuse(folder, MANIFEST, Text("manifest.json is missing (an interrupted scan, or one still writing)")) from None
    except IsADirectoryError:
        raise _refuse(folder, MANIFEST, Text("manifest.json is not a file")) from None
    except OSError as exc:
        raise InputError("cannot read manifest.json: {cause}", path=str(path), cause=os_cause(exc)) from None
    try:
        doc = json.loads(raw.decode("utf-8"))
        body = {"schema": doc["schema"], "scan_id": doc["scan_id"], "key_id": doc["key_id"],
                "files": [{"name": f["name"], "size": f["size"], "sha256": f["sha256"]} for f in doc["files"]]}
        mac = doc["mac"]
        if set(doc) != {*body, "mac"} or body["schema"] != SCHEMA or not isinstance(mac, str):
            raise ValueError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise _refuse(folder, MANIFEST, Text("manifest.json is not a contact-scanner manifest")) from None
    if body["key_id"] != keys.key_id:
        other = body["key_id"] if re.fullmatch(r"[0-9a-f]{16}", str(body["key_id"])) else "another key"
        raise KeyMaterialError("the scan was written with key {written}, you have key {key} "
                               "(wrong --key-file / --state-dir?)", path=str(path), written=other, key=keys.key_id)
    if not hmac.compare_digest(manifest_mac(body, keys), mac):
        raise _refuse(folder, MANIFEST, Text("manifest.json does not verify (edited)"))
    return Manifest(body["scan_id"], body["key_id"],
                    tuple(FileEntry(f["name"], f["size"], f["sha256"]) for f in body["files"]))


def verify_folder(folder: str | os.PathLike, keys: KeyMaterial) -> Manifest:
    """Check that ``folder`` is exactly the scan its manifest records; returns the manifest.

    Every listed file must exist as a regular file with its recorded size and SHA-256; no
    scan file name may be present that the manifest does not list (a leftover of another
    scan); ``report.json``'s scan id must be the manifest's. Raises
    :class:`VerificationFailed` (exit 1) naming the first file that does not match.
    Files the scanner never writes are ignored.
    """
    folder = Path(folder)
    manifest = read_manifest(folder, keys)
    listed = set()
    for entry in manifest.files:
        if entry.name not in OWN_FILES or entry.name in listed:
            raise _refuse(folder, MANIFEST, Text("manifest.json lists {name!r}, not a scan output", name=entry.name))
        listed.add(entry.name)
        path = folder / entry.name
        if path.is_symlink() or not path.is_file():
            raise _refuse(folder, entry.name, Text("{name} is missing or not a regular file", name=entry.name))
        if path.stat().st_size != entry.size or file_entry(path).sha256 != entry.sha256:
            raise _refuse(folder, entry.name, Text("{name} does not match manifest.json (edited, or from another scan)", name=entry.name))
    for name in OWN_FILES:
        if name not in listed and os.path.lexists(folder / name):
            raise _refuse(folder, name, Text("{name} is not part of the scan manifest.json records", name=name))
    if "report.json" in listed:
        try:
            report_id = json.loads((folder / "report.json").read_text("utf-8"))["scan"]["id"]
        except (ValueError, KeyError, TypeError, OSError):
            report_id = None
        if report_id != manifest.scan_id:
            raise _refuse(folder, "report.json", Text("report.json's scan id is not the manifest's"))
    return manifest


@contextlib.contextmanager
def verified_folder(folder: str | os.PathLike, keys: KeyMaterial) -> Iterator[Manifest]:
    """:func:`verify_folder`, holding the folder's shared lock for the block, so that no scan
    commits into the folder between the check and the reads."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("scan output directory not found", path=str(folder))
    with folder_lock(folder, exclusive=False):
        yield verify_folder(folder, keys)
