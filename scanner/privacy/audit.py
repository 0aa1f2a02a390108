"""The reveal audit log: ``audit.log`` beside the key that was used (the state folder's
``key.json``, or the ``--key-file``), one JSON object per line (docs/PRIVACY.md).

Each entry says who revealed how many numbers of which scan, when, why and into which
files; it never holds a number. Entries are chained and authenticated: ``prev`` is the
previous entry's ``mac`` (64 zeros for the first) and ``mac`` is
``hex(HMAC-SHA256(audit subkey, canonical JSON of the entry without "mac"))``. Editing,
deleting or reordering an entry breaks the chain (:func:`verify_audit_log`); dropping the
newest entries is detectable only against a copy kept elsewhere (ship the log off-host).

A broken chain stops reveals (:class:`AuditChainBroken`, exit 1) until someone looks at it.
``keys verify-audit --seal`` then appends a **seal**: an entry (``action: "seal"``) that
lists the broken lines, holds the SHA-256 of every byte before it and starts a new chain
segment (its ``prev`` is the genesis value). The break stays on record; the sealed part
can no longer change unnoticed (its hash would not match); reveals continue on the new
segment. Only a seal MACed by the verifying key counts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import getpass
import hashlib
import hmac
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from scanner.errors import InputError, VerificationFailed
from scanner.i18n import N_, Text
from scanner.io_errors import os_cause
from scanner.io_errors import check_fault
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.safe_files import append_bytes

AUDIT_FILE_NAME = "audit.log"
GENESIS = "0" * 64
SEAL_ACTION = "seal"
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


def audit_dir(keys: KeyMaterial, state_dir: str | os.PathLike) -> Path:
    """Where the audit log of ``keys`` lives: beside its key file, else in the state folder
    (``$CONTACT_SCANNER_KEY``), so one key never splits its trail over several folders."""
    return keys.file.parent if keys.file is not None else Path(state_dir)


class AuditChainBroken(VerificationFailed):
    """The audit log's chain is broken and not sealed: no reveal until it is looked at.
    ``breaks``: every open break as ``(line, problem)``."""

    breaks: list = []


@dataclass
class _Walk:
    entries: int = 0
    verified: int = 0
    other_keys: int = 0
    breaks: list = field(default_factory=list)    # (line, problem) not sealed yet
    sealed: list = field(default_factory=list)    # {"line", "problem", "seal_line", "sealed_at"}
    ends_with_newline: bool = True
    last_mac: str | None = GENESIS                # what the next entry's ``prev`` must be

    def result(self) -> dict:
        return {"entries": self.entries, "verified": self.verified, "other_keys": self.other_keys,
                "sealed_breaks": self.sealed}


def _lines(data: bytes):
    """(line number, offset, bytes) of every line; the last may lack its newline (torn)."""
    pos, number = 0, 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end == -1 else end
        number += 1
        yield number, pos, data[pos:end]
        pos = end + 1


def _parse(line: bytes) -> dict | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def _walk(data: bytes, keys: KeyMaterial) -> _Walk:
    """Check every entry's chain link and (for ``keys``' entries) MAC; seals close breaks."""
    walk = _Walk(ends_with_newline=not data or data.endswith(b"\n"))
    prev: str | None = GENESIS
    for number, offset, line in _lines(data):
        if not line.strip():
            continue
        walk.entries += 1
        entry = _parse(line)
        if entry is None:
            walk.breaks.append((number, N_("not a JSON entry (a torn or edited line)")))
            prev = None  # the next link cannot be checked against an unreadable entry
            continue
        mine = entry.get("key_id") == keys.key_id
        mac_ok = mine and hmac.compare_digest(str(entry.get("mac", "")), _mac(keys, entry))
        if entry.get("action") == SEAL_ACTION:
            problem = _seal_problem(entry, mine, mac_ok, data[:offset])
            if problem is None:
                walk.sealed += [{"line": n, "problem": p, "seal_line": number,
                                 "sealed_at": entry.get("time")} for n, p in walk.breaks]
                walk.breaks, prev = [], entry["mac"]
                walk.verified += 1
                continue
            walk.breaks.append((number, problem))
        elif prev is not None and entry.get("prev") != prev:
            walk.breaks.append((number, N_("chain broken (an entry was edited, removed or reordered)")))
        elif mine and not mac_ok:
            walk.breaks.append((number, N_("entry does not verify (edited)")))
        elif mine:
            walk.verified += 1
        else:
            walk.other_keys += 1
        prev = entry.get("mac")
    walk.last_mac = prev
    return walk


def _seal_problem(entry: dict, mine: bool, mac_ok: bool, before: bytes) -> str | None:
    if not mine:
        return N_("a seal made with another key (it cannot be verified with this one)")
    if not mac_ok:
        return N_("seal entry does not verify (edited)")
    if entry.get("prev") != GENESIS or entry.get("sealed_sha256") != hashlib.sha256(before).hexdigest():
        return N_("lines before this seal changed after it was sealed")
    return None


def _broken(path: Path, walk: _Walk) -> AuditChainBroken:
    line, problem = walk.breaks[0]
    more = Text(" (and {n} more)", n=len(walk.breaks) - 1) if len(walk.breaks) > 1 else ""
    exc = AuditChainBroken(
        "audit log chain is broken: {problem}{more}; reveal refuses until it is looked at: run "
        "`contact-scanner keys verify-audit` to see it, then `contact-scanner keys verify-audit "
        "--seal` to record the break and start a new chain segment", path=str(path), row=line,
        problem=Text(problem), more=more)
    exc.breaks = list(walk.breaks)
    return exc


def _open_log(path: Path, *, create: bool) -> int | None:
    """An fd on the audit log (``None``: no log and ``create`` false); never a symlink."""
    flags = os.O_RDWR | os.O_APPEND | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        check_fault(path, "create")
        fd = os.open(path, flags | (os.O_CREAT if create else 0), 0o600)
    except FileNotFoundError:
        if not create:
            return None
        raise InputError("cannot create the audit log (its folder is missing)", path=str(path)) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise InputError("audit log is a symbolic link; refusing it (as ssh does): replace "
                             "the link with the file itself", path=str(path)) from None
        raise InputError("cannot open the audit log ({cause})", path=str(path), cause=os_cause(exc)) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError("audit log is not a regular file", path=str(path))
    return fd


@contextlib.contextmanager
def _locked_log(folder: str | os.PathLike, *, create: bool):
    """(path, file, bytes so far) under an exclusive ``flock``: one chain for every process."""
    path = Path(folder) / AUDIT_FILE_NAME
    fd = _open_log(path, create=create)
    if fd is None:
        yield path, None, b""
        return
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        yield path, fh, fh.read()


def _write_entry(fh, path: Path, keys: KeyMaterial, entry: dict, *, newline_first: bool) -> dict:
    full = {
        "v": 1,
        "time": dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds"),
        "user": os_user(),
        **entry,
        "key_id": keys.key_id,
    }
    full["mac"] = _mac(keys, full)
    # all or nothing: a torn line would break the chain and block every later reveal
    append_bytes(fh.fileno(), (b"\n" if newline_first else b"") + _canonical(full) + b"\n", path)
    return full


def append_audit(folder: str | os.PathLike, keys: KeyMaterial, entry: dict) -> dict:
    """Append ``entry`` (plus time, user, key id, chain fields) to ``folder/audit.log``.

    The log is created with mode 0600; appends are serialized with ``flock`` so concurrent
    reveals keep one chain. Raises :class:`AuditChainBroken` (nothing appended) while the
    chain is broken and not sealed.
    """
    Path(folder).mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked_log(folder, create=True) as (path, fh, data):
        walk = _walk(data, keys)
        if walk.breaks:
            raise _broken(path, walk)
        return _write_entry(fh, path, keys, {**entry, "prev": walk.last_mac},
                            newline_first=not walk.ends_with_newline)


def check_audit_chain(folder: str | os.PathLike, keys: KeyMaterial) -> None:
    """Raise :class:`AuditChainBroken` when the log's chain is broken and not sealed."""
    verify_audit_log(folder, keys)


def read_audit_log(folder: str | os.PathLike) -> list[dict]:
    path = Path(folder) / AUDIT_FILE_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def verify_audit_log(folder: str | os.PathLike, keys: KeyMaterial) -> dict:
    """Check the chain and every MAC made with ``keys``; raise :class:`AuditChainBroken`.

    Returns ``{"entries", "verified", "other_keys", "sealed_breaks"}`` (entries of another
    master key keep the chain but cannot have their MAC checked here; ``sealed_breaks``
    lists the breaks that seals recorded).
    """
    with _locked_log(folder, create=False) as (path, _fh, data):
        walk = _walk(data, keys)
    if walk.breaks:
        raise _broken(path, walk)
    return walk.result()


def seal_audit_log(folder: str | os.PathLike, keys: KeyMaterial) -> dict:
    """Record the open breaks in a seal entry that starts a new chain segment.

    Returns :func:`verify_audit_log`'s result plus ``"sealed_now"``: the breaks this call
    sealed (empty, and nothing written, when the chain was intact).
    """
    with _locked_log(folder, create=False) as (path, fh, data):
        walk = _walk(data, keys)
        if fh is None or not walk.breaks:
            return {**walk.result(), "sealed_now": []}
        before = data if walk.ends_with_newline else data + b"\n"
        _write_entry(fh, path, keys, {
            "action": SEAL_ACTION,
            "breaks": [{"line": n, "problem": p} for n, p in walk.breaks],
            "sealed_lines": sum(1 for _ in _lines(before)),
            "sealed_sha256": hashlib.sha256(before).hexdigest(),
            "prev": GENESIS,
        }, newline_first=not walk.ends_with_newline)
        sealed_now = [{"line": n, "problem": p} for n, p in walk.breaks]
        fh.seek(0)
        walk = _walk(fh.read(), keys)
    if walk.breaks:  # cannot happen: the seal closes every break before it
        raise _broken(path, walk)
    return {**walk.result(), "sealed_now": sealed_now}
