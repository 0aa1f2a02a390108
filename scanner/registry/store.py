"""Registry of lists seen before: keyed phone tokens only, in one DuckDB file.

Layout (``<state_dir>/registry.duckdb``, schema version :data:`SCHEMA_VERSION`):

* ``registry_meta(key, value)`` — ``format`` (:data:`FORMAT`), ``schema_version`` and the
  ``key_id`` of the pseudonymization key the tokens were made with (tokens of another key
  would never match, so a registry refuses to be used with a different key);
* ``lists`` — one row per registered list: name, source, leaked mark, registration time,
  row count, distinct token count, input file sha256, content fingerprint (sha256 of the
  sorted distinct tokens) and the sketch size;
* ``tokens(list_id, token UHUGEINT)`` — every distinct 128-bit token of the list, inserted
  in token order (DuckDB's zone maps then prune by list and range);
* ``sketch(list_id, token)`` — a bottom-k sketch (the ``SKETCH_K`` smallest tokens: tokens
  are HMAC outputs, hence uniform, so the smallest ones are a MinHash sample) for
  near-duplicate candidate search when the registry outgrows exact joins;
* since schema v3, ``decisions`` / ``decision_history`` (a reviewer's decision per token)
  and ``suppressions`` (the do-not-contact store), read and written by
  :mod:`scanner.review.decisions` and :mod:`scanner.suppress.store`;
* since schema v4, ``list_versions(list_id, family, version, owner, findings)``: a list's
  owner kind (``own``: the user's own list, re-scanned month after month; ``received``:
  bought, shared or leaked) and its place among the versions registered under one name
  (the first keeps the name, later ones are ``NAME@vK``), with the finding counts of the
  scan that registered it. A list without a row is ``received``, version 1;
* since schema v2, the canary assignments (:mod:`scanner.canary.store` reads and writes
  them): ``canary_scheme`` (one row), ``canary_subpool(token)``,
  ``canary_recipients(id, name, issued)``, ``canary_unique(token, recipient_id)`` (a token is
  handed out once) and ``canary_shared(recipient_id, token)``.

Schema versions: :data:`MIGRATIONS` upgrades a file step by step, on the next write (in
one transaction with the version bump). Reads never write: they accept any version from
:data:`MIN_READ_VERSION` on (later steps only added tables, which readers treat as empty)
and ask for an upgrade below it.

No number is ever stored or printed: only tokens, which are useless without the key.

Concurrency: DuckDB lets one process hold the file read-write, or several read-only, never
both. Every operation therefore opens a short-lived connection (read-only for reads) and
closes it at once; when the file is locked by another process the operation backs off and
retries up to ``timeout`` seconds, then raises :class:`RegistryError` ("busy"). A write is
one transaction: two concurrent registrations both land, one after the other, or the loser
fails cleanly with a busy error; a crash leaves the previous state (DuckDB's WAL).

A file that is not a DuckDB database, or a DuckDB database that is not a contact-scanner
registry, is reported and never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import polars as pl

from scanner.errors import RegistryError
from scanner.i18n import Text
from scanner.io_errors import check_fault, errno_of, write_error, writing
from scanner.privacy.safe_files import make_dir, remove_created
from scanner.privacy.tokens import TOKEN_PATTERN

FORMAT = "contact-scanner/registry"
SCHEMA_VERSION = 4
#: The oldest schema this build reads without upgrading it (v2 to v4 only added tables).
MIN_READ_VERSION = 1
FILE_NAME = "registry.duckdb"
SKETCH_K = 1024
#: Above this many registered tokens, overlap search first shortlists lists by sketch.
EXACT_LIMIT = 50_000_000
DEFAULT_TIMEOUT = 30.0
#: How long a registration made after a scan's outputs are written waits for a busy
#: registry: giving up there would lose the registration (writes take well under a second,
#: so only a long queue of concurrent writers comes near it).
REGISTER_TIMEOUT = 600.0
_NAME_RE = re.compile(r"^[^\x00-\x1f]{1,200}$")
_VERSION_RE = re.compile(r"@v[0-9]+$")
_DUCKDB_MAGIC = b"DUCK"

# Each entry upgrades the schema from version ``i`` to ``i + 1`` (index 0 creates it).
MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE registry_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
        """CREATE TABLE lists (
               id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, source VARCHAR,
               leaked BOOLEAN NOT NULL, registered_at TIMESTAMPTZ NOT NULL,
               row_count BIGINT, token_count BIGINT NOT NULL, input_sha256 VARCHAR,
               content_fingerprint VARCHAR NOT NULL, sketch_size INTEGER NOT NULL)""",
        "CREATE TABLE tokens (list_id INTEGER NOT NULL, token UHUGEINT NOT NULL)",
        "CREATE TABLE sketch (list_id INTEGER NOT NULL, token UHUGEINT NOT NULL)",
    ],
    [  # v2: canary assignments, tokens only (they used to live in canaries.json)
        """CREATE TABLE canary_scheme (
               id INTEGER PRIMARY KEY CHECK (id = 1), name VARCHAR NOT NULL,
               coalition INTEGER NOT NULL, subpool INTEGER NOT NULL,
               shared_per_copy INTEGER NOT NULL)""",
        "CREATE TABLE canary_subpool (token UHUGEINT PRIMARY KEY)",
        """CREATE TABLE canary_recipients (
               id INTEGER PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, issued VARCHAR NOT NULL)""",
        "CREATE TABLE canary_unique (token UHUGEINT PRIMARY KEY, recipient_id INTEGER NOT NULL)",
        """CREATE TABLE canary_shared (
               recipient_id INTEGER NOT NULL, token UHUGEINT NOT NULL,
               PRIMARY KEY (recipient_id, token))""",
    ],
    [  # v3: reviewers' decisions (scanner/review/decisions.py) and the do-not-contact store
       # (scanner/suppress/store.py), tokens only
        """CREATE TABLE decisions (
               token UHUGEINT PRIMARY KEY, decision VARCHAR NOT NULL, codes VARCHAR NOT NULL,
               reviewer VARCHAR NOT NULL, note VARCHAR, decided_at TIMESTAMPTZ NOT NULL,
               scan_id VARCHAR NOT NULL)""",
        """CREATE TABLE decision_history (
               token UHUGEINT NOT NULL, decision VARCHAR NOT NULL, codes VARCHAR NOT NULL,
               reviewer VARCHAR NOT NULL, note VARCHAR, decided_at TIMESTAMPTZ NOT NULL,
               scan_id VARCHAR NOT NULL)""",
        """CREATE TABLE suppressions (
               token UHUGEINT NOT NULL, channel VARCHAR NOT NULL, purpose VARCHAR NOT NULL,
               reason VARCHAR NOT NULL, source VARCHAR NOT NULL, added_at TIMESTAMPTZ NOT NULL,
               added_by VARCHAR NOT NULL, removed_at TIMESTAMPTZ, removed_by VARCHAR,
               removed_reason VARCHAR)""",
    ],
    [  # v4: a list's owner kind and versions (a list without a row: received, version 1)
        """CREATE TABLE list_versions (
               list_id INTEGER PRIMARY KEY, family VARCHAR NOT NULL, version INTEGER NOT NULL,
               owner VARCHAR NOT NULL, findings VARCHAR)""",
    ],
]
OWNERS = ("own", "received")


@dataclass(frozen=True)
class ListInfo:
    """What the registry knows about one list (no tokens)."""

    name: str
    source: str | None
    leaked: bool
    registered_at: str
    row_count: int | None
    token_count: int
    input_sha256: str | None
    content_fingerprint: str
    family: str | None = None
    version: int = 1
    owner: str = "received"

    def to_dict(self) -> dict:
        return asdict(self)


def _hex_frame(tokens: pl.Series) -> pl.DataFrame:
    """Distinct, validated tokens as ``hi``/``lo`` UInt64 halves, in token order.

    Integer work only (validate, split, sort, drop adjacent repeats): ~0.3 s a million.
    """
    s = tokens.cast(pl.String).drop_nulls()
    bad = int(((s.str.len_bytes() != 32) | s.str.contains(r"[^0-9a-f]")).sum())
    if bad:
        raise RegistryError("{n} value(s) are not 32-hex phone tokens; refusing to register them", n=bad)
    frame = pl.DataFrame({
        "hi": s.str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64),
        "lo": s.str.slice(16, 16).str.to_integer(base=16, dtype=pl.UInt64),
    }).sort("hi", "lo")
    new = (pl.col("hi") != pl.col("hi").shift(1)) | (pl.col("lo") != pl.col("lo").shift(1))
    return frame.filter(new.fill_null(True))


def _fingerprint(frame: pl.DataFrame) -> str:
    """sha256 over the sorted distinct tokens (all high halves, then all low halves, as
    little-endian 64-bit words): equal iff the number sets are equal."""
    digest = hashlib.sha256()
    for name in ("hi", "lo"):
        arr = frame.get_column(name).rechunk().to_arrow()
        data = arr.buffers()[1]
        if data is not None:  # the array may view part of a larger buffer
            digest.update(memoryview(data)[arr.offset * 8:(arr.offset + len(arr)) * 8])
    return digest.hexdigest()


def token_frame(tokens: pl.Series) -> pl.DataFrame:
    """Distinct validated 32-hex tokens as ``hi``/``lo`` UInt64 halves; insert them with
    :data:`TOKEN_SQL` (raises :class:`RegistryError` on anything that is not a token)."""
    return _hex_frame(tokens)


def content_fingerprint(tokens: pl.Series) -> str:
    """The registry's content fingerprint of a token series (nulls and repeats ignored)."""
    return _fingerprint(_hex_frame(tokens))


def check_list_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_RE.match(name) or name != name.strip() or _VERSION_RE.search(name):
        raise RegistryError("list name must be 1-200 printable characters without surrounding spaces "
                            "(and not end in @vN, which names a version)")


def _name_taken(name: str) -> Text:
    return Text("a list named {name!r} is already registered; remove it first or choose another name", name=name)


def _first(rows: list):
    return rows[0] if rows else None


_TOKEN_SQL = "((hi::UHUGEINT << 64) | lo::UHUGEINT)"
#: SQL building a ``UHUGEINT`` token from the ``hi``/``lo`` columns of :func:`token_frame`.
TOKEN_SQL = _TOKEN_SQL


def token_halves_sql(column: str) -> str:
    """SQL selecting a ``UHUGEINT`` token column as ``hi``/``lo`` UInt64 halves (see
    :func:`token_key_expr`): fetched as two integer columns, 50x faster than as hex text."""
    return f"({column} >> 64)::UBIGINT AS hi, ({column} & 18446744073709551615::UHUGEINT)::UBIGINT AS lo"


def token_key_expr() -> pl.Expr:
    """The token's 128 bits (the scan's ``number_key``) from ``hi``/``lo`` halves."""
    return (pl.col("hi").cast(pl.UInt128) * pl.lit(1 << 64, dtype=pl.UInt128)
            + pl.col("lo").cast(pl.UInt128)).alias("number_key")


def token_hex_sql(column: str) -> str:
    """SQL turning a ``UHUGEINT`` token column back into its 32 lowercase hex characters."""
    return f"printf('%032x', {column})"


class Registry:
    """Handle on ``<state_dir>/registry.duckdb``; holds no connection between calls."""

    def __init__(self, path: Path, *, key_id: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 exact_limit: int = EXACT_LIMIT, exclude_family: str | None = None):
        self.path = Path(path)
        self.key_id = key_id
        self.timeout = timeout
        self.exact_limit = exact_limit
        #: a scan of a new version of this own list: its earlier versions are not "other lists"
        self.exclude_family = exclude_family
        self._check_file()

    def excluding(self, family: str | None) -> "Registry":
        """This registry, with the earlier versions of the own list ``family`` left out of
        overlaps and DU003 (:mod:`scanner.registry.versions`)."""
        return Registry(self.path, key_id=self.key_id, timeout=self.timeout, exact_limit=self.exact_limit,
                        exclude_family=family)

    def _excluded(self, con) -> str:
        """SQL list of the list ids left out (``(-1)``: none; ids are positive)."""
        from scanner.registry.versions import own_version_ids

        ids = own_version_ids(con, self.exclude_family) if self.exclude_family else []
        return "(" + ",".join(str(int(i)) for i in ids) + ")" if ids else "(-1)"

    # -- connections --------------------------------------------------------------------

    def _check_file(self) -> None:
        if not self.path.exists():
            return
        if self.path.is_dir():
            raise RegistryError("is a directory, not a registry file", path=str(self.path))
        with self.path.open("rb") as fh:
            head = fh.read(16)
        if len(head) < 12 or head[8:12] != _DUCKDB_MAGIC:
            raise RegistryError("not a contact-scanner registry (not a DuckDB file); "
                                "left untouched", path=str(self.path))

    def _create(self) -> None:
        """Create the file atomically: build it aside, then hard-link it into place.

        A reader or a second creator never sees a half-written file; when two processes
        create at once, one link wins and the other's copy is discarded.
        """
        created = make_dir(self.path.parent)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{random.getrandbits(32):08x}.tmp")
        try:
            with writing(self.path):
                check_fault(self.path, "create")
                con = duckdb.connect(str(tmp))
                try:
                    self._prepare(con, write=True)
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
                os.chmod(tmp, 0o600)
                try:
                    os.link(tmp, self.path)
                except FileExistsError:
                    pass
        except BaseException:
            remove_created(created)
            raise
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)

    @contextmanager
    def _connect(self, *, write: bool):
        """A short-lived connection; retries while another process holds the file."""
        if not write and not self.path.exists():
            yield None
            return
        if write and not self.path.exists():
            self._create()
        self._check_file()
        if write:
            with writing(self.path):
                check_fault(self.path, "create")
        deadline = time.monotonic() + self.timeout
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=not write)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    if write and errno_of(exc) is not None:  # a full disk, a read-only folder, ...
                        raise write_error(self.path, errno_of(exc)) from exc
                    raise RegistryError("cannot open the registry (corrupt or unreadable); "
                                        "left untouched", path=str(self.path)) from None
                if time.monotonic() >= deadline:
                    raise RegistryError(
                        "registry is busy (another contact-scanner process holds it for more than {seconds:g} s); "
                        "try again", path=str(self.path), seconds=self.timeout) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.5)
            except duckdb.Error:
                raise RegistryError("cannot open the registry (corrupt or unreadable); "
                                    "left untouched", path=str(self.path)) from None
        try:
            self._prepare(con, write=write)
            if write:
                with writing(self.path):
                    check_fault(self.path, "write")
            yield con
        except duckdb.Error as exc:
            if write and errno_of(exc) is not None:  # a full disk, a read-only folder, ...
                raise write_error(self.path, errno_of(exc)) from exc
            raise RegistryError("registry query failed ({error}: {detail})", path=str(self.path),
                                error=type(exc).__name__, detail=str(exc).splitlines()[0][:200]) from None
        finally:
            con.close()

    def _prepare(self, con, *, write: bool) -> None:
        """Check format, version and key; create or migrate the schema on write."""
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        if not tables:
            if not write:
                return
            self._migrate(con, 0)
            if self.key_id:
                con.execute("INSERT INTO registry_meta VALUES ('key_id', ?)", [self.key_id])
            return
        if "registry_meta" not in tables:
            raise RegistryError("a DuckDB file that is not a contact-scanner registry; "
                                "left untouched", path=str(self.path))
        meta = dict(con.execute("SELECT key, value FROM registry_meta").fetchall())
        if meta.get("format") != FORMAT:
            raise RegistryError("a DuckDB file that is not a contact-scanner registry; "
                                "left untouched", path=str(self.path))
        try:
            version = int(meta.get("schema_version", ""))
        except ValueError:
            raise RegistryError("registry schema version is unreadable", path=str(self.path)) from None
        if version > SCHEMA_VERSION:
            raise RegistryError("registry schema v{version} is newer than this build (v{supported}); upgrade "
                                "contact-scanner", path=str(self.path), version=version, supported=SCHEMA_VERSION)
        stored_key = meta.get("key_id")
        if self.key_id and stored_key and stored_key != self.key_id:
            raise RegistryError("registry was built with key {stored}, not {key}; tokens of different keys never match",
                                path=str(self.path), stored=stored_key, key=self.key_id)
        if version < SCHEMA_VERSION and write:
            self._migrate(con, version)
        elif version < MIN_READ_VERSION:
            raise RegistryError("registry schema v{version} needs an upgrade; run any "
                                "`contact-scanner registry` write command", path=str(self.path), version=version)
        if write and self.key_id and not stored_key:
            con.execute("INSERT INTO registry_meta VALUES ('key_id', ?)", [self.key_id])

    @staticmethod
    def _migrate(con, from_version: int) -> None:
        """Apply the steps after ``from_version`` (0: a new file) and record the new version,
        all in one transaction: a crash leaves the file at its old version."""
        con.execute("BEGIN TRANSACTION")
        try:
            for step in MIGRATIONS[from_version:SCHEMA_VERSION]:
                for statement in step:
                    con.execute(statement)
            if from_version == 0:
                con.execute("INSERT INTO registry_meta VALUES ('format', ?), ('schema_version', ?)",
                            [FORMAT, str(SCHEMA_VERSION)])
            else:
                con.execute("UPDATE registry_meta SET value = ? WHERE key = 'schema_version'",
                            [str(SCHEMA_VERSION)])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    @contextmanager
    def connection(self, *, write: bool):
        """A short-lived connection for the other token tables of this file (canaries).

        Reads get a read-only connection, or ``None`` when there is no registry file yet (a
        read never creates it); a write creates or upgrades the file first. Both retry while
        another process holds the file and turn DuckDB errors into :class:`RegistryError`.
        """
        with self._connect(write=write) as con:
            yield con

    @staticmethod
    def has_table(con, name: str) -> bool:
        return bool(con.execute("SELECT count(*) FROM information_schema.tables "
                                "WHERE table_schema = 'main' AND table_name = ?", [name]).fetchall()[0][0])

    @staticmethod
    def stored_key_id(con) -> str | None:
        """The ``key_id`` recorded in the file (None: none recorded yet)."""
        return _first([r[0] for r in con.execute(
            "SELECT value FROM registry_meta WHERE key = 'key_id'").fetchall()])

    # -- catalogue ----------------------------------------------------------------------

    _LIST_COLUMNS = ("name, source, leaked, strftime(registered_at AT TIME ZONE 'UTC', "
                     "'%Y-%m-%dT%H:%M:%SZ'), row_count, token_count, input_sha256, content_fingerprint")

    def _catalogue(self, con) -> str:
        """``SELECT … FROM`` the lists with their family, version and owner (:class:`ListInfo`)."""
        from scanner.registry.versions import catalogue_sql

        return f"SELECT {self._LIST_COLUMNS}, {catalogue_sql(con)}"

    def list(self) -> list[ListInfo]:
        with self._connect(write=False) as con:
            if con is None or not self._has_schema(con):
                return []
            rows = con.execute(f"{self._catalogue(con)} ORDER BY registered_at, name").fetchall()
        return [ListInfo(*r) for r in rows]

    def show(self, name: str) -> ListInfo:
        with self._connect(write=False) as con:
            row = None
            if con is not None and self._has_schema(con):
                row = _first(con.execute(f"{self._catalogue(con)} WHERE name = ?", [name]).fetchall())
        if row is None:
            raise RegistryError("no registered list named {name!r}", path=str(self.path), name=name)
        return ListInfo(*row)

    def has_lists(self) -> bool:
        """Whether any list is registered (a read; False without a file)."""
        with self._connect(write=False) as con:
            return bool(con is not None and self._has_schema(con)
                        and con.execute("SELECT count(*) FROM lists").fetchall()[0][0])

    @classmethod
    def _has_schema(cls, con) -> bool:
        return cls.has_table(con, "lists")

    def check_new_name(self, name: str, *, as_version: bool = False) -> None:
        """Raise :class:`RegistryError` unless ``name`` is a valid name no list has yet.

        Callers check before they write anything (a scan's outputs); :meth:`add` checks
        again in its transaction, since another process may take the name in between.
        """
        check_list_name(name)
        with self._connect(write=False) as con:
            taken = (not as_version and con is not None and self._has_schema(con)
                     and bool(con.execute("SELECT 1 FROM lists WHERE name = ?", [name]).fetchall()))
        if taken:
            raise RegistryError(_name_taken(name), path=str(self.path))

    def add(self, name: str, tokens: pl.Series, *, source: str | None = None, leaked: bool = False,
            row_count: int | None = None, input_sha256: str | None = None,
            registered_at: dt.datetime | None = None, owner: str = "received", as_version: bool = False,
            findings: dict[str, int] | None = None) -> ListInfo:
        """Register a list's phone tokens (32-hex strings; nulls and repeats are dropped).

        ``as_version``: a taken name gets a new version (``NAME@vK``) instead of an error;
        ``owner``: ``own`` or ``received``; ``findings``: the registering scan's counts."""
        from scanner.registry.versions import next_version, record_version

        check_list_name(name)
        if owner not in OWNERS:
            raise RegistryError("owner must be one of {owners}", owners=", ".join(OWNERS))
        frame = _hex_frame(tokens)
        fingerprint = _fingerprint(frame)
        when = registered_at or dt.datetime.now(dt.timezone.utc)
        sketch = frame.head(SKETCH_K)  # already sorted: the k smallest tokens
        with self._connect(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                version = next_version(con, name)
                if version > 1 and not as_version:
                    raise RegistryError(_name_taken(name), path=str(self.path))
                row_name = name if version == 1 else f"{name}@v{version}"
                list_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM lists").fetchall()[0][0]
                con.execute("INSERT INTO lists (id, name, source, leaked, registered_at, row_count, token_count, "
                            "input_sha256, content_fingerprint, sketch_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [list_id, row_name, source, bool(leaked), when, row_count, frame.height,
                             input_sha256, fingerprint, sketch.height])
                record_version(con, list_id, name, version, owner, findings)
                con.register("_new_tokens", frame)
                con.execute(f"INSERT INTO tokens SELECT ?, {_TOKEN_SQL} FROM _new_tokens", [list_id])
                con.register("_new_sketch", sketch)
                con.execute(f"INSERT INTO sketch SELECT ?, {_TOKEN_SQL} FROM _new_sketch", [list_id])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return self.show(row_name)

    def remove(self, name: str) -> ListInfo:
        info = self.show(name)
        with self._connect(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            row = _first(con.execute("SELECT id FROM lists WHERE name = ?", [name]).fetchall())
            if row is None:
                con.execute("ROLLBACK")
                raise RegistryError("no registered list named {name!r}", path=str(self.path), name=name)
            for table in ("tokens", "sketch", "list_versions"):
                con.execute(f"DELETE FROM {table} WHERE list_id = ?", [row[0]])
            con.execute("DELETE FROM lists WHERE id = ?", [row[0]])
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        return info

    # -- evidence -----------------------------------------------------------------------

    def overlaps(self, tokens: pl.Series, *, input_sha256: str | None = None, top: int = 10,
                 min_shared: int = 1) -> list[dict]:
        """Registered lists sharing numbers with ``tokens``, best containment first.

        Each match: ``list``, ``containment`` (share of this list's distinct numbers inside
        the registered one), ``jaccard``, ``shared``, ``source``, ``leaked``, ``exact``
        (same input file or same number set) and ``same_file``. Figures are exact; above ``exact_limit``
        registered tokens only the lists :meth:`_shortlist` keeps are joined.
        """
        frame = _hex_frame(tokens)
        fingerprint = _fingerprint(frame)
        n = frame.height
        with self._connect(write=False) as con:
            if con is None or not self._has_schema(con):
                return []
            con.register("_q", frame)
            total = con.execute("SELECT coalesce(sum(token_count), 0) FROM lists").fetchall()[0][0]
            excluded = self._excluded(con)
            where = f"WHERE t.list_id NOT IN {excluded}"
            if total > self.exact_limit:
                where = self._shortlist(con, n) + f" AND t.list_id NOT IN {excluded}"
            rows = con.execute(f"""
                WITH q AS (SELECT {_TOKEN_SQL} AS token FROM _q),
                hits AS (SELECT t.list_id, count(*) AS shared FROM tokens t JOIN q USING (token)
                         {where} GROUP BY t.list_id)
                SELECT l.name, l.source, l.leaked, l.token_count, l.input_sha256,
                       l.content_fingerprint, coalesce(h.shared, 0)
                FROM lists l LEFT JOIN hits h ON h.list_id = l.id
                WHERE (coalesce(h.shared, 0) >= ? OR l.input_sha256 = ? OR l.content_fingerprint = ?)
                      AND l.id NOT IN {excluded}
                """, [min_shared, input_sha256, fingerprint]).fetchall()
        out = []
        for name, source, leaked, count, sha, fp, shared in rows:
            union = n + count - shared
            same_file = input_sha256 is not None and sha == input_sha256
            out.append({
                "list": name,
                "containment": shared / n if n else 0.0,
                "jaccard": shared / union if union else 0.0,
                "shared": int(shared),
                "source": source,
                "leaked": bool(leaked),
                "exact": bool(same_file or fp == fingerprint),
                "same_file": same_file,
            })
        out.sort(key=lambda m: (-m["exact"], -m["containment"], -m["jaccard"], m["list"]))
        return out[:top] if top else out

    def _shortlist(self, con, n: int) -> str:
        """Restrict the exact join to lists whose bottom-k sketch suggests an overlap.

        Tokens are uniform, so the query's ``SKETCH_K`` smallest tokens are a uniform sample
        of it: a registered list holding a share ``c`` of the query is missed with
        probability ``(1 - c)^k`` (< 1% at c = 0.5%). Near-duplicates are also found by
        joining the two bottom-k sketches (MinHash), which touches only ``k`` rows a list.
        """
        con.execute(f"""CREATE TEMP TABLE _qs AS SELECT {_TOKEN_SQL} AS token FROM _q
                        ORDER BY 1 LIMIT {SKETCH_K}""")
        ids = [r[0] for r in con.execute("""
            SELECT DISTINCT s.list_id FROM sketch s JOIN _qs USING (token)
            UNION SELECT DISTINCT t.list_id FROM tokens t JOIN _qs USING (token)""").fetchall()]
        return "WHERE t.list_id IN (" + ",".join(str(int(i)) for i in ids) + ")" if ids else "WHERE false"

    def contains(self, tokens: pl.Series) -> pl.Series:
        """Boolean mask aligned with ``tokens``: the token is in some registered list (DU003)."""
        s = tokens.cast(pl.String)
        query = (pl.DataFrame({"t": s}).with_row_index("i")
                 .filter(pl.col("t").str.contains(TOKEN_PATTERN))
                 .select("i", pl.col("t").str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64).alias("hi"),
                         pl.col("t").str.slice(16, 16).str.to_integer(base=16, dtype=pl.UInt64).alias("lo")))
        found = pl.Series("i", [], dtype=pl.UInt32)
        with self._connect(write=False) as con:
            if con is not None and self._has_schema(con) and query.height:
                con.register("_q", query)
                found = con.sql(
                    f"SELECT i FROM _q WHERE {_TOKEN_SQL} IN (SELECT token FROM tokens "
                    f"WHERE list_id NOT IN {self._excluded(con)})").to_arrow_table()
                found = pl.from_arrow(found).get_column("i")
        return pl.int_range(0, s.len(), dtype=pl.UInt32, eager=True).is_in(found.implode()).alias("registered")


def open_registry(state_dir: str | os.PathLike, *, key_id: str | None = None,
                  timeout: float = DEFAULT_TIMEOUT, exact_limit: int = EXACT_LIMIT) -> Registry:
    """The registry of ``state_dir`` (created on the first write, never on a read)."""
    return Registry(Path(state_dir) / FILE_NAME, key_id=key_id, timeout=timeout, exact_limit=exact_limit)
