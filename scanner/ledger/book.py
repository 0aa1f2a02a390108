"""``Ledger``: one consent ledger file and the key it is MACed with; each ``ledger``
command is one of its methods."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from scanner.errors import VerificationFailed
from scanner.ledger.checkpoint import make_checkpoint, verify_against_checkpoint
from scanner.ledger.ledger import ConsentEvent, LedgerCheck, append_events, parse_time, verify_ledger
from scanner.ledger.numbers import read_numbers
from scanner.privacy.keys import KeyMaterial


@dataclass(frozen=True)
class Appended:
    """Entries ``first``..``last`` appended, one per number."""

    ledger: Path
    action: str
    count: int
    first: int
    last: int


@dataclass(frozen=True)
class Checkpoint:
    """A signed head of the ledger, written to ``path`` (``doc`` is the signed document)."""

    path: Path
    doc: dict
    entries: int
    head: str
    signer: str


@dataclass(frozen=True)
class LedgerVerified:
    """An intact ledger. With a checkpoint: ``covered`` entries unchanged since ``at``;
    ``macs_checked`` is False when there was no ledger key (chain and checkpoint only)."""

    ledger: Path
    entries: int
    head: str
    macs_checked: bool
    covered: int | None = None
    at: str | None = None


class Ledger:
    """The consent ledger at ``path``; ``keys`` MAC its entries (None: an auditor without
    the key can still check the chain against a signed checkpoint). ``keys`` may be a
    function giving them, called only once the numbers to append were read: a bad input
    then makes no new key."""

    def __init__(self, path: str | os.PathLike, keys: KeyMaterial | Callable[[], KeyMaterial] | None = None):
        self.path = Path(path)
        self._keys = keys

    @property
    def keys(self) -> KeyMaterial | None:
        if callable(self._keys):
            self._keys = self._keys()
        return self._keys

    def _key(self) -> KeyMaterial:
        if self.keys is None:
            raise ValueError("this ledger operation needs the ledger's key")
        return self.keys

    def append(self, numbers: str | os.PathLike | Iterable[str], *, action: str, channel: str, purpose: str,
               evidence: str, at: str | dt.datetime | None = None, notice_version: str | None = None,
               region: str = "CN") -> Appended:
        """One event per number. ``numbers``: E.164 numbers, or a file of them (``-``:
        standard input; national numbers in ``region``); never a number as an argument of
        the command line. ``at``: the event's time (ISO 8601; default now)."""
        if isinstance(numbers, (str, os.PathLike)):
            numbers = read_numbers(os.fspath(numbers), sys.stdin.read, region=region)
        when = parse_time(at) if isinstance(at, str) else at
        events = [ConsentEvent(n, channel, purpose, action, evidence, when, notice_version) for n in numbers]
        seqs = append_events(self.path, self._key(), events)
        return Appended(self.path, action, len(seqs), seqs[0], seqs[-1])

    def check(self) -> LedgerCheck:
        """The ledger's chain and MACs, without raising."""
        return verify_ledger(self.path, self.keys)

    def verify(self, *, checkpoint: str | os.PathLike | dict | None = None, public_key=None) -> LedgerVerified:
        """Raise :class:`VerificationFailed` naming the first bad entry unless the ledger is
        intact; with a signed ``checkpoint`` (and its signer's ``public_key``), also unless
        what it covers is unchanged."""
        from scanner.certify.signing import load_public, read_json_document

        if (checkpoint is None) != (public_key is None):
            raise ValueError("checkpoint and public_key go together")
        if checkpoint is None:
            check = self.check()
            if not check.intact:
                raise VerificationFailed(check.reason, path=str(self.path))
            return LedgerVerified(self.path, check.entries, check.head, check.macs_checked)
        doc = checkpoint if isinstance(checkpoint, dict) else read_json_document(checkpoint, what="checkpoint")
        public = load_public(public_key) if isinstance(public_key, (str, os.PathLike)) else public_key
        check = verify_against_checkpoint(self.path, doc, public, self.keys)
        covered = doc["ledger"]["entries"]
        if not check.intact:
            raise VerificationFailed("the {covered} checkpointed entries are unchanged, but later: {reason}",
                                     path=str(self.path), covered=covered, reason=check.reason)
        return LedgerVerified(self.path, check.entries, check.head, self.keys is not None, covered, doc.get("at"))

    def checkpoint(self, signing_key, *, to: str | os.PathLike | None = None) -> Checkpoint:
        """Sign the head of the intact ledger and write it to ``to`` (default
        ``LEDGER.checkpoint.json``) for an auditor or buyer."""
        from scanner.certify.signing import SigningKey, load_private, write_json_document

        key = signing_key if isinstance(signing_key, SigningKey) else load_private(signing_key)
        doc = make_checkpoint(self.path, self._key(), key)
        path = Path(to) if to is not None else self.path.with_name(self.path.name + ".checkpoint.json")
        write_json_document(path, doc)
        return Checkpoint(path, doc, doc["ledger"]["entries"], doc["ledger"]["head"], doc["signature"]["key"])
