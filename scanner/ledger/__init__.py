"""Tamper-evident consent ledger: append, verify, checkpoint, latest consent."""

from scanner.ledger.ledger import (
    ACTIONS, CHANNELS, PURPOSES, CONSENT_SCHEMA, ConsentEvent, LedgerCheck, append_events, entries_after, latest_consent,
    verify_ledger,
)
from scanner.ledger.checkpoint import make_checkpoint, verify_against_checkpoint
from scanner.ledger.book import Appended, Checkpoint, Ledger, LedgerVerified
from scanner.ledger.merge import consent_from_ledger, file_consent_from

__all__ = [
    "ACTIONS", "CHANNELS", "PURPOSES",
    "Appended", "Checkpoint", "Ledger", "LedgerVerified", "CONSENT_SCHEMA", "ConsentEvent", "LedgerCheck", "append_events", "consent_from_ledger", "entries_after",
    "file_consent_from",
    "latest_consent", "make_checkpoint", "verify_against_checkpoint", "verify_ledger",
]
