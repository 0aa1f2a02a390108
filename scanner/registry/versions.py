"""Owner kinds and versions of registered lists (``list_versions``, schema v4; docs/PRIVACY.md).

A data team re-scans its own list every month. ``scan --register NAME`` on a name that is
taken registers a new version (``NAME@v2``, ``NAME@v3``…; the first keeps the name). A
scan of a new version of an **own** list that is not marked leaked compares with the
earlier versions as a change (numbers added and removed, findings that appeared or went
away: :func:`changes`), not as a copy: they are left out of the overlaps, LS013–LS016 and
DU003. A copy of a received or leaked list stays a hard signal, versions or not.
"""

from __future__ import annotations

import json

import polars as pl

from scanner.registry.connection import RegistryFile
from scanner.registry.schema import has_table
from scanner.registry.tokens import TOKEN_SQL, token_frame


def _has_versions(con) -> bool:
    return has_table(con, "list_versions")


def catalogue_sql(con) -> str:
    """The family, version and owner columns and the ``FROM`` of the lists catalogue."""
    if _has_versions(con):
        return ("coalesce(v.family, l.name), coalesce(v.version, 1), coalesce(v.owner, 'received') "
                "FROM lists l LEFT JOIN list_versions v ON v.list_id = l.id")
    return "l.name, 1, 'received' FROM lists l"


def _family(con, family: str) -> pl.DataFrame:
    """The versions of ``family``: id, version, owner, leaked, row count, time, findings."""
    if _has_versions(con):
        sql = """SELECT l.id, coalesce(v.version, 1) AS version, coalesce(v.owner, 'received') AS owner,
                        l.leaked, l.row_count, l.token_count,
                        strftime(l.registered_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS registered_at,
                        v.findings
                 FROM lists l LEFT JOIN list_versions v ON v.list_id = l.id
                 WHERE coalesce(v.family, l.name) = ? ORDER BY version"""
    else:
        sql = """SELECT l.id, 1 AS version, 'received' AS owner, l.leaked, l.row_count, l.token_count,
                        strftime(l.registered_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS registered_at,
                        NULL::VARCHAR AS findings
                 FROM lists l WHERE l.name = ?"""
    return con.sql(sql, params=[family]).pl()


def next_version(con, family: str) -> int:
    versions = _family(con, family)
    return int(versions.get_column("version").max()) + 1 if versions.height else 1


def record_version(con, list_id: int, family: str, version: int, owner: str,
                   findings: dict[str, int] | None) -> None:
    if not _has_versions(con):  # (a file an older schema's build writes: received, version 1)
        return
    con.execute("INSERT INTO list_versions VALUES (?, ?, ?, ?, ?)",
                [list_id, family, version, owner, None if findings is None else json.dumps(findings, sort_keys=True)])


def own_version_ids(con, family: str) -> list[int]:
    """The ids of ``family``'s versions when it is an own list never marked leaked (else none:
    a copy of a received or leaked list stays a copy)."""
    versions = _family(con, family)
    if not versions.height or versions.get_column("leaked").any() or (versions.get_column("owner") != "own").any():
        return []
    return versions.get_column("id").to_list()


def changes(registry: RegistryFile, family: str, tokens: pl.Series, *, rows: int,
            findings: dict[str, int]) -> dict | None:
    """This scan against the latest registered version of the own list ``family``: numbers
    added and removed, rows before and now, and the finding codes whose counts changed.
    None when ``family`` is no own list (nothing to compare with)."""
    frame = token_frame(tokens)
    with registry.connection(write=False) as con:
        if con is None or not has_table(con, "lists") or not own_version_ids(con, family):
            return None
        latest = _family(con, family).row(-1, named=True)
        con.register("_now", frame)
        shared = con.execute(f"SELECT count(*) FROM tokens WHERE list_id = ? AND token IN "
                             f"(SELECT {TOKEN_SQL} FROM _now)", [latest["id"]]).fetchall()[0][0]
    before = json.loads(latest["findings"]) if latest["findings"] else {}
    codes = sorted(set(before) | set(findings))
    return {
        "against": {"list": family, "version": int(latest["version"]), "registered_at": latest["registered_at"]},
        "rows": {"before": latest["row_count"], "now": rows},
        "numbers": {"before": int(latest["token_count"]), "now": frame.height,
                    "added": frame.height - int(shared), "removed": int(latest["token_count"]) - int(shared)},
        "findings": {c: {"before": before.get(c, 0), "now": findings.get(c, 0)} for c in codes
                     if before.get(c, 0) != findings.get(c, 0)},
    }
