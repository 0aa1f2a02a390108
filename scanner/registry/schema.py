"""The registry file's schema: its tables, the steps that upgrade an older file, and the
check that a file is a registry of this key.

Schema versions: :data:`MIGRATIONS` upgrades a file step by step, on the next write (in
one transaction with the version bump). Reads never write: they accept any version from
:data:`MIN_READ_VERSION` on (later steps only added tables, which readers treat as empty)
and ask for an upgrade below it. The key check matters because tokens of another key never
match: a registry refuses to be used with a different key.
"""

from __future__ import annotations

from pathlib import Path

from scanner.errors import RegistryError

FORMAT = "contact-scanner/registry"
SCHEMA_VERSION = 4
#: The oldest schema this build reads without upgrading it (v2 to v4 only added tables).
MIN_READ_VERSION = 1

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
    [  # v2: canary assignments, tokens only
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


def has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_schema = 'main' AND table_name = ?", [name]).fetchall()[0][0])


def stored_key_id(con) -> str | None:
    """The ``key_id`` recorded in the file (None: none recorded yet)."""
    rows = con.execute("SELECT value FROM registry_meta WHERE key = 'key_id'").fetchall()
    return rows[0][0] if rows else None


def prepare(con, path: Path, key_id: str | None, *, write: bool) -> None:
    """Check format, version and key; create or migrate the schema on write."""
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    if not tables:
        if not write:
            return
        migrate(con, 0)
        if key_id:
            con.execute("INSERT INTO registry_meta VALUES ('key_id', ?)", [key_id])
        return
    if "registry_meta" not in tables:
        raise RegistryError("a DuckDB file that is not a contact-scanner registry; "
                            "left untouched", path=str(path))
    meta = dict(con.execute("SELECT key, value FROM registry_meta").fetchall())
    if meta.get("format") != FORMAT:
        raise RegistryError("a DuckDB file that is not a contact-scanner registry; "
                            "left untouched", path=str(path))
    try:
        version = int(meta.get("schema_version", ""))
    except ValueError:
        raise RegistryError("registry schema version is unreadable", path=str(path)) from None
    if version > SCHEMA_VERSION:
        raise RegistryError("registry schema v{version} is newer than this build (v{supported}); upgrade "
                            "contact-scanner", path=str(path), version=version, supported=SCHEMA_VERSION)
    stored_key = meta.get("key_id")
    if key_id and stored_key and stored_key != key_id:
        raise RegistryError("registry was built with key {stored}, not {key}; tokens of different keys never match",
                            path=str(path), stored=stored_key, key=key_id)
    if version < SCHEMA_VERSION and write:
        migrate(con, version)
    elif version < MIN_READ_VERSION:
        raise RegistryError("registry schema v{version} needs an upgrade; run any "
                            "`contact-scanner registry` write command", path=str(path), version=version)
    if write and key_id and not stored_key:
        con.execute("INSERT INTO registry_meta VALUES ('key_id', ?)", [key_id])


def migrate(con, from_version: int) -> None:
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

