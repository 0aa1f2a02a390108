"""``suppress add/remove``: a file of real numbers or of tokens as the store's tokens (docs/PRIVACY.md)."""

from __future__ import annotations

import os

import polars as pl

from scanner.errors import InputError
from scanner.policy import Policy
from scanner.privacy.audit import append_audit, audit_dir, check_reason, os_user
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.tokens import token_expr
from scanner.suppress import store
from scanner.suppress.files import read_tokens, suppression_files


def file_tokens(path: str | os.PathLike, keys: KeyMaterial, policy: Policy) -> pl.Series:
    """The phone tokens a file names: its tokens, or the tokens of its numbers."""
    out = read_tokens(path)
    if out is None:
        numbers, _ = suppression_files([path], policy)
        out = pl.DataFrame({"e164": numbers}).select(token_expr(keys, "phone", pl.col("e164"))).to_series()
    out = out.unique()
    if not out.len():
        raise InputError("no phone number or token found", path=str(path))
    return out


def change(action: str, path: str | os.PathLike, keys: KeyMaterial, policy: Policy, *, state_dir, reason: str,
           channel: str, purpose: str) -> int:
    """Add or remove (``action``) the entries of a file's numbers; audited, tokens only."""
    reason = check_reason(reason)
    tokens = file_tokens(path, keys, policy)
    who = os_user()
    if action == "add":
        n = store.add_entries(state_dir, keys.key_id, tokens, reason=reason, channel=channel, purpose=purpose,
                              who=who)
    else:
        n = store.remove_entries(state_dir, keys.key_id, tokens, reason=reason, who=who,
                                 channel=None if channel == "any" else channel,
                                 purpose=None if purpose == "any" else purpose)
    append_audit(audit_dir(keys, state_dir), keys, {
        "action": f"suppress-{action}", "who": who, "reason": reason, "channel": channel, "purpose": purpose,
        "file_tokens": tokens.len(), "entries": n})
    return n
