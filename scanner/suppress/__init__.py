"""The do-not-contact store (docs/PRIVACY.md).

``add``, ``remove``, ``entries`` and ``export`` are the ``suppress`` commands as calls.
A file names numbers (any list format) or phone tokens; numbers are never arguments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Changed:
    """``entries`` entries added or marked removed, under one scope."""

    entries: int
    channel: str
    purpose: str


@dataclass(frozen=True)
class EntryGroup:
    """Entries of one scope, reason, source and state, with their first and last dates."""

    channel: str
    purpose: str
    reason: str
    source: str
    live: bool
    entries: int
    first_added: str
    last_added: str


@dataclass(frozen=True)
class ExportedTokens:
    path: Path
    rows: int


def _change(action: str, file, keys, state_dir, policy, **scope) -> Changed:
    from scanner.policy import Policy, load_policy
    from scanner.suppress.changes import change

    policy = policy if isinstance(policy, Policy) else load_policy(policy)
    n = change(action, file, keys, policy, state_dir=state_dir, **scope)
    return Changed(n, scope["channel"], scope["purpose"])


def add(file: str | os.PathLike, keys, *, state_dir: str | os.PathLike, reason: str, channel: str = "all",
        purpose: str = "all", policy: Any = None) -> Changed:
    """Add the file's numbers or tokens under one scope (``policy``: the region of national
    numbers); audited."""
    return _change("add", file, keys, state_dir, policy, reason=reason, channel=channel, purpose=purpose)


def remove(file: str | os.PathLike, keys, *, state_dir: str | os.PathLike, reason: str, channel: str = "any",
           purpose: str = "any", policy: Any = None) -> Changed:
    """Mark the live entries of the file's numbers or tokens removed (of one scope, or
    ``any``); nothing is deleted."""
    return _change("remove", file, keys, state_dir, policy, reason=reason, channel=channel, purpose=purpose)


def entries(state_dir: str | os.PathLike) -> list[EntryGroup]:
    """Counts by scope, reason, source and state (never a number or token)."""
    from scanner.suppress.store import list_entries

    return [EntryGroup(**g) for g in list_entries(state_dir)]


def export(state_dir: str | os.PathLike, keys, *, to: str | os.PathLike) -> ExportedTokens:
    """Write the live entries' tokens and scopes to ``to`` (CSV, mode 0600)."""
    from scanner.privacy.safe_files import atomic_write_csv
    from scanner.suppress.store import export_tokens

    frame = export_tokens(state_dir, keys.key_id)
    atomic_write_csv(to, frame)
    return ExportedTokens(Path(to), frame.height)
