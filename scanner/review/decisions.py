"""Reviewers' decisions, one per phone token, in the state folder's registry file (docs/PRIVACY.md).

Tables (schema v3 of :mod:`scanner.registry.schema`): ``decisions`` holds each token's current
decision (the latest applied), ``decision_history`` every decision ever applied. A decision
keeps who made it, when, why (the note, its numbers masked), the scan it was made on and
the finding codes it covered. Tokens only: no number is stored.

Writes are one transaction on a short-lived connection; two reviewers applying sheets at
once both land, one after the other (the second waits for the file, up to
:data:`~scanner.registry.store.REGISTER_TIMEOUT`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scanner.registry.store import FILE_NAME, REGISTER_TIMEOUT, Registry
from scanner.registry.tokens import TOKEN_SQL, token_halves_sql, token_hex_sql, token_key_expr

DECISIONS = ("approve", "reject", "suppress")

#: The stored decisions as the scan reads them.
STORED_SCHEMA = {"number_key": pl.UInt128, "decision": pl.String, "codes": pl.String,
                 "decided_at": pl.Datetime("us", "UTC")}


@dataclass(frozen=True)
class Decision:
    """One decision to store (``codes``: the findings it covers, comma-separated)."""

    token: str
    decision: str
    codes: str
    note: str | None


def _registry(state_dir: str | Path, key_id: str | None, timeout: float) -> Registry:
    return Registry(Path(state_dir) / FILE_NAME, key_id=key_id, timeout=timeout)


def store_decisions(state_dir: str | Path, key_id: str, decisions: pl.DataFrame, *, reviewer: str,
                    scan_id: str, when: dt.datetime | None = None, timeout: float = REGISTER_TIMEOUT) -> int:
    """Store ``decisions`` (columns ``token``, ``decision``, ``codes``, ``note``) in one
    transaction: each replaces its token's current decision and joins the history."""
    when = when or dt.datetime.now(dt.timezone.utc)
    frame = decisions.select(
        pl.col("token").str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64).alias("hi"),
        pl.col("token").str.slice(16, 16).str.to_integer(base=16, dtype=pl.UInt64).alias("lo"),
        "decision", "codes", "note")
    with _registry(state_dir, key_id, timeout).connection(write=True) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("_decided", frame)
            values = f"SELECT {TOKEN_SQL}, decision, codes, ?, note, ?, ? FROM _decided"
            con.execute(f"INSERT OR REPLACE INTO decisions {values}", [reviewer, when, scan_id])
            con.execute(f"INSERT INTO decision_history {values}", [reviewer, when, scan_id])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return frame.height


def load_decisions(state_dir: str | Path, key_id: str | None = None) -> pl.DataFrame:
    """Every token's current decision (:data:`STORED_SCHEMA`); empty without a store."""
    empty = pl.DataFrame(schema=STORED_SCHEMA)
    path = Path(state_dir) / FILE_NAME
    if not path.exists():
        return empty
    with _registry(state_dir, key_id, REGISTER_TIMEOUT).connection(write=False) as con:
        if con is None or not Registry.has_table(con, "decisions"):
            return empty
        table = con.sql(f"SELECT {token_halves_sql('token')}, decision, codes, "
                        "decided_at AT TIME ZONE 'UTC' AS decided_at FROM decisions").pl()
    return table.select(token_key_expr(), "decision", "codes",
                        pl.col("decided_at").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))


def decision_history(state_dir: str | Path, key_id: str | None = None) -> pl.DataFrame:
    """Every decision applied, oldest first (tokens, no numbers)."""
    with _registry(state_dir, key_id, REGISTER_TIMEOUT).connection(write=False) as con:
        if con is None or not Registry.has_table(con, "decision_history"):
            return pl.DataFrame(schema={"token": pl.String, "decision": pl.String, "codes": pl.String,
                                        "reviewer": pl.String, "note": pl.String, "scan_id": pl.String})
        return con.sql(f"SELECT {token_hex_sql('token')} AS token, decision, codes, reviewer, note, scan_id, "
                       "decided_at FROM decision_history ORDER BY decided_at").pl()
