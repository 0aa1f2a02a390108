"""Where keys live and what may be done with them: one call per ``keys`` command.

    import scanner
    state = scanner.keys.where(cwd=".")              # the state folder, as the CLI finds it
    keys = scanner.keys.load(state.path)             # never makes one unless create=True
    scanner.keys.show(keys).key_id

Every call takes the state folder (or key file) it works on: only :func:`where` searches,
and only from the ``cwd`` it is given. The refusals live here, so the command line and a
script refuse the same things: an unsafe state folder, a second key over an existing one,
rotating a key that is not a ``key.json``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from scanner.errors import KeyMaterialError
from scanner.privacy.keys import ENV_KEY, KEY_FILE_NAME, KeyMaterial, VaultKey, load_key, rotate_vault_key, write_new_key
from scanner.privacy.state import HOME_ENV, STATE_DIR_NAME, StateDir, check_state_dir, find_state_dir

__all__ = ["AuditCheck", "KeyInfo", "KeyMaterial", "SigningPair", "StateDir", "check_folders", "create", "load", "origin",
           "rotate_vault", "show", "signing", "verify_audit", "where", "ENV_KEY", "HOME_ENV", "KEY_FILE_NAME",
           "STATE_DIR_NAME"]


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown of a key: never the secret."""

    key_id: str
    source: str
    created: str | None
    vault_keys: tuple[dict, ...]
    current_vault_key: str


@dataclass(frozen=True)
class AuditCheck:
    """The reveal audit log's chain: ``entries`` lines, ``verified`` by this key,
    ``other_keys`` by others; ``sealed_breaks`` recorded by earlier seals, ``sealed_now``
    by this call."""

    log: Path
    key_id: str
    entries: int
    verified: int
    other_keys: int
    sealed_breaks: tuple[dict, ...]
    sealed_now: tuple[dict, ...] = ()


@dataclass(frozen=True)
class SigningPair:
    """A new Ed25519 signing key pair (certificates, ledger checkpoints)."""

    private: Path
    public: Path
    fingerprint: str


def where(state_dir: str | os.PathLike | None = None, *, cwd: str | os.PathLike) -> StateDir:
    """The state folder: ``state_dir``, else ``$CONTACT_SCANNER_HOME``, else the nearest
    ``.contact-scanner/`` in ``cwd`` or a parent, else the per-user data folder; refused
    when others may write to it (whoever can write there can swap the key)."""
    state = find_state_dir(state_dir, cwd=cwd)
    check_state_dir(state.path)
    return state


def load(state_dir: str | os.PathLike, *, key_file: str | os.PathLike | None = None, create: bool = False,
         missing_ok: bool = False, notice: Callable[[str], None] | None = None) -> KeyMaterial | None:
    """The master key: ``key_file``, else ``$CONTACT_SCANNER_KEY``, else ``state_dir/key.json``.

    ``create``: make the state folder's key when there is none and the folder holds no
    other state (``notice`` is told, with a request to back it up). ``missing_ok``: None
    instead of an error when there is no key at all (an auditor's check needs none)."""
    if missing_ok and key_file is None and not os.environ.get(ENV_KEY) \
            and not (Path(state_dir) / KEY_FILE_NAME).exists() and not (Path(state_dir) / KEY_FILE_NAME).is_symlink():
        return None
    return load_key(Path(state_dir), key_file=Path(key_file) if key_file is not None else None, create=create,
                    notice=notice)


def create(state_dir: str | os.PathLike, *, key_file: str | os.PathLike | None = None) -> KeyMaterial:
    """Make a new master key (mode 0600) in ``key_file``, else ``state_dir/key.json``;
    refused where a key exists (a new token key is a new tenant: a new state folder)."""
    path = Path(key_file) if key_file is not None else Path(state_dir) / KEY_FILE_NAME
    if path.exists() or path.is_symlink():
        raise KeyMaterialError("a key already exists; refusing to overwrite it (a new token key "
                               "is a new tenant: use a new --state-dir)", path=str(path))
    try:
        return write_new_key(path)
    except KeyMaterialError:
        if path.exists():  # another process made one meanwhile
            raise KeyMaterialError("a key already exists; refusing to overwrite it", path=str(path)) from None
        raise


def show(keys: KeyMaterial) -> KeyInfo:
    return KeyInfo(keys.key_id, keys.source, keys.created, tuple(k.public() for k in keys.vault_keys()),
                   keys.current_vault_key().id)


def rotate_vault(keys: KeyMaterial) -> VaultKey:
    """Add a vault encryption key to the key's file; old vaults stay readable. Only a
    ``key.json`` holds a keyring (the token key never rotates)."""
    if keys.file is None:
        raise KeyMaterialError("${variable} holds only the master key; rotate-vault needs a {file} "
                               "(use --key-file or --state-dir)", variable=ENV_KEY, file=KEY_FILE_NAME)
    return rotate_vault_key(keys.file)


def origin(keys: KeyMaterial) -> str:
    """Where the key came from, as a person reads it (a file, or the variable's name)."""
    if keys.file is not None:
        return str(keys.file)
    return f"${ENV_KEY}" if keys.source == ENV_KEY else keys.source


def verify_audit(keys: KeyMaterial, state_dir: str | os.PathLike, *, seal: bool = False) -> AuditCheck:
    """Check the reveal audit log beside the key (raises when the chain is broken and not
    sealed); ``seal`` records the breaks found and starts a new chain segment."""
    from scanner.privacy.audit import AUDIT_FILE_NAME, audit_dir, seal_audit_log, verify_audit_log

    folder = audit_dir(keys, state_dir)
    result = seal_audit_log(folder, keys) if seal else verify_audit_log(folder, keys)
    return AuditCheck(folder / AUDIT_FILE_NAME, keys.key_id, result["entries"], result["verified"],
                      result["other_keys"], tuple(result["sealed_breaks"]), tuple(result.get("sealed_now", ())))


def signing(out_dir: str | os.PathLike) -> SigningPair:
    """Write a new Ed25519 pair into ``out_dir`` (private key 0600, public key 0644)."""
    from scanner.certify.signing import generate

    return SigningPair(*generate(out_dir))


def check_folders(out_dir: str | os.PathLike, state_dir: str | os.PathLike, *,
                  key_file: str | os.PathLike | None = None, register: bool = False) -> None:
    """Fail before a long scan when a folder it will write could not be made (a file in the
    way, a read-only parent): ``out_dir``, and the state folder when the scan writes there
    (a new key, a registration)."""
    from scanner.privacy.safe_files import check_folder_can_be_made

    check_folder_can_be_made(out_dir)
    if register or (key_file is None and not os.environ.get(ENV_KEY)):
        check_folder_can_be_made(state_dir)
