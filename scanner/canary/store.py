"""Canary assignments, tokens only, in ``<state_dir>/canaries.json`` (mode 0600).

A narrow store so the assignments can move into the registry database later without
touching the scheme or the commands: :meth:`CanaryStore.open`, :attr:`scheme`,
:attr:`assignments`, :attr:`subpool`, :meth:`used_tokens`, :meth:`add` and
:meth:`transaction` (read-modify-write under an exclusive lock, written atomically).

File layout::

    {"format": "contact-scanner/canaries", "version": 1, "key_id": "<16 hex>",
     "scheme": {"name": "random-overlap/v1", "coalition": 3, "subpool": M, "shared_per_copy": s},
     "subpool": ["<token>", ...],
     "recipients": [{"name": "...", "issued": "<ISO>", "unique": [...], "shared": [...]}]}

The store is bound to the key its tokens were made with (``key_id``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path
from typing import Iterator

import polars as pl

from scanner.canary.scheme import Assignment
from scanner.errors import InputError, KeyMaterialError, RegistryError
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.safe_files import atomic_write_text

FILE_NAME = "canaries.json"
FORMAT = "contact-scanner/canaries"
VERSION = 1
MAX_NAME_CHARS = 200


class CanaryStore:
    def __init__(self, path: Path, key_id: str, doc: dict | None = None):
        self.path = path
        self.key_id = key_id
        doc = doc or {}
        self.scheme: dict | None = doc.get("scheme")
        self.subpool: frozenset[str] = frozenset(doc.get("subpool", ()))
        self.assignments: list[Assignment] = [
            Assignment(r["name"], r["issued"], frozenset(r["unique"]), frozenset(r["shared"]))
            for r in doc.get("recipients", ())
        ]

    # -- reading ---------------------------------------------------------------------------

    @classmethod
    def open(cls, state_dir: str | os.PathLike, keys: KeyMaterial) -> "CanaryStore":
        """The store of ``state_dir`` (empty when there is none yet)."""
        path = Path(state_dir) / FILE_NAME
        if not path.exists():
            return cls(path, keys.key_id)
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RegistryError("canary store is not valid JSON", path=str(path)) from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise RegistryError("not a contact-scanner canary store (version 1)", path=str(path))
        if doc.get("key_id") != keys.key_id:
            raise KeyMaterialError(
                f"canary store was made under key {doc.get('key_id')}, the loaded key is {keys.key_id}",
                path=str(path))
        try:
            return cls(path, keys.key_id, doc)
        except (KeyError, TypeError):
            raise RegistryError("canary store is malformed", path=str(path)) from None

    def used_tokens(self) -> set[str]:
        """Every pool token already reserved (subpool) or handed out (unique)."""
        used = set(self.subpool)
        for a in self.assignments:
            used |= a.unique
        return used

    def recipient(self, name: str) -> Assignment | None:
        return next((a for a in self.assignments if a.recipient == name), None)

    def tokens_frame(self) -> pl.DataFrame:
        """``token, recipient, kind`` (``unique``/``shared``): every handed-out canary."""
        rows = [(t, a.recipient, kind) for a in self.assignments
                for kind, tokens in (("unique", a.unique), ("shared", a.shared)) for t in sorted(tokens)]
        return pl.DataFrame(rows, schema={"token": pl.String, "recipient": pl.String, "kind": pl.String},
                            orient="row")

    # -- writing ---------------------------------------------------------------------------

    def add(self, assignment: Assignment, *, scheme: dict | None = None,
            subpool: frozenset[str] | None = None) -> None:
        name = assignment.recipient
        if not name or len(name) > MAX_NAME_CHARS or any(ord(ch) < 32 for ch in name):
            raise InputError(f"recipient name must be 1..{MAX_NAME_CHARS} printable characters")
        if self.recipient(name) is not None:
            raise InputError(f"recipient {name!r} already has canaries; choose another name")
        if scheme is not None:
            if self.scheme is not None:
                raise RegistryError("the canary scheme is already set")
            self.scheme, self.subpool = scheme, frozenset(subpool or ())
        self.assignments.append(assignment)

    def _doc(self) -> dict:
        return {
            "format": FORMAT, "version": VERSION, "key_id": self.key_id, "scheme": self.scheme,
            "subpool": sorted(self.subpool),
            "recipients": [{"name": a.recipient, "issued": a.issued, "unique": sorted(a.unique),
                            "shared": sorted(a.shared)} for a in self.assignments],
        }

    def save(self) -> None:
        atomic_write_text(self.path, json.dumps(self._doc(), indent=1, ensure_ascii=False) + "\n")

    @classmethod
    @contextlib.contextmanager
    def transaction(cls, state_dir: str | os.PathLike, keys: KeyMaterial) -> Iterator["CanaryStore"]:
        """Open under an exclusive lock; saved when the block succeeds."""
        lock_path = Path(state_dir) / (FILE_NAME + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            store = cls.open(state_dir, keys)
            yield store
            store.save()
        finally:
            os.close(fd)
