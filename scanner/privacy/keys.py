"""Master key material and its HKDF subkeys (DESIGN.md §5, contract).

``key.json`` (mode 0600) holds ``{"version": 1, "key_id", "master", "created"}``. Each use
derives its own subkey: HKDF-SHA256, empty salt, ``info = "contact-scanner/v1/" + purpose``.
The secret never appears in a repr, a message or an output; only ``key_id`` does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from scanner.errors import KeyMaterialError

PURPOSES = ("token", "vault", "ledger", "audit")
KEY_FILE_NAME = "key.json"
ENV_KEY = "CONTACT_SCANNER_KEY"


def derive_subkey(master: bytes, purpose: str) -> bytes:
    """HKDF-SHA256(master, salt=empty, info="contact-scanner/v1/"+purpose, 32 bytes)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None,
        info=("contact-scanner/v1/" + purpose).encode("ascii"),
    ).derive(master)


def key_id_for(master: bytes) -> str:
    """Public identifier of a master key: 16 hex characters, safe to print."""
    return hashlib.sha256(b"contact-scanner/v1/key-id:" + master).hexdigest()[:16]


@dataclass(frozen=True)
class KeyMaterial:
    """A loaded master key. ``repr`` shows only the key id."""

    key_id: str
    _master: bytes = field(repr=False)
    source: str = "state-dir"

    def subkey(self, purpose: str) -> bytes:
        if purpose not in PURPOSES:
            raise KeyMaterialError(f"unknown key purpose {purpose!r}")
        return derive_subkey(self._master, purpose)

    @property
    def token_key_hex(self) -> str:
        """The token subkey as 64-hex text; tokens use its ASCII bytes as the HMAC key."""
        return self.subkey("token").hex()

    @classmethod
    def from_master(cls, master: bytes, source: str = "memory") -> "KeyMaterial":
        if len(master) != 32:
            raise KeyMaterialError("master key must be 32 bytes (64 hex characters)")
        return cls(key_id_for(master), master, source)


def _parse_master_hex(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        master = bytes.fromhex(text)
    except ValueError:
        raise KeyMaterialError(f"{where}: master key is not 64 hex characters") from None
    if len(master) != 32:
        raise KeyMaterialError(f"{where}: master key is not 64 hex characters")
    return master


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyMaterialError(
            f"{path}: key file is readable by group or others (mode {mode:o}); run chmod 600"
        )


def read_key_file(path: Path) -> KeyMaterial:
    """Load ``key.json`` (or a file holding the 64-hex master), refusing loose permissions."""
    if not path.exists():
        raise KeyMaterialError(f"{path}: key file not found")
    _check_private(path)
    text = path.read_text("utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict):
        if doc.get("version") != 1 or "master" not in doc:
            raise KeyMaterialError(f"{path}: not a contact-scanner key file (version 1)")
        master = _parse_master_hex(str(doc["master"]), str(path))
    else:
        master = _parse_master_hex(text, str(path))
    material = KeyMaterial.from_master(master, source=str(path))
    if isinstance(doc, dict) and doc.get("key_id") not in (None, material.key_id):
        raise KeyMaterialError(f"{path}: key_id does not match the master key")
    return material


def write_new_key(path: Path) -> KeyMaterial:
    """Create a fresh master key at ``path`` with mode 0600 (exclusive create)."""
    master = secrets.token_bytes(32)
    material = KeyMaterial.from_master(master, source=str(path))
    doc = {
        "version": 1,
        "key_id": material.key_id,
        "master": master.hex(),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
    return material


def load_key(state_dir: Path, *, key_file: Path | None = None, create: bool = True,
             notice=None) -> KeyMaterial:
    """Resolve the master key: ``key_file``, else ``$CONTACT_SCANNER_KEY``, else the state dir.

    A missing state-dir key is created (when ``create``) and ``notice(message)`` is called.
    """
    if key_file is not None:
        return read_key_file(Path(key_file))
    env = os.environ.get(ENV_KEY)
    if env:
        return KeyMaterial.from_master(_parse_master_hex(env, ENV_KEY), source=ENV_KEY)
    path = Path(state_dir) / KEY_FILE_NAME
    if path.exists():
        return read_key_file(path)
    if not create:
        raise KeyMaterialError(f"{path}: no key; run a scan or `contact-scanner keys create` first")
    material = write_new_key(path)
    if notice is not None:
        notice(f"created pseudonymization key {material.key_id} in {path} (mode 0600); back it up")
    return material
