"""Tamper-evident consent ledger: append, verify, checkpoint, latest consent."""

from scanner.ledger.ledger import (
    CONSENT_SCHEMA, ConsentEvent, LedgerCheck, append_events, consent_from_ledger, latest_consent,
    make_checkpoint, verify_against_checkpoint, verify_ledger,
)

__all__ = [
    "CONSENT_SCHEMA", "ConsentEvent", "LedgerCheck", "append_events", "consent_from_ledger",
    "latest_consent", "make_checkpoint", "verify_against_checkpoint", "verify_ledger",
]
