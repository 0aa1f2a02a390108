"""The do-not-contact store: tokens with a scope, in the state folder's registry file (docs/PRIVACY.md).

Table ``suppressions`` (schema v3 of :mod:`scanner.registry.schema`): one row per entry — the
token, its scope (``channel``: sms, voice or all; ``purpose``: marketing, service or all),
the reason, its source (``manual``, ``withdrawn``, ``refused``, ``ledger``, ``decisions``),
when and by whom it was added, and, once removed, when, by whom and why. Entries are never
deleted: ``remove`` marks them removed, and only live entries suppress.

A scope matters because an unsubscribe from marketing SMS (退订) still allows service
notices: an entry suppresses a scan when its channel is the campaign's channel or ``all``
and its purpose is the campaign's (a ``notification`` campaign is a service one) or ``all``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from scanner.errors import InputError
from scanner.registry.store import FILE_NAME, REGISTER_TIMEOUT, Registry
from scanner.registry.tokens import TOKEN_SQL, token_frame, token_halves_sql, token_hex_sql, token_key_expr

CHANNELS = ("sms", "voice", "all")
PURPOSES = ("marketing", "service", "all")
SOURCES = ("manual", "withdrawn", "refused", "ledger", "decisions")


def _registry(state_dir: str | Path, key_id: str | None) -> Registry:
    return Registry(Path(state_dir) / FILE_NAME, key_id=key_id, timeout=REGISTER_TIMEOUT)


def scope_purpose(purpose: str) -> str:
    """A campaign purpose as a store scope (a notification is a service message)."""
    return "marketing" if purpose == "marketing" else "service"


def add_entries(state_dir: str | Path, key_id: str, tokens: pl.Series, *, reason: str, channel: str = "all",
                purpose: str = "all", source: str = "manual", who: str,
                when: dt.datetime | None = None) -> int:
    """Add ``tokens`` (32-hex) under one scope; a token already live under the same scope is
    not added twice. Returns how many entries were added."""
    if channel not in CHANNELS or purpose not in PURPOSES or source not in SOURCES:
        raise InputError("bad suppression scope: channel {channel!r}, purpose {purpose!r}, source {source!r}",
                         channel=channel, purpose=purpose, source=source)
    frame = token_frame(tokens)
    if not frame.height:
        return 0
    when = when or dt.datetime.now(dt.timezone.utc)
    with _registry(state_dir, key_id).connection(write=True) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("_new", frame)
            before = con.execute("SELECT count(*) FROM suppressions").fetchall()[0][0]
            con.execute(f"""
                INSERT INTO suppressions
                SELECT DISTINCT {TOKEN_SQL}, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL FROM _new
                WHERE {TOKEN_SQL} NOT IN (SELECT token FROM suppressions
                                          WHERE removed_at IS NULL AND channel = ? AND purpose = ?)""",
                        [channel, purpose, reason, source, when, who, channel, purpose])
            added = con.execute("SELECT count(*) FROM suppressions").fetchall()[0][0] - before
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return int(added)


def remove_entries(state_dir: str | Path, key_id: str, tokens: pl.Series, *, reason: str, who: str,
                   channel: str | None = None, purpose: str | None = None,
                   when: dt.datetime | None = None) -> int:
    """Mark the live entries of ``tokens`` removed (of one scope when given); returns how many."""
    frame = token_frame(tokens)
    when = when or dt.datetime.now(dt.timezone.utc)
    scope, params = "", []
    if channel is not None:
        scope, params = scope + " AND channel = ?", params + [channel]
    if purpose is not None:
        scope, params = scope + " AND purpose = ?", params + [purpose]
    with _registry(state_dir, key_id).connection(write=True) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("_gone", frame)
            where = f"removed_at IS NULL AND token IN (SELECT {TOKEN_SQL} FROM _gone){scope}"
            n = con.execute(f"SELECT count(*) FROM suppressions WHERE {where}", params).fetchall()[0][0]
            con.execute(f"UPDATE suppressions SET removed_at = ?, removed_by = ?, removed_reason = ? WHERE {where}",
                        [when, who, reason, *params])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return int(n)


def suppressed_keys(state_dir: str | Path, key_id: str | None, *, channel: str, purpose: str) -> pl.Series:
    """The ``number_key`` (token bits) of every live entry covering a campaign's channel and
    purpose; empty without a store."""
    empty = pl.Series("number_key", [], dtype=pl.UInt128)
    if not (Path(state_dir) / FILE_NAME).exists():
        return empty
    with _registry(state_dir, key_id).connection(write=False) as con:
        if con is None or not Registry.has_table(con, "suppressions"):
            return empty
        table = con.sql(f"""SELECT {token_halves_sql('token')} FROM suppressions
                            WHERE removed_at IS NULL AND channel IN (?, 'all') AND purpose IN (?, 'all')""",
                        params=[channel, scope_purpose(purpose)]).pl()
    # (a token live under two scopes comes twice: the scan's set drops repeats)
    return table.select(token_key_expr()).to_series()


def list_entries(state_dir: str | Path, key_id: str | None = None) -> list[dict]:
    """Counts per scope, reason, source and state, with first and last dates (no tokens)."""
    with _registry(state_dir, key_id).connection(write=False) as con:
        if con is None or not Registry.has_table(con, "suppressions"):
            return []
        rows = con.execute("""
            SELECT channel, purpose, reason, source, removed_at IS NULL AS live, count(*),
                   strftime(min(added_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ'),
                   strftime(max(added_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ')
            FROM suppressions GROUP BY ALL ORDER BY live DESC, channel, purpose, reason, source""").fetchall()
    keys = ("channel", "purpose", "reason", "source", "live", "entries", "first_added", "last_added")
    return [dict(zip(keys, r)) for r in rows]


def export_tokens(state_dir: str | Path, key_id: str | None = None) -> pl.DataFrame:
    """The live entries: ``phone_token``, ``channel``, ``purpose``, ``reason``, ``source``, ``added_at``."""
    with _registry(state_dir, key_id).connection(write=False) as con:
        if con is None or not Registry.has_table(con, "suppressions"):
            return pl.DataFrame(schema={c: pl.String for c in
                                        ("phone_token", "channel", "purpose", "reason", "source", "added_at")})
        return con.sql(f"""SELECT {token_hex_sql('token')} AS phone_token, channel, purpose, reason, source,
                                  strftime(added_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS added_at
                           FROM suppressions WHERE removed_at IS NULL ORDER BY added_at, phone_token""").pl()
