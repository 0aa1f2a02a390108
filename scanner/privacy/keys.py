"""Master key material and its HKDF subkeys (docs/PRIVACY.md).

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

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from scanner.errors import KeyMaterialError
from scanner.i18n import Text
from scanner.io_errors import os_cause
from scanner.io_errors import check_fault
from scanner.privacy.safe_files import _fsync_dir, atomic_write_text
from scanner.privacy.state import (  # noqa: F401 (HOME_ENV, STATE_DIR_NAME re-exported)
    HOME_ENV, STATE_DIR_NAME, check_state_dir, find_state_dir, is_unused, make_state_dir,
)

PURPOSES = ("token", "vault", "ledger", "audit", "manifest")
KEY_FILE_NAME = "key.json"
ENV_KEY = "CONTACT_SCANNER_KEY"


def resolve_state_dir(state_dir: str | os.PathLike | None) -> Path:
    """The state folder's path (:func:`scanner.privacy.state.find_state_dir`)."""
    return find_state_dir(state_dir).path


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
    #: The key file it was read from (None: ``$CONTACT_SCANNER_KEY`` or memory); the audit
    #: log lives beside it.
    file: Path | None = None

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
            raise KeyMaterialError("unknown key purpose {purpose!r}", purpose=purpose)
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
        raise KeyMaterialError("{where}: master key is not 64 hex characters", where=where) from None
    if len(master) != 32:
        raise KeyMaterialError("{where}: master key is not 64 hex characters", where=where)
    return master


def _refuse(path: Path, problem: Text) -> KeyMaterialError:
    return KeyMaterialError(problem, path=str(path))


def _read_private(path: Path) -> str:
    """The key file's text, refused the way ssh refuses a private key: a symbolic link
    (whoever controls the link controls the key), a file of another user, or one that group
    or others may read. An empty or unreadable file gets its own one-line fix."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise _refuse(path, Text("key file not found")) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise _refuse(path, Text("key file is a symbolic link; refusing it (as ssh does): "
                                "replace the link with the file itself, or point at the real file")) from None
        raise _refuse(path, Text("key file cannot be read ({cause})", cause=os_cause(exc))) from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(path, Text("key file is not a regular file"))
        if info.st_uid != os.geteuid():
            raise _refuse(path, Text("key file belongs to uid {owner}, not to you (uid {uid}); refusing it "
                                     "(as ssh does): run chown {uid} {file}, or use your own key",
                                     owner=info.st_uid, uid=os.geteuid(), file=path))
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            raise _refuse(path, Text("key file is readable by group or others (mode {mode:o}); run chmod 600 {file}",
                                     mode=mode, file=path))
        data = fh.read()
    if not data.strip():
        raise _refuse(path, Text("key file is empty (a key creation was cut short); restore key.json "
                            "from your backup, or delete it if no scan ever used this key"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(path, Text("key file is damaged (not text); restore key.json from your backup")) from None


def read_key_file(path: Path) -> KeyMaterial:
    """Load ``key.json`` (or a file holding the 64-hex master), refusing unsafe files."""
    path = Path(path)
    text = _read_private(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict):
        if doc.get("version") != 1 or "master" not in doc:
            raise _refuse(path, Text("not a contact-scanner key file (version 1); restore key.json "
                                "from your backup"))
        master = _parse_master_hex(str(doc["master"]), str(path))
    elif text.lstrip().startswith(("{", "[")):
        raise _refuse(path, Text("key file is damaged (truncated or edited JSON); restore key.json "
                            "from your backup"))
    else:
        master = _parse_master_hex(text, str(path))
    material = KeyMaterial.from_master(master, source=str(path))
    created, keyring = None, ()
    if isinstance(doc, dict):
        if doc.get("key_id") not in (None, material.key_id):
            raise _refuse(path, Text("key_id does not match the master key (edited?); restore key.json "
                                "from your backup"))
        created = str(doc["created"]) if doc.get("created") is not None else None
        keyring = _parse_keyring(doc.get("vault_keys", []), path)
    return KeyMaterial(material.key_id, master, str(path), created, keyring, file=path)


def _parse_keyring(entries, path: Path) -> tuple[VaultKey, ...]:
    if not isinstance(entries, list):
        raise KeyMaterialError("{file}: vault_keys must be a list", file=path)
    keyring = []
    for index, entry in enumerate(entries):
        where = f"{path}: vault_keys[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("retired", False), bool):
            raise KeyMaterialError("{where}: expected {{id, secret, created, retired}}", where=where)
        secret = _parse_master_hex(str(entry.get("secret", "")), where)
        if entry.get("id") != vault_key_id_for(secret):
            raise KeyMaterialError("{where}: id does not match the secret", where=where)
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
    doc = json.loads(_read_private(path))
    if not isinstance(doc, dict):
        raise KeyMaterialError("{file}: rotate-vault needs a key.json file, not a bare hex key", file=path)
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
    """Create a fresh master key at ``path`` with mode 0600 (never overwrites one)."""
    material, persist = new_key(path)
    return persist()


def _link_into_place(tmp: Path, path: Path) -> None:
    """Give the finished temp file its final name without ever replacing a file there."""
    try:
        os.link(tmp, path)  # EEXIST when a key is there: raised as FileExistsError
    except OSError as exc:
        # Filesystems without hard links: rename, after checking (a narrow race there).
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if path.exists() or path.is_symlink():
            raise FileExistsError(errno.EEXIST, "exists", str(path)) from None
        os.rename(tmp, path)


def create_key_file(path: Path, data: bytes) -> None:
    """Write a key file atomically: a temp file in the same folder (mode 0600), written and
    fsynced, then hard-linked to its name, which fails if a key is already there. A full
    disk or a crash leaves the old state (no key), never an empty or partial ``key.json``.
    Raises :class:`FileExistsError` when a key exists."""
    folder = path.parent
    new_folder = not folder.exists()
    make_state_dir(folder)
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        check_fault(path, "create")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            check_fault(path, "write")
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _link_into_place(tmp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if new_folder:  # an empty folder left behind would look like a state folder
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise KeyMaterialError("cannot write the new key ({cause}); nothing was written",
                               path=str(path), cause=os_cause(exc)) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    _fsync_dir(folder)


def new_key(path: Path) -> tuple[KeyMaterial, Callable[[], KeyMaterial]]:
    """A fresh master key for ``path`` and the function that writes it there (mode 0600,
    atomic, never over an existing key): a scan tokenizes with the key first and keeps it
    only when the input was read to the end, so a bad input leaves no new key behind."""
    path = Path(path)
    master = secrets.token_bytes(32)
    material = KeyMaterial.from_master(master, source=str(path))
    created = _now()
    made = KeyMaterial(material.key_id, master, str(path), created, file=path)

    def persist() -> KeyMaterial:
        doc: dict = {"version": 1, "key_id": material.key_id, "master": master.hex(), "created": created}
        try:
            create_key_file(path, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))
        except FileExistsError:
            raise KeyMaterialError("another process created a key during this scan; nothing was "
                                   "written: run the scan again (it will use that key)",
                                   path=str(path)) from None
        return made

    return made, persist


def load_key(state_dir: Path, *, key_file: Path | None = None, create: bool = True,
             notice=None) -> KeyMaterial:
    """Resolve the master key: ``key_file``, else ``$CONTACT_SCANNER_KEY``, else the state dir.

    A missing state-dir key is created (when ``create``, and only when the state folder is
    new: see :func:`may_create_key`) and ``notice(message)`` is called.
    """
    material, keep = load_or_new_key(state_dir, key_file=key_file, notice=notice, create=create)
    keep()
    return material


def may_create_key(state_dir: Path) -> None:
    """Raise unless a new key may be made in ``state_dir``: only where no state folder
    exists yet. A folder with a registry or audit log but no key lost its key; a new one
    would silently stop every token from matching."""
    path = Path(state_dir) / KEY_FILE_NAME
    if is_unused(Path(state_dir)):
        return
    raise KeyMaterialError(
        "state folder {folder} has no {file} but holds other state; restore the key from your backup "
        "(or pass --key-file); `contact-scanner keys create --state-dir {folder}` starts a new key whose "
        "tokens match nothing made before", path=str(path), folder=state_dir, file=KEY_FILE_NAME)


def _notice_created(notice, material: KeyMaterial, path: Path) -> None:
    if notice is not None:
        from scanner.i18n import _

        notice(_("no state folder found, so a new pseudonymization key {key} was created in {folder} "
                 "(key.json, mode 0600); back this key up: without it tokens never match again and vaults "
                 "cannot be opened").format(key=material.key_id, folder=path.parent))


def load_or_new_key(state_dir: Path, *, key_file: Path | None = None, notice=None,
                    create: bool = True) -> tuple[KeyMaterial, Callable[[], None]]:
    """The master key (``key_file``, else ``$CONTACT_SCANNER_KEY``, else the state folder's
    ``key.json``), except that a missing state-folder key is made in memory only: the
    returned function writes it (and calls ``notice``); it does nothing for an existing key."""
    state_dir = Path(state_dir)
    if key_file is not None:
        return read_key_file(Path(key_file)), lambda: None
    env = os.environ.get(ENV_KEY)
    if env:
        return KeyMaterial.from_master(_parse_master_hex(env, ENV_KEY), source=ENV_KEY), lambda: None
    check_state_dir(state_dir)
    path = state_dir / KEY_FILE_NAME
    if path.exists() or path.is_symlink():
        return read_key_file(path), lambda: None
    if not create:
        raise KeyMaterialError("no key in the state folder {folder}; run a scan or "
                               "`contact-scanner keys create` first", path=str(path), folder=state_dir)
    may_create_key(state_dir)
    material, persist = new_key(path)

    def keep() -> None:
        _notice_created(notice, persist(), path)

    return material, keep
