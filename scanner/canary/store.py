"""Canary assignments, tokens only, in the registry database (``<state_dir>/registry.duckdb``).

The tables (``canary_scheme``, ``canary_subpool``, ``canary_recipients``, ``canary_unique``,
``canary_shared``) come with registry schema v2 (see :mod:`scanner.registry.schema`). The
store keeps the narrow interface the scheme and the commands use: :meth:`CanaryStore.open`,
:attr:`scheme`, :attr:`assignments`, :attr:`subpool`, :meth:`used_tokens`, :meth:`add` and
:meth:`transaction` (read-modify-write in one registry write transaction).

Reading uses a short read-only registry connection and never creates the file: no registry,
or a registry from before v2 (no canary tables), means "no canaries". Writing creates or
upgrades the registry and holds its write lock for the whole read-modify-write, so two
concurrent issues run one after the other (or the loser reports "busy"); the registry's
``key_id`` binds the tokens to their key.

**Earlier ``canaries.json``.** Builds before v2 kept the assignments in
``<state_dir>/canaries.json``. Until the next write, reads use that file (so a scan never
misses a canary); the first write imports it into the registry in the same transaction as
the new assignment, then renames it ``canaries.json.migrated``. A file whose assignments
are already in the registry (a crash between the commit and the rename) is just renamed;
one that contradicts the registry is refused, never merged.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

from scanner.canary.scheme import Assignment
from scanner.errors import InputError, KeyMaterialError, RegistryError
from scanner.privacy.keys import KeyMaterial
from scanner.registry.store import Registry, open_registry
from scanner.registry.tokens import TOKEN_SQL, token_frame, token_hex_sql

LEGACY_FILE_NAME = "canaries.json"
MIGRATED_SUFFIX = ".migrated"
LEGACY_FORMAT = "contact-scanner/canaries"
LEGACY_VERSION = 1
MAX_NAME_CHARS = 200
SCHEME_FIELDS = ("name", "coalition", "subpool", "shared_per_copy")


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
        self._saved = len(self.assignments)  # assignments already in the registry
        self._scheme_saved = self.scheme is not None

    # -- reading ---------------------------------------------------------------------------

    @classmethod
    def open(cls, state_dir: str | os.PathLike, keys: KeyMaterial) -> "CanaryStore":
        """The canaries of ``state_dir`` (empty when there are none; never creates a file)."""
        legacy = _read_legacy(Path(state_dir), keys)  # first: a concurrent import renames it
        reg = open_registry(state_dir)  # key checked below, only when there are canaries
        store = cls(reg.path, keys.key_id)
        with reg.connection(write=False) as con:
            if con is not None:
                store = cls._load(con, reg.path, keys.key_id, check_key=True)
        if legacy is None:
            return store
        old = cls(reg.path, keys.key_id, legacy)
        if store.is_empty():
            return old
        _check_imported(old, store, reg.path)
        return store

    def is_empty(self) -> bool:
        return self.scheme is None and not self.assignments

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

    @classmethod
    def _load(cls, con, path: Path, key_id: str, *, check_key: bool) -> "CanaryStore":
        """The canaries in an open registry connection (none before schema v2)."""
        if not Registry.has_table(con, "canary_recipients"):
            return cls(path, key_id)
        hexed = token_hex_sql("token")
        scheme = con.execute(f"SELECT {', '.join(SCHEME_FIELDS)} FROM canary_scheme").fetchall()
        recipients = con.execute("SELECT id, name, issued FROM canary_recipients ORDER BY id").fetchall()
        if not scheme and not recipients:
            return cls(path, key_id)
        stored = Registry.stored_key_id(con)
        if check_key and stored != key_id:
            raise KeyMaterialError("the registry's canaries were made under key {made}, the loaded key is {key}",
                                   path=str(path), made=stored, key=key_id)
        tokens: dict[tuple[int, str], list[str]] = {}
        for kind, sql in (("unique", f"SELECT recipient_id, {hexed} FROM canary_unique"),
                          ("shared", f"SELECT recipient_id, {hexed} FROM canary_shared")):
            for rid, token in con.execute(sql).fetchall():
                tokens.setdefault((rid, kind), []).append(token)
        doc = {
            "scheme": dict(zip(SCHEME_FIELDS, scheme[0])) if scheme else None,
            "subpool": [r[0] for r in con.execute(f"SELECT {hexed} FROM canary_subpool").fetchall()],
            "recipients": [{"name": name, "issued": issued, "unique": tokens.get((rid, "unique"), ()),
                            "shared": tokens.get((rid, "shared"), ())} for rid, name, issued in recipients],
        }
        return cls(path, key_id, doc)

    # -- writing ---------------------------------------------------------------------------

    def add(self, assignment: Assignment, *, scheme: dict | None = None,
            subpool: frozenset[str] | None = None) -> None:
        name = assignment.recipient
        if not name or len(name) > MAX_NAME_CHARS or any(ord(ch) < 32 for ch in name):
            raise InputError("recipient name must be 1..{most} printable characters", most=MAX_NAME_CHARS)
        if self.recipient(name) is not None:
            raise InputError("recipient {name!r} already has canaries; choose another name", name=name)
        if scheme is not None:
            if self.scheme is not None:
                raise RegistryError("the canary scheme is already set")
            self.scheme, self.subpool = scheme, frozenset(subpool or ())
        self.assignments.append(assignment)

    def _write(self, con) -> None:
        """Insert what is not in the registry yet (the scheme, new assignments)."""
        def insert(table: str, tokens, *extra) -> None:
            frame = token_frame(pl.Series(sorted(tokens), dtype=pl.String))
            con.register("_canary_tokens", frame)
            columns = {"canary_subpool": f"{TOKEN_SQL}", "canary_unique": f"{TOKEN_SQL}, ?",
                       "canary_shared": f"?, {TOKEN_SQL}"}[table]
            con.execute(f"INSERT INTO {table} SELECT {columns} FROM _canary_tokens", list(extra))
            con.unregister("_canary_tokens")

        if self.scheme is not None and not self._scheme_saved:
            try:
                values = [self.scheme[f] for f in SCHEME_FIELDS]
            except (KeyError, TypeError):
                raise RegistryError("canary scheme is malformed", path=str(self.path)) from None
            con.execute(f"INSERT INTO canary_scheme (id, {', '.join(SCHEME_FIELDS)}) VALUES (1, ?, ?, ?, ?)",
                        values)
            insert("canary_subpool", self.subpool)
        next_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM canary_recipients").fetchall()[0][0]
        for offset, a in enumerate(self.assignments[self._saved:]):
            rid = next_id + offset
            con.execute("INSERT INTO canary_recipients VALUES (?, ?, ?)", [rid, a.recipient, a.issued])
            insert("canary_unique", a.unique, rid)
            insert("canary_shared", a.shared, rid)
        self._saved, self._scheme_saved = len(self.assignments), self.scheme is not None

    @classmethod
    @contextlib.contextmanager
    def transaction(cls, state_dir: str | os.PathLike, keys: KeyMaterial) -> Iterator["CanaryStore"]:
        """The store under the registry's write lock; written when the block succeeds.

        Creates or upgrades the registry, imports an earlier ``canaries.json`` (see the
        module docstring) and checks the registry's key. Nothing is written if the block
        raises.
        """
        reg = open_registry(state_dir, key_id=keys.key_id)
        legacy_path = Path(state_dir) / LEGACY_FILE_NAME
        with reg.connection(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                store = cls._load(con, reg.path, keys.key_id, check_key=False)  # key: _prepare
                legacy = _read_legacy(Path(state_dir), keys)
                if legacy is not None:
                    old = cls(reg.path, keys.key_id, legacy)
                    if store.is_empty():
                        store = old
                        store._saved, store._scheme_saved = 0, False
                    else:
                        _check_imported(old, store, reg.path)
                yield store
                store._write(con)
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):  # a failed COMMIT has rolled back already
                    con.execute("ROLLBACK")
                raise
            if legacy is not None:  # still under the write lock: one process renames it
                _retire_legacy(legacy_path)


def _read_legacy(state_dir: Path, keys: KeyMaterial) -> dict | None:
    """The document of an earlier ``canaries.json`` not imported yet (None: there is none)."""
    path = state_dir / LEGACY_FILE_NAME
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise RegistryError("canary store is not valid JSON", path=str(path)) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        raise RegistryError("canary store is not valid JSON", path=str(path)) from None
    if not isinstance(doc, dict) or doc.get("format") != LEGACY_FORMAT or doc.get("version") != LEGACY_VERSION:
        raise RegistryError("not a contact-scanner canary store (version 1)", path=str(path))
    if doc.get("key_id") != keys.key_id:
        raise KeyMaterialError(
            "canary store was made under key {made}, the loaded key is {key}", path=str(path),
            made=doc.get("key_id"), key=keys.key_id)
    scheme = doc.get("scheme")
    try:
        recipients = doc.get("recipients", [])
        ok = (isinstance(recipients, list) and isinstance(doc.get("subpool", []), list)
              and (scheme is None or set(SCHEME_FIELDS) <= set(scheme))
              and all(isinstance(r["name"], str) and isinstance(r["issued"], str)
                      and isinstance(r["unique"], list) and isinstance(r["shared"], list)
                      for r in recipients)
              and (scheme is not None or not recipients))
    except (KeyError, TypeError):
        ok = False
    if not ok:
        raise RegistryError("canary store is malformed", path=str(path))
    return doc


def _check_imported(old: CanaryStore, store: CanaryStore, registry_path: Path) -> None:
    """Refuse an earlier ``canaries.json`` whose assignments are not all in the registry."""
    same_scheme = old.scheme is None or (
        {f: old.scheme[f] for f in SCHEME_FIELDS} == store.scheme and old.subpool == store.subpool)
    if same_scheme and all(store.recipient(a.recipient) == a for a in old.assignments):
        return
    raise RegistryError(
        "{file} (from an earlier version) holds canary assignments that differ from those in the registry; "
        "it was not imported. Check which is right, then move {file} out of the state dir",
        path=str(registry_path.parent / LEGACY_FILE_NAME), file=LEGACY_FILE_NAME)


def _retire_legacy(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.replace(path, path.with_name(path.name + MIGRATED_SUFFIX))
    path.with_name(path.name + ".lock").unlink(missing_ok=True)
