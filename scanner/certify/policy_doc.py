"""Rebuild a :class:`~scanner.policy.Policy` from its effective form (as stored in a certificate).

``Policy.effective()`` fills in defaults and merges the built-in vocabulary; this turns it
back into the TOML-shaped data :func:`scanner.policy.policy_from_dict` reads, and checks that
the result hashes to the same ``sha256`` — so a certificate's policy is reproduced exactly
or refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from scanner.errors import PolicyError
from scanner.policy import Policy, policy_from_dict


def _strip_builtin_words(words: list[str], kind: str) -> list[str]:
    builtin = list(Policy().vocabulary.words(kind))
    return words[len(builtin):] if words[:len(builtin)] == builtin else words


def policy_from_effective(effective: dict[str, Any], *, expected_sha256: str | None = None) -> Policy:
    """The policy whose ``effective()`` is ``effective``; raises PolicyError when it cannot be
    rebuilt exactly (``expected_sha256`` given and not matched)."""
    doc: dict[str, Any] = {}
    try:
        for table in ("campaign", "consent", "list", "privacy", "registry", "report"):
            if table in effective:
                doc[table] = dict(effective[table])
        # a policy that does not say so did not read consent from its times
        doc.setdefault("consent", {}).setdefault("time_records_consent", False)
        doc["sources"] = [
            {k: (dt.date.fromisoformat(v) if k in ("valid_from", "valid_until") and v else v)
             for k, v in s.items() if v is not None}
            for s in effective.get("sources", [])
        ]
        columns = effective.get("columns", {})
        doc["columns"] = {**columns.get("mapping", {}), "keep": list(columns.get("keep", []))}
        vocab = effective.get("vocabulary", {})
        doc["vocabulary"] = {
            "consent": dict(vocab.get("consent", {})), "channel": dict(vocab.get("channel", {})),
            "purpose": dict(vocab.get("purpose", {})),
            "purchase_words": _strip_builtin_words(list(vocab.get("purchase_words", [])), "purchase"),
            "third_party_words": _strip_builtin_words(list(vocab.get("third_party_words", [])), "third_party"),
        }
        rules = effective.get("rules", {})
        doc["rules"] = {"ignore": list(rules.get("ignore", [])), "severity": dict(rules.get("severity", {}))}
        if effective.get("detect"):
            doc["detect"] = dict(effective["detect"])
    except (AttributeError, TypeError, ValueError):
        raise PolicyError("the certificate's policy is malformed") from None
    policy = policy_from_dict(doc, path="<certificate>")
    if expected_sha256 is not None and policy.sha256 != expected_sha256:
        # made when the built-in vocabulary was another: its tables, as written, are the
        # whole vocabulary (what that scan read)
        policy = _with_vocabulary_as_certified(policy, effective.get("vocabulary", {}))
    if expected_sha256 is not None and policy.sha256 != expected_sha256:
        raise PolicyError("the certificate's policy cannot be reproduced by this version (hash differs)")
    return policy


def _with_vocabulary_as_certified(policy: Policy, vocab: dict[str, Any]) -> Policy:
    try:
        yes, no = tuple(vocab.get("yes", ())), tuple(vocab.get("no", ()))
        said = {**{w: "refused" for w in no}, **{w: "granted" for w in yes}}
        # the consent table starts from the yes/no words; only what differs is its own
        consent = tuple((k, v) for k, v in vocab.get("consent", {}).items() if said.get(k) != v)
        exact = dataclasses.replace(
            policy.vocabulary, builtin=False, yes=yes, no=no, consent=consent,
            channel=tuple(vocab.get("channel", {}).items()), purpose=tuple(vocab.get("purpose", {}).items()),
            purchase_words=tuple(vocab.get("purchase_words", ())),
            third_party_words=tuple(vocab.get("third_party_words", ())))
    except (AttributeError, TypeError, ValueError):
        return policy
    return dataclasses.replace(policy, vocabulary=exact)

