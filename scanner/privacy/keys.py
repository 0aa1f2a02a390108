"""Master key material and its HKDF subkeys (DESIGN.md §5, contract).

``key.json`` (mode 0600) holds ``{"version": 1, "key_id", "master", "created"}``. Each use
derives its own subkey: HKDF-SHA256, empty salt, ``info = "contact-scanner/v1/" + purpose``.
The secret never appears in a repr, a message or an output; only ``key_id`` does.

**Vault keyring** (additive extension of the contract format, see docs/PRIVACY.md). The
original vault key is the HKDF ``vault`` subkey of the master; it is never stored. ``keys
rotate-vault`` appends entries to an optional list in ``key.json``::

    "vault_keys": [{"id": "<16 hex>", "secret": "<64 hex>", "created": "<ISO>", "retired": false}]

The newest non-retired entry encrypts new vaults; every listed key (and the derived one)
still decrypts old vaults. A vault key's id is ``sha256("contact-scanner/v1/vault-key-id:" +
secret)[:16]``. The token key never rotates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from scanner.errors import KeyMaterialError
from scanner.privacy.safe_files import atomic_write_text

PURPOSES = ("token", "vault", "ledger", "audit")
KEY_FILE_NAME = "key.json"
ENV_KEY = "CONTACT_SCANNER_KEY"
HOME_ENV = "CONTACT_SCANNER_HOME"
DEFAULT_STATE_DIR = ".contact-scanner"


def resolve_state_dir(state_dir: str | os.PathLike | None) -> Path:
    """``--state-dir``, else ``$CONTACT_SCANNER_HOME``, else ``./.contact-scanner``."""
    if state_dir is not None:
        return Path(state_dir)
    return Path(os.environ.get(HOME_ENV) or DEFAULT_STATE_DIR)


def derive_subkey(master: bytes, purpose: str) -> bytes:
    """HKDF-SHA256(master, salt=empty, info="contact-scanner/v1/"+purpose, 32 bytes)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None,
        info=("contact-scanner/v1/" + purpose).encode("ascii"),
    ).derive(master)


def key_id_for(master: bytes) -> str:
    """Public identifier of a master key: 16 hex characters, safe to print."""
    return hashlib.sha256(b"contact-scanner/v1/key-id:" + master).hexdigest()[:16]


def vault_key_id_for(secret: bytes) -> str:
    """Public identifier of a vault encryption key: 16 hex characters, safe to print."""
    return hashlib.sha256(b"contact-scanner/v1/vault-key-id:" + secret).hexdigest()[:16]


@dataclass(frozen=True)
class VaultKey:
    """One AES-256-GCM vault key of the keyring. ``repr`` shows only its id."""

    id: str
    _secret: bytes = field(repr=False)
    created: str | None = None
    retired: bool = False
    origin: str = "keyring"  # "master": the HKDF vault subkey; "keyring": added by rotate-vault

    @property
    def secret(self) -> bytes:
        return self._secret

    def public(self) -> dict:
        """What ``keys show`` may print: never the secret."""
        return {"id": self.id, "created": self.created, "retired": self.retired, "origin": self.origin}


@dataclass(frozen=True)
class KeyMaterial:
    """A loaded master key (and its vault keyring). ``repr`` shows only ids."""

    key_id: str
    _master: bytes = field(repr=False)
    source: str = "state-dir"
    created: str | None = None
    vault_keyring: tuple[VaultKey, ...] = ()

    def vault_keys(self) -> tuple[VaultKey, ...]:
        """The whole keyring, oldest first: the derived master vault key, then added keys."""
        secret = self.subkey("vault")
        newer_active = any(not k.retired for k in self.vault_keyring)
        derived = VaultKey(vault_key_id_for(secret), secret, self.created, newer_active, "master")
        return (derived, *self.vault_keyring)

    def current_vault_key(self) -> VaultKey:
        """The key new vaults are written with: the newest non-retired one."""
        active = [k for k in self.vault_keys() if not k.retired]
        return active[-1]

    def find_vault_key(self, vault_key_id: str) -> VaultKey | None:
        return next((k for k in self.vault_keys() if k.id == vault_key_id), None)

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
    if isinstance(doc, dict):
        if doc.get("key_id") not in (None, material.key_id):
            raise KeyMaterialError(f"{path}: key_id does not match the master key")
        created = doc.get("created")
        material = KeyMaterial(material.key_id, master, str(path),
                               str(created) if created is not None else None,
                               _parse_keyring(doc.get("vault_keys", []), path))
    return material


def _parse_keyring(entries, path: Path) -> tuple[VaultKey, ...]:
    if not isinstance(entries, list):
        raise KeyMaterialError(f"{path}: vault_keys must be a list")
    keyring = []
    for index, entry in enumerate(entries):
        where = f"{path}: vault_keys[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("retired", False), bool):
            raise KeyMaterialError(f"{where}: expected {{id, secret, created, retired}}")
        secret = _parse_master_hex(str(entry.get("secret", "")), where)
        if entry.get("id") != vault_key_id_for(secret):
            raise KeyMaterialError(f"{where}: id does not match the secret")
        keyring.append(VaultKey(entry["id"], secret, entry.get("created"), entry.get("retired", False)))
    return tuple(keyring)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def rotate_vault_key(path: Path) -> VaultKey:
    """Append a fresh vault key to the keyring in ``key.json`` and retire the others.

    Old vaults stay readable (their keys stay in the keyring). Only a ``key.json`` file can
    hold a keyring: a bare-hex key file or ``$CONTACT_SCANNER_KEY`` is refused.
    """
    path = Path(path)
    material = read_key_file(path)
    doc = json.loads(path.read_text("utf-8"))
    if not isinstance(doc, dict):
        raise KeyMaterialError(f"{path}: rotate-vault needs a key.json file, not a bare hex key")
    secret = secrets.token_bytes(32)
    new = VaultKey(vault_key_id_for(secret), secret, _now(), False)
    entries = [dict(entry, retired=True) for entry in doc.get("vault_keys", [])]
    entries.append({"id": new.id, "secret": secret.hex(), "created": new.created, "retired": False})
    doc["vault_keys"] = entries
    atomic_write_text(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    rotated = read_key_file(path)
    assert rotated.key_id == material.key_id and rotated.current_vault_key().id == new.id
    return new


def write_new_key(path: Path) -> KeyMaterial:
    """Create a fresh master key at ``path`` with mode 0600 (exclusive create)."""
    material, persist = new_key(path)
    return persist()


def new_key(path: Path) -> tuple[KeyMaterial, Callable[[], KeyMaterial]]:
    """A fresh master key for ``path`` and the function that writes it there (mode 0600,
    exclusive create): a scan tokenizes with the key first and keeps it only when the input
    was read to the end, so a bad input leaves no new key behind."""
    master = secrets.token_bytes(32)
    material = KeyMaterial.from_master(master, source=str(path))
    created = _now()

    def persist() -> KeyMaterial:
        doc: dict = {"version": 1, "key_id": material.key_id, "master": master.hex(), "created": created}
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyMaterialError(f"{path}: another process created a key during this scan; "
                                   "run the scan again (it will use that key)") from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2)
            fh.write("\n")
        return KeyMaterial(material.key_id, master, str(path), created)

    return KeyMaterial(material.key_id, master, str(path), created), persist


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
    _notice_created(notice, material, path)
    return material


def _notice_created(notice, material: KeyMaterial, path: Path) -> None:
    if notice is not None:
        notice(f"created pseudonymization key {material.key_id} in {path} (mode 0600); back it up")


def load_or_new_key(state_dir: Path, *, key_file: Path | None = None,
                    notice=None) -> tuple[KeyMaterial, Callable[[], None]]:
    """:func:`load_key`, except that a missing state-dir key is made in memory only: the
    returned function writes it (and calls ``notice``); it does nothing for an existing key."""
    path = Path(state_dir) / KEY_FILE_NAME
    if key_file is not None or os.environ.get(ENV_KEY) or path.exists():
        return load_key(state_dir, key_file=key_file, notice=notice), lambda: None
    material, persist = new_key(path)

    def keep() -> None:
        _notice_created(notice, persist(), path)

    return material, keep
