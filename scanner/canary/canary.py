"""Issue canaries to a recipient and detect them in a scanned list (see :mod:`.scheme`)."""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

import polars as pl

from scanner.analyses.signals.canary import CANARY
from scanner.canary import scheme as sch
from scanner.canary.scheme import Assignment, Hit
from scanner.canary.store import CanaryStore
from scanner.errors import InputError
from scanner.i18n import Text
from scanner.ledger.numbers import read_numbers
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.safe_files import atomic_writer, write_csv
from scanner.privacy.tokens import token_expr, token_one


@dataclass(frozen=True)
class Issued:
    """What ``issue`` handed out. ``numbers`` are E.164 (the vendor's own pool numbers)."""

    recipient: str
    numbers: list[str]
    unique: int
    shared: int
    recipients: int
    tolerated_coalition: int


def issue(state_dir: str | os.PathLike, keys: KeyMaterial | Callable[[], KeyMaterial], recipient: str, pool: str | os.PathLike | list[str],
          count: int, *, to: str | os.PathLike | None = None, coalition: int = sch.DEFAULT_COALITION,
          region: str = "CN", rng: random.Random | None = None, now: dt.datetime | None = None,
          deliver: Callable[[list[str]], None] | None = None) -> Issued:
    """Assign ``count`` canaries from ``pool`` to ``recipient``: ``canary issue``.

    ``pool``: E.164 numbers, or a file of numbers you control (one a line, or a CSV with a
    phone column; ``-`` standard input; national numbers in ``region``). ``to``: the file
    the chosen numbers are written to (CSV, mode 0600; an existing file is refused, as it
    may hold an earlier recipient's canaries); it appears only once the assignment is
    recorded, and a failed write records nothing. ``deliver(numbers)`` (instead of ``to``)
    runs before the assignment is recorded, with the same all-or-nothing effect.

    The first issue fixes the scheme (design coalition, shared subpool); later issues draw
    their shared part from the same subpool, which must therefore still be in ``pool``.
    Raises :class:`InputError` when the pool has too few unused numbers. ``keys`` may be a
    function giving them, called once the pool was read: a bad pool then makes no new key.
    """
    if to is not None:
        return _issue_to(Path(to), state_dir, keys, recipient, pool, count, coalition=coalition, region=region,
                         rng=rng, now=now)
    if isinstance(pool, (str, os.PathLike)):
        pool = read_numbers(os.fspath(pool), sys.stdin.read, region=region)
    keys = keys() if callable(keys) else keys
    rng = rng or secrets.SystemRandom()
    if count < 2:
        raise InputError("--count must be at least 2 (one unique and one shared canary)")
    if not 1 <= coalition <= 12:
        raise InputError("--coalition must be between 1 and 12")
    by_token: dict[str, str] = {}
    for number in pool:
        by_token.setdefault(token_one(keys, "phone", number), number)
    issued_at = (now or dt.datetime.now(ZoneInfo("Asia/Shanghai"))).isoformat(timespec="seconds")
    with CanaryStore.transaction(state_dir, keys) as store:
        if store.recipient(recipient) is not None:
            raise InputError("recipient {name!r} already has canaries; choose another name", name=recipient)
        free = sorted(set(by_token) - store.used_tokens())
        new_scheme = subpool = None
        if store.scheme is None:
            unique_n, shared_n = sch.split(count)
            size = sch.subpool_size(shared_n, coalition)
            if len(free) < size + unique_n:
                raise InputError("the pool has {free} unused valid numbers; the first issue of {count} canaries needs "
                                 "{needed} ({shared} for the shared subpool)", free=len(free), count=count,
                                 needed=size + unique_n, shared=size)
            subpool = frozenset(rng.sample(free, size))
            free = [t for t in free if t not in subpool]
            new_scheme = {"name": sch.SCHEME, "coalition": coalition, "subpool": size,
                          "shared_per_copy": shared_n}
        else:
            subpool = store.subpool
            missing = len(subpool - set(by_token))
            if missing:
                raise InputError("{n} numbers of the shared canary subpool are not in the pool file; pass the pool file "
                                 "used for the earlier issues", n=missing)
            unique_n, shared_n = sch.split(count, shared_per_copy=store.scheme["shared_per_copy"])
            if len(free) < unique_n:
                raise InputError("the pool has {free} unused valid numbers; {needed} are needed", free=len(free), needed=unique_n)
        unique = frozenset(rng.sample(free, unique_n))
        shared = frozenset(rng.sample(sorted(subpool), shared_n))
        store.add(Assignment(recipient, issued_at, unique, shared), scheme=new_scheme,
                  subpool=subpool if new_scheme else None)
        recipients = len(store.assignments)
        tolerated = sch.tolerated_coalition(len(store.subpool), store.scheme["shared_per_copy"],
                                            recipients)
        numbers = [by_token[t] for t in sorted(unique | shared)]
        rng.shuffle(numbers)
        if deliver is not None:
            deliver(numbers)
    return Issued(recipient, numbers, unique_n, shared_n, recipients, tolerated)


def _issue_to(to: Path, state_dir, keys: KeyMaterial, recipient: str, pool, count: int, **options) -> Issued:
    if to.exists():
        raise InputError("out file exists; it may hold an earlier recipient's canaries", path=str(to))
    with atomic_writer(to) as fh:
        return issue(state_dir, keys, recipient, pool, count, **options,
                     deliver=lambda chosen: write_csv(fh, pl.DataFrame({"phone": chosen}), path=to))


@dataclass(frozen=True)
class Checked:
    """The canaries found in a list: ``hits``, most likely recipient first (empty: none)."""

    source: str
    hits: tuple[Hit, ...]
    detail: Text

    @property
    def found(self) -> bool:
        return bool(self.hits)


def check(source: str | os.PathLike, state_dir: str | os.PathLike, keys: KeyMaterial, *,
          region: str = "CN") -> Checked:
    """Look for the canaries of ``state_dir`` in a list: ``canary check``. ``source``: a file
    of numbers (one a line, or a CSV with a phone column; ``-`` standard input); values
    that are no valid number are passed over."""
    numbers = read_numbers(os.fspath(source), sys.stdin.read, region=region, skip_bad=True)
    tokens = pl.DataFrame({"e164": numbers}, schema={"e164": pl.String}).select(
        token_expr(keys, "phone", pl.col("e164")).alias("token"))["token"]
    hits = detect(tokens, CanaryStore.open(state_dir, keys))
    return Checked(os.fspath(source), tuple(hits), canary_detail(hits))


@dataclass(frozen=True)
class CanaryStatus:
    """The canaries issued so far (tokens only): the scheme, the coalition size still
    tolerated, and each recipient's assignment."""

    scheme: dict | None
    tolerated_coalition: int | None
    assignments: tuple[Assignment, ...]


def status(state_dir: str | os.PathLike, keys: KeyMaterial) -> CanaryStatus:
    """``canary list``: what was issued to whom (never a number)."""
    store = CanaryStore.open(state_dir, keys)
    if not store.assignments:
        return CanaryStatus(store.scheme, None, ())
    tolerated = sch.tolerated_coalition(len(store.subpool), store.scheme["shared_per_copy"], len(store.assignments))
    return CanaryStatus(store.scheme, tolerated, tuple(store.assignments))


def detect(tokens: pl.Series, store: CanaryStore) -> list[Hit]:
    """Recipients whose canaries occur among ``tokens`` (phone tokens of a list), most likely
    first. Nulls and repeats are ignored."""
    if not store.assignments:
        return []
    handed_out = set().union(*(a.unique | a.shared for a in store.assignments))
    # the list's tokens are matched in polars: only the few canaries found become Python objects
    tokens = tokens.cast(pl.String)
    found = set(tokens.filter(tokens.is_in(pl.Series(sorted(handed_out), dtype=pl.String).implode()))
                .unique().to_list())
    if not found:
        return []
    return sch.score(found, store.assignments, store.subpool)


def detect_in_state(tokens: pl.Series, state_dir: str | os.PathLike, keys: KeyMaterial) -> list[Hit]:
    """:func:`detect` against the canaries of ``state_dir`` (none, or no registry: no hits;
    reading never creates the registry)."""
    return detect(tokens, CanaryStore.open(state_dir, keys))


SIGNAL_NAME = CANARY.name


def canary_signal(hits: list[Hit], *, code: str = CANARY.code) -> dict:
    """The list-level signal (the report.json signal format plus ``recipients``). It fires on any hit:
    a canary number in a list means the list is (part of) a copy handed to a recipient —
    a hard signal (list likely leaked / purchased, verdict ``fail``)."""
    fired = bool(hits)
    matched = sum(h.matched for h in hits)
    return {
        "code": code, "name": SIGNAL_NAME, "value": matched, "threshold": 1, "fired": fired,
        "detail": str(canary_detail(hits)), "recipients": [h.as_dict() for h in hits],
    }


def canary_detail(hits: list[Hit]) -> Text:
    """The signal's detail as a message (report.json keeps its English)."""
    matched = sum(h.matched for h in hits)
    if hits:
        top = hits[0]
        named = [h.recipient for h in hits if h.named]
        who = (", ".join(repr(n) for n in named) if named
               else Text("most likely {name!r}", name=top.recipient))
        return Text("{n} canary number(s) found from {copies} recipient copy(ies): {who} (confidence "
                    "{confidence:.2f}); the list is a leaked copy", n=matched, copies=len(hits), who=who,
                    confidence=top.confidence)
    return Text("no canary number found")
