"""Append-only consent ledger: hash-chained, MACed JSON lines.

Each line of the ledger file is one consent event, written as the RFC 8785 canonical JSON
of::

    {"v": 1, "seq": 1, "prev": "<64 hex>", "key_id": "<16 hex>",
     "phone_token": "<32 hex>", "channel": "sms", "purpose": "marketing",
     "action": "grant" | "withdraw", "at": "<ISO time of the event>",
     "recorded": "<ISO time of the append>", "evidence": "<reference>",
     "notice_version": "<text>" | null, "mac": "<64 hex>"}

* ``seq`` counts entries from 1; ``prev`` is the SHA-256 of the previous line's bytes
  (without its newline), ``"0" * 64`` for the first entry. The **hash of an entry** is the
  SHA-256 of its line bytes, so checking the chain needs no key at all.
* ``mac`` is HMAC-SHA256 under the ``ledger`` HKDF subkey over
  ``b"contact-scanner/ledger/v1\\n" + JCS(entry without "mac")``: an edited value, a forged
  line or a line from another key's ledger fails it.
* The number itself is never stored: only ``token_one(keys, "phone", e164)``.

What is detected, by :func:`verify_ledger`:

=========================  ==================================================================
edited line                its MAC fails (and the next entry's ``prev`` no longer matches)
deleted line               the next entry's ``seq`` / ``prev`` do not match
inserted line              a forged one fails its MAC; a copied one has the wrong seq / prev
reordered lines            ``seq`` / ``prev`` mismatch at the first moved entry
truncated tail             not detectable from the file alone: use a signed checkpoint
rewrite by the key holder  not detectable from the file alone: use a signed checkpoint
=========================  ==================================================================

A **checkpoint** (:func:`scanner.ledger.checkpoint.make_checkpoint`) is a document signed with an Ed25519 signing key
stating the entry count and the hash of the last entry at a point in time. Because every
entry hashes its predecessor, the head hash pins every entry it covers: a later verification
against the checkpoint (which needs the public key only, not the ledger key) detects any
rewrite, deletion or truncation of the covered entries, even by the holder of the MAC key.

Trust for consent (:func:`latest_consent`): entries before the first bad entry are trusted;
the first bad entry and every entry after it are not (rule CN008).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

import polars as pl
import rfc8785

from scanner.errors import InputError, KeyMaterialError, VerificationFailed
from scanner.i18n import Text
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.safe_files import append_bytes, open_for_append
from scanner.privacy.tokens import token_one

VERSION = 1
GENESIS = "0" * 64
MAC_DOMAIN = b"contact-scanner/ledger/v1\n"
CHANNELS = ("sms", "voice")
PURPOSES = ("marketing", "service", "notification")
ACTIONS = ("grant", "withdraw")
DEFAULT_TZ = "Asia/Shanghai"
MAX_EVIDENCE_CHARS = 500

_FIELDS = ("v", "seq", "prev", "key_id", "phone_token", "channel", "purpose", "action", "at",
           "recorded", "evidence", "notice_version", "mac")

CONSENT_SCHEMA = {
    "phone_token": pl.String,
    "channel": pl.String,
    "purpose": pl.String,
    "action": pl.String,
    "at": pl.Datetime("us", "UTC"),
    "evidence": pl.String,
    "notice_version": pl.String,
    "seq": pl.Int64,
    "trusted": pl.Boolean,
}


@dataclass(frozen=True)
class ConsentEvent:
    """One event to append; ``e164`` is the normalized number (it is tokenized, never stored)."""

    e164: str
    channel: str
    purpose: str
    action: str
    evidence: str
    at: dt.datetime | None = None
    notice_version: str | None = None


@dataclass(frozen=True)
class LedgerCheck:
    """Outcome of :func:`verify_ledger`. ``first_bad`` is a 1-based line number or None."""

    entries: int
    first_bad: int | None
    reason: Text | None
    head: str
    macs_checked: bool
    line_hashes: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return self.first_bad is None


def _line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def _mac(subkey: bytes, body: dict) -> str:
    return hmac.new(subkey, MAC_DOMAIN + rfc8785.dumps(body), hashlib.sha256).hexdigest()


def iso_time(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def parse_time(text: str, tz: str = DEFAULT_TZ) -> dt.datetime:
    """ISO 8601 time; without an offset it is read in ``tz``."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError("time is not ISO 8601 (e.g. 2026-11-22T10:00:00+08:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment


def _read_lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def _check_event(event: ConsentEvent) -> None:
    if event.channel not in CHANNELS:
        raise InputError("channel must be one of {choices}", choices=", ".join(CHANNELS))
    if event.purpose not in PURPOSES:
        raise InputError("purpose must be one of {choices}", choices=", ".join(PURPOSES))
    if event.action not in ACTIONS:
        raise InputError("action must be one of {choices}", choices=", ".join(ACTIONS))
    evidence = event.evidence.strip()
    if not evidence:
        raise InputError("an evidence reference is required (form id, recording id, URL, ...)")
    if len(evidence) > MAX_EVIDENCE_CHARS or "\n" in evidence:
        raise InputError("the evidence reference must be one line of at most {most} characters", most=MAX_EVIDENCE_CHARS)
    national = event.e164.lstrip("+")[-8:]
    digits = "".join(ch for ch in evidence if ch.isdigit())
    if len(national) >= 7 and national in digits:
        # The ledger must not carry the number in clear through the evidence text.
        raise InputError("the evidence reference contains the phone number; use a reference that does not")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    """Open (creating with mode 0600) and exclusively lock the ledger for an append."""
    fd = open_for_append(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)


def append_events(path: str | os.PathLike, keys: KeyMaterial, events: Iterable[ConsentEvent],
                  *, now: dt.datetime | None = None) -> list[int]:
    """Append events (all or none) and return their sequence numbers.

    The tail entry is checked (MAC, seq) before chaining onto it, so a forged or damaged
    tail is refused; ``verify_ledger`` checks the whole file.
    """
    events = list(events)
    for event in events:
        _check_event(event)
    now = now or dt.datetime.now(ZoneInfo(DEFAULT_TZ))
    ledger = Path(path)
    subkey = keys.subkey("ledger")
    with _locked(ledger) as fd:
        lines = _read_lines(ledger)
        seq, prev = 0, GENESIS
        if lines:
            tail = lines[-1]
            entry = _parse_line(tail)
            if entry is None or entry.get("mac") != _mac(subkey, _body(entry)) or entry.get("seq") != len(lines):
                if entry is not None and entry.get("key_id") not in (None, keys.key_id):
                    raise KeyMaterialError(
                        "the ledger was written under key {written}, the loaded key is {key}", path=str(ledger),
                        written=entry.get("key_id"), key=keys.key_id)
                raise VerificationFailed(
                    "the last entry (line {at}) does not verify; run `ledger verify` before appending",
                    path=str(ledger), at=len(lines))
            seq, prev = len(lines), _line_hash(tail)
        out, seqs = [], []
        for event in events:
            seq += 1
            body = {
                "v": VERSION, "seq": seq, "prev": prev, "key_id": keys.key_id,
                "phone_token": token_one(keys, "phone", event.e164),
                "channel": event.channel, "purpose": event.purpose, "action": event.action,
                "at": iso_time(event.at or now), "recorded": iso_time(now),
                "evidence": event.evidence.strip(), "notice_version": event.notice_version,
            }
            line = rfc8785.dumps({**body, "mac": _mac(subkey, body)})
            out.append(line + b"\n")
            prev = _line_hash(line)
            seqs.append(seq)
        append_bytes(fd, b"".join(out), ledger)
    return seqs


def _parse_line(line: bytes) -> dict | None:
    try:
        entry = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict) or set(entry) != set(_FIELDS) or entry.get("v") != VERSION:
        return None
    return entry


def _body(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k != "mac"}


def _scan(path: Path, keys: KeyMaterial | None) -> tuple[list[bytes], list[dict | None], LedgerCheck]:
    if not path.is_file():
        raise InputError("ledger file not found", path=str(path))
    lines = _read_lines(path)
    entries = [_parse_line(line) for line in lines]
    if keys is not None and entries and entries[0] is not None:
        foreign = entries[0].get("key_id")
        if foreign != keys.key_id and all(e is not None and e.get("key_id") == foreign for e in entries):
            raise KeyMaterialError(
                "the ledger was written under key {written}, the loaded key is {key}; "
                "pass the right --key-file or --state-dir", path=str(path), written=foreign, key=keys.key_id)
    subkey = keys.subkey("ledger") if keys is not None else b""
    prev = GENESIS
    hashes: list[str] = []
    first_bad, reason = None, None
    for index, (line, entry) in enumerate(zip(lines, entries), start=1):
        if entry is None:
            first_bad, reason = index, Text("line {index} is not a ledger entry (edited or damaged)", index=index)
        elif keys is not None and not hmac.compare_digest(str(entry["mac"]), _mac(subkey, _body(entry))):
            first_bad, reason = index, Text("entry {index}: MAC does not verify (entry edited or forged)", index=index)
        elif type(entry["seq"]) is not int or entry["seq"] != index:
            first_bad, reason = index, Text(
                "entry {index}: sequence number is {seq!r}, expected {index} "
                "(an entry was deleted, inserted or reordered)", index=index, seq=entry["seq"])
        elif entry["prev"] != prev:
            first_bad, reason = index, Text(
                "entry {index}: does not chain to entry {before} "
                "(an entry was deleted, inserted, reordered or edited before it)", index=index, before=index - 1)
        if first_bad is not None:
            break
        prev = _line_hash(line)
        hashes.append(prev)
    check = LedgerCheck(len(lines), first_bad, reason, prev, keys is not None, tuple(hashes))
    return lines, entries, check


def verify_ledger(path: str | os.PathLike, keys: KeyMaterial | None) -> LedgerCheck:
    """Check every entry; ``keys=None`` checks the hash chain only (auditor without the key)."""
    return _scan(Path(path), keys)[2]


def latest_consent(path: str | os.PathLike, keys: KeyMaterial, *,
                   as_of: dt.datetime | None = None) -> pl.DataFrame:
    """Latest event per (phone_token, channel, purpose) as the scan's consent source.

    Columns: ``CONSENT_SCHEMA``. ``trusted`` is False for the first bad entry and every
    entry after it (CN008). Events timed after ``as_of`` are ignored; an untrusted entry
    whose time cannot be read sorts last (so it is what the scan sees, and flags).
    Lines that cannot be read at all carry no token and are left out (they still make
    every later entry untrusted).
    """
    lines, entries, check = _scan(Path(path), keys)
    rows = []
    for index, entry in enumerate(entries, start=1):
        if entry is None or not isinstance(entry.get("phone_token"), str):
            continue
        trusted = check.first_bad is None or index < check.first_bad
        try:
            at = dt.datetime.fromisoformat(str(entry.get("at"))).astimezone(dt.timezone.utc)
        except ValueError:
            at = None
            trusted = False
        if at is not None and as_of is not None and at > as_of:
            continue
        rows.append({
            "phone_token": entry["phone_token"],
            "channel": _text(entry.get("channel")),
            "purpose": _text(entry.get("purpose")),
            "action": _text(entry.get("action")),
            "at": at,
            "evidence": _text(entry.get("evidence")),
            "notice_version": _text(entry.get("notice_version")),
            "seq": index,
            "trusted": trusted,
        })
    frame = pl.DataFrame(rows, schema=CONSENT_SCHEMA)
    return (
        frame.sort(["at", "seq"], nulls_last=True)
        .group_by(["phone_token", "channel", "purpose"], maintain_order=True)
        .last()
        .sort("seq")
        .select(list(CONSENT_SCHEMA))
    )


def entries_after(path: str | os.PathLike, keys: KeyMaterial, as_of: dt.datetime) -> int:
    """How many events are timed after ``as_of`` (a scan ignores them; the report counts them)."""
    _, entries, _ = _scan(Path(path), keys)
    after = 0
    for entry in entries:
        try:
            at = dt.datetime.fromisoformat(str((entry or {}).get("at"))).astimezone(dt.timezone.utc)
        except ValueError:
            continue
        after += at > as_of
    return after


def _text(value) -> str | None:
    return None if value is None else str(value)
