"""Registry of lists seen before: keyed phone tokens only, in one DuckDB file.

Layout (``<state_dir>/registry.duckdb``; the schema and its upgrades: :mod:`scanner.registry.schema`):

* ``registry_meta(key, value)`` — format, schema version and the ``key_id`` of the
  pseudonymization key the tokens were made with;
* ``lists`` — one row per registered list: name, source, leaked mark, registration time,
  row count, distinct token count, input file sha256, content fingerprint (sha256 of the
  sorted distinct tokens) and the sketch size;
* ``tokens(list_id, token UHUGEINT)`` — every distinct 128-bit token of the list, inserted
  in token order (DuckDB's zone maps then prune by list and range);
* ``sketch(list_id, token)`` — a bottom-k sketch (the ``SKETCH_K`` smallest tokens: tokens
  are HMAC outputs, hence uniform, so the smallest ones are a MinHash sample) for
  near-duplicate candidate search when the registry outgrows exact joins;
* ``decisions`` / ``decision_history`` (a reviewer's decision per token) and
  ``suppressions`` (the do-not-contact store), read and written by
  :mod:`scanner.review.decisions` and :mod:`scanner.suppress.store`;
* ``list_versions(list_id, family, version, owner, findings)``: a list's owner kind
  (``own``: the user's own list, re-scanned month after month; ``received``: bought,
  shared or leaked) and its place among the versions registered under one name (the first
  keeps the name, later ones are ``NAME@vK``), with the finding counts of the scan that
  registered it. A list without a row is ``received``, version 1
  (:mod:`scanner.registry.versions`);
* the canary assignments (:mod:`scanner.canary.store`): ``canary_scheme`` (one row),
  ``canary_subpool(token)``, ``canary_recipients(id, name, issued)``,
  ``canary_unique(token, recipient_id)`` (a token is handed out once) and
  ``canary_shared(recipient_id, token)``.

No number is ever stored or printed: only tokens, which are useless without the key. How
the file is opened, shared between processes and created: :mod:`scanner.registry.connection`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from scanner.errors import RegistryError
from scanner.i18n import Text
from scanner.privacy.tokens import TOKEN_PATTERN
from scanner.registry.connection import DEFAULT_TIMEOUT, RegistryFile
from scanner.registry.schema import has_table
from scanner.registry.tokens import TOKEN_SQL, frame_fingerprint, token_frame

FILE_NAME = "registry.duckdb"
SKETCH_K = 1024
#: Above this many registered tokens, overlap search first shortlists lists by sketch.
EXACT_LIMIT = 50_000_000
#: How long a registration made after a scan's outputs are written waits for a busy
#: registry: giving up there would lose the registration (writes take well under a second,
#: so only a long queue of concurrent writers comes near it).
REGISTER_TIMEOUT = 600.0
_NAME_RE = re.compile(r"^[^\x00-\x1f]{1,200}$")
_VERSION_RE = re.compile(r"@v[0-9]+$")
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


def check_list_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_RE.match(name) or name != name.strip() or _VERSION_RE.search(name):
        raise RegistryError("list name must be 1-200 printable characters without surrounding spaces "
                            "(and not end in @vN, which names a version)")


def _name_taken(name: str) -> Text:
    return Text("a list named {name!r} is already registered; remove it first or choose another name", name=name)


def _first(rows: list):
    return rows[0] if rows else None


class Registry(RegistryFile):
    """Handle on ``<state_dir>/registry.duckdb``: its lists, and the evidence a scan reads
    from them. Holds no connection between calls."""

    def __init__(self, path: str | os.PathLike, *, key_id: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 exact_limit: int = EXACT_LIMIT, exclude_family: str | None = None):
        super().__init__(path, key_id=key_id, timeout=timeout)
        self.exact_limit = exact_limit
        #: a scan of a new version of this own list: its earlier versions are not "other lists"
        self.exclude_family = exclude_family

    @classmethod
    def open(cls, state_dir: str | os.PathLike, *, key_id: str | None = None, timeout: float = DEFAULT_TIMEOUT,
             exact_limit: int = EXACT_LIMIT) -> "Registry":
        """The registry of the state folder ``state_dir`` (created on the first write, never
        on a read). ``key_id``: the key its tokens must be made with."""
        return cls(Path(state_dir) / FILE_NAME, key_id=key_id, timeout=timeout, exact_limit=exact_limit)

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
        return has_table(con, "lists")

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
        frame = token_frame(tokens)
        fingerprint = frame_fingerprint(frame)
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
                con.execute(f"INSERT INTO tokens SELECT ?, {TOKEN_SQL} FROM _new_tokens", [list_id])
                con.register("_new_sketch", sketch)
                con.execute(f"INSERT INTO sketch SELECT ?, {TOKEN_SQL} FROM _new_sketch", [list_id])
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
        frame = token_frame(tokens)
        fingerprint = frame_fingerprint(frame)
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
                WITH q AS (SELECT {TOKEN_SQL} AS token FROM _q),
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
        con.execute(f"""CREATE TEMP TABLE _qs AS SELECT {TOKEN_SQL} AS token FROM _q
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
                    f"SELECT i FROM _q WHERE {TOKEN_SQL} IN (SELECT token FROM tokens "
                    f"WHERE list_id NOT IN {self._excluded(con)})").to_arrow_table()
                found = pl.from_arrow(found).get_column("i")
        return pl.int_range(0, s.len(), dtype=pl.UInt32, eager=True).is_in(found.implode()).alias("registered")




def open_registry(state_dir: str | os.PathLike, *, key_id: str | None = None,
                  timeout: float = DEFAULT_TIMEOUT, exact_limit: int = EXACT_LIMIT) -> Registry:
    """The registry of ``state_dir`` (created on the first write, never on a read)."""
    return Registry.open(state_dir, key_id=key_id, timeout=timeout, exact_limit=exact_limit)
