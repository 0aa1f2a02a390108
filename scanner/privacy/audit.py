"""The reveal audit log: ``<state-dir>/audit.log``, one JSON object per line (DESIGN.md §5).

Each entry says who revealed how many numbers of which scan, when, why and into which
files; it never holds a number. Entries are chained and authenticated: ``prev`` is the
previous entry's ``mac`` (64 zeros for the first) and ``mac`` is
``hex(HMAC-SHA256(audit subkey, canonical JSON of the entry without "mac"))``. Editing,
deleting or reordering an entry breaks the chain (:func:`verify_audit_log`); dropping the
newest entries is detectable only against a copy kept elsewhere (ship the log off-host).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import hashlib
import hmac
import json
import os
import re
from pathlib import Path

from scanner.errors import InputError, VerificationFailed
from scanner.privacy.keys import KeyMaterial

AUDIT_FILE_NAME = "audit.log"
GENESIS = "0" * 64
# A run of 7+ digits (spaces, dashes and dots allowed between them) may be a phone number.
_NUMBER_LIKE = re.compile(r"\d(?:[\s\-.]?\d){6,}")


def check_reason(reason: str | None) -> str:
    """A reveal needs a non-empty reason that does not itself carry a phone number."""
    text = (reason or "").strip()
    if not text:
        raise InputError("--reason is required and must not be empty (it goes to the audit log)")
    if _NUMBER_LIKE.search(text):
        raise InputError("--reason must not contain a phone number or other long digit run "
                         "(the audit log never holds numbers)")
    return " ".join(text.split())


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry, no env: fall back to the uid
        return f"uid:{os.getuid()}"


def _canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _mac(keys: KeyMaterial, entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "mac"}
    return hmac.new(keys.subkey("audit"), _canonical(body), hashlib.sha256).hexdigest()


def append_audit(state_dir: str | os.PathLike, keys: KeyMaterial, entry: dict) -> dict:
    """Append ``entry`` (plus time, user, key id, chain fields) to the audit log; return it.

    The log is created with mode 0600; appends are serialized with ``flock`` so concurrent
    reveals keep one chain.
    """
    path = Path(state_dir) / AUDIT_FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        prev = GENESIS
        for line in fh:
            if line.strip():
                try:
                    prev = json.loads(line).get("mac", GENESIS)
                except (json.JSONDecodeError, AttributeError):
                    prev = hashlib.sha256(line).hexdigest()  # keep chaining past a bad line
        full = {
            "v": 1,
            "time": dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds"),
            "user": os_user(),
            **entry,
            "key_id": keys.key_id,
            "prev": prev,
        }
        full["mac"] = _mac(keys, full)
        fh.seek(0, os.SEEK_END)
        fh.write(_canonical(full) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    return full


def read_audit_log(state_dir: str | os.PathLike) -> list[dict]:
    path = Path(state_dir) / AUDIT_FILE_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def verify_audit_log(state_dir: str | os.PathLike, keys: KeyMaterial) -> dict:
    """Check the chain and every MAC made with ``keys``; raise :class:`VerificationFailed`.

    Returns ``{"entries": n, "verified": m, "other_keys": k}`` (entries of another master key
    keep the chain but cannot have their MAC checked here).
    """
    path = Path(state_dir) / AUDIT_FILE_NAME
    if not path.exists():
        return {"entries": 0, "verified": 0, "other_keys": 0}
    prev, verified, other = GENESIS, 0, 0
    lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        try:
            entry = json.loads(line)
            if not isinstance(entry, dict):
                raise ValueError
        except ValueError:
            raise VerificationFailed("audit log entry is not JSON", path=str(path), row=number) from None
        if entry.get("prev") != prev:
            raise VerificationFailed("audit log chain is broken (entry edited, removed or reordered)",
                                     path=str(path), row=number)
        if entry.get("key_id") == keys.key_id:
            if not hmac.compare_digest(str(entry.get("mac", "")), _mac(keys, entry)):
                raise VerificationFailed("audit log entry does not verify (edited)", path=str(path),
                                         row=number)
            verified += 1
        else:
            other += 1
        prev = entry.get("mac", "")
    return {"entries": len(lines), "verified": verified, "other_keys": other}
