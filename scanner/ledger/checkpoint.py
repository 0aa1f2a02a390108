"""Signed checkpoints of a consent ledger: its head (entry count, hash of the last line, time,
ledger key id) signed with an Ed25519 key, for an auditor or buyer. Checking a ledger
against one needs the public key only, not the ledger key; it detects any rewrite or
truncation of what the checkpoint covers."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from scanner.errors import KeyMaterialError, VerificationFailed
from scanner.ledger.ledger import DEFAULT_TZ, GENESIS, LedgerCheck, iso_time, verify_ledger
from scanner.privacy.keys import KeyMaterial

CHECKPOINT_SCHEMA = "contact-scanner/ledger-checkpoint/v1"


def make_checkpoint(path: str | os.PathLike, keys: KeyMaterial, signing_key, *,
                    now: dt.datetime | None = None) -> dict:
    """A signed head of an intact ledger: entry count, head hash, time, ledger key id."""
    from scanner.certify.signing import sign_document

    check = verify_ledger(path, keys)
    if not check.intact:
        raise VerificationFailed("ledger is not intact, refusing to checkpoint it: {reason}",
                                 path=str(path), reason=check.reason)
    doc = {
        "schema": CHECKPOINT_SCHEMA,
        "ledger": {"entries": check.entries, "head": check.head, "key_id": keys.key_id,
                   "name": Path(path).name},
        "at": iso_time(now or dt.datetime.now(ZoneInfo(DEFAULT_TZ))),
    }
    return sign_document(doc, signing_key)


def verify_against_checkpoint(path: str | os.PathLike, checkpoint: dict, public,
                              keys: KeyMaterial | None) -> LedgerCheck:
    """Verify the checkpoint's signature, then that the ledger still extends what it covers.

    Raises :class:`VerificationFailed` naming the reason; returns the ledger check when the
    covered prefix is unchanged (entries after it are checked by chain and, with ``keys``,
    MAC).
    """
    from scanner.certify.signing import verify_document

    verify_document(checkpoint, public, what="checkpoint")
    info = checkpoint.get("ledger")
    if checkpoint.get("schema") != CHECKPOINT_SCHEMA or not isinstance(info, dict):
        raise VerificationFailed("not a ledger checkpoint")
    covered, head = info.get("entries"), info.get("head")
    if not isinstance(covered, int) or covered < 0 or not isinstance(head, str):
        raise VerificationFailed("checkpoint has no entry count or head hash")
    if keys is not None and info.get("key_id") not in (None, keys.key_id):
        raise KeyMaterialError(
            "the checkpoint is for a ledger under key {written}, the loaded key is {key}", written=info.get("key_id"),
            key=keys.key_id)
    check = verify_ledger(path, keys)
    if check.entries < covered:
        raise VerificationFailed(
            "ledger truncated: the checkpoint covers {covered} entries, the ledger has {entries}",
            path=str(path), covered=covered, entries=check.entries)
    if check.first_bad is not None and check.first_bad <= covered:
        raise VerificationFailed("{reason} (inside the checkpointed part)", path=str(path), reason=check.reason)
    got = GENESIS if covered == 0 else check.line_hashes[covered - 1]
    if got != head:
        raise VerificationFailed(
            "entries 1..{covered} were rewritten since the checkpoint (head hash differs)", path=str(path),
            covered=covered)
    return check
