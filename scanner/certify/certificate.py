"""Signed list certificates: what a vendor can prove about a copy of a list, and how a buyer checks it.

A certificate (schema :data:`SCHEMA`) is a JSON object signed with Ed25519 over its RFC 8785
canonical form (see :mod:`scanner.certify.signing`). It states:

* ``issuer`` — a name and the signing key's fingerprint;
* ``tool`` — contact-scanner and phonenumbers versions the scan ran with;
* ``policy`` — the effective policy (defaults filled in) and its ``sha256``;
* ``as_of`` (the scan's time, which the time-dependent rules use), ``issued``, ``expires``;
* ``list`` — the **fingerprint** of this copy: ``sha256("contact-scanner/list-fingerprint/v1\\n"
  + salt + "\\n" + "\\n".join(sorted unique E.164 numbers))`` with a random 128-bit salt
  stored beside it, so any added, removed or changed number changes it and no number is
  revealed (the salt defeats precomputed tables; a list of one or two numbers could still be
  guessed by enumeration, like any hash of so few values), and the count of unique numbers;
* ``counts`` — row counts, finding counts, list verdict, purchased-list score in basis points
  (integers only), which list signals fired, and the purchased-list model that scored it
  (``purchased_model``; certificates without it were made under ``purchased/v1``, and
  :func:`verify` re-scans under the model a certificate names);
* ``claims`` — what depends on the issuer's own registry or key (registry overlaps, DU003,
  canary hits, CN008, SP001 and the signals built on them). A buyer cannot re-derive these;
  they are signed statements of the issuer, labelled as such.

:func:`verify` exits (raises :class:`VerificationFailed`) unless the signature verifies under
the given public key, the list's fingerprint matches, and a fresh scan of the list — with a
throwaway key, no registry, the certificate's policy and as-of time — reproduces every count
in ``counts`` that does not depend on a claim. Version differences are reported; they fail
the check only if the counts then differ.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import tempfile
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from scanner.certify.policy_doc import policy_from_effective
from scanner.codes import CODES
from scanner.certify.signing import SigningKey, sign_document, verify_document
from scanner.errors import InputError, VerificationFailed
from scanner.i18n import Joined, Text
from scanner.privacy.keys import KeyMaterial

SCHEMA = "contact-scanner/certificate/v1"
FINGERPRINT_ALG = "sha256-salted-sorted-unique-e164/v1"
#: Findings and list signals that depend on the issuer's registry, key or private stores.
CLAIM_FINDINGS = frozenset(c for c, e in CODES.items() if e.private_state and e.kind != "signal")
CLAIM_SIGNALS = frozenset(c for c, e in CODES.items() if e.private_state and e.kind == "signal")
DEFAULT_VALID_DAYS = 90
#: Certificates without ``counts.purchased_model`` were made under this model.
V1_MODEL = "purchased/v1"


def list_fingerprint(numbers: list[str], salt: str) -> str:
    """Salted SHA-256 over the sorted unique E.164 numbers (one per line)."""
    unique = sorted(set(numbers))
    data = b"contact-scanner/list-fingerprint/v1\n" + salt.encode("ascii") + b"\n" + "\n".join(unique).encode("ascii")
    return hashlib.sha256(data).hexdigest()


def _bp(value: Any) -> int:
    return int(round(float(value or 0.0) * 10_000))


def _is_claim_signal(sig: dict) -> bool:
    return sig.get("code") in CLAIM_SIGNALS


def summarize(report: dict) -> tuple[dict, dict]:
    """Split a scan report into (counts a buyer can reproduce, the issuer's claims)."""
    findings = {c: int(n) for c, n in report.get("findings", {}).items()}
    lst = report.get("list", {})
    purchased = lst.get("purchased", {}) or {}
    signals = [s for s in purchased.get("signals", []) if isinstance(s, dict) and "code" in s]
    claim_findings = {c: n for c, n in findings.items() if c in CLAIM_FINDINGS and n}
    claim_signals = {s["code"]: bool(s.get("fired")) for s in signals if _is_claim_signal(s)}
    verdict_depends_on_claims = bool(claim_findings) or any(claim_signals.values())
    rows = report.get("rows", {})
    counts = {
        "rows": {"total": int(rows.get("total", 0))},
        "findings": {c: n for c, n in findings.items() if c not in CLAIM_FINDINGS},
        "signals": {s["code"]: bool(s.get("fired")) for s in signals if not _is_claim_signal(s)},
    }
    if purchased.get("model") and purchased["model"] != V1_MODEL:  # v1 certificates name none
        counts["purchased_model"] = purchased["model"]
    claims = {
        "note": "depends on the issuer's registry, canary store or key; a signed statement, not re-checked",
        "findings": claim_findings,
        "signals": claim_signals,
        "overlaps": len(lst.get("overlaps", []) or []),
    }
    outcome = {
        "rows": {k: int(rows.get(k, 0)) for k in ("accept", "review", "reject")},
        "verdict": lst.get("verdict"),
        "purchased_score_bp": _bp(purchased.get("score")),
        "purchased_likely": bool(purchased.get("likely")),
    }
    if verdict_depends_on_claims:
        claims["outcome"] = outcome
    else:
        counts["rows"].update(outcome["rows"])
        counts.update({k: v for k, v in outcome.items() if k != "rows"})
    return counts, claims


def build_certificate(result, key: SigningKey, *, issuer: str | None = None,
                      valid_days: int = DEFAULT_VALID_DAYS, now: dt.datetime | None = None) -> dict:
    """A signed certificate for a :class:`scanner.api.ScanResult`."""
    if valid_days < 1:
        raise InputError("--valid-days must be at least 1")
    report = result.report
    numbers = result.unique_e164()
    salt = secrets.token_hex(16)
    now = (now or dt.datetime.now(ZoneInfo("Asia/Shanghai"))).replace(microsecond=0)
    counts, claims = summarize(report)
    doc = {
        "schema": SCHEMA,
        "issuer": {"name": issuer or f"key {key.fingerprint[:16]}", "key": key.fingerprint},
        "tool": {"name": "contact-scanner", "version": report["tool"]["version"],
                 "phonenumbers": report["tool"]["phonenumbers"]},
        "policy": {"sha256": result.policy.sha256, "effective": result.policy.effective()},
        "as_of": report["scan"]["as_of"],
        "issued": now.isoformat(),
        "expires": (now + dt.timedelta(days=valid_days)).isoformat(),
        "list": {"fingerprint": {"alg": FINGERPRINT_ALG, "salt": salt,
                                 "value": list_fingerprint(numbers, salt)},
                 "numbers": len(numbers), "input_sha256": report.get("input", {}).get("sha256")},
        "counts": counts,
        "claims": claims,
    }
    return sign_document(doc, key)


@dataclass
class Verification:
    """What :func:`verify` checked; ``notes`` are informational (versions, claims)."""

    checked: list[str] = field(default_factory=list)
    claims: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _field(doc: dict, *path: str):
    cur: Any = doc
    for part in path:
        if not isinstance(cur, dict) or part not in cur:
            raise VerificationFailed("certificate lacks {key} (altered or not a certificate)", key=".".join(path))
        cur = cur[part]
    return cur


def verify(cert: dict, source, public, *, expected_policy_sha256: str | None = None,
           now: dt.datetime | None = None, scan_fn=None) -> Verification:
    """Check ``cert`` against the list at ``source``; raises VerificationFailed with the reason."""
    from scanner.api import scan as default_scan

    scan_fn = scan_fn or default_scan
    out = Verification()
    verify_document(cert, public, what="certificate")
    if cert.get("schema") != SCHEMA:
        raise VerificationFailed("not a contact-scanner certificate (schema)")
    if _field(cert, "issuer", "key") != cert["signature"]["key"]:
        raise VerificationFailed("certificate's issuer key differs from its signing key")
    out.checked.append(Text("signature by {key}… ({issuer})", key=cert["signature"]["key"][:16],
                            issuer=_field(cert, "issuer", "name")))

    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        expires = dt.datetime.fromisoformat(_field(cert, "expires"))
        as_of = dt.datetime.fromisoformat(_field(cert, "as_of"))
    except (TypeError, ValueError):
        raise VerificationFailed("certificate times are not ISO 8601") from None
    if now > expires:
        raise VerificationFailed("certificate expired on {date}", date=expires.isoformat())
    out.checked.append(Text("valid until {date}", date=expires.isoformat()))

    policy_sha = _field(cert, "policy", "sha256")
    if expected_policy_sha256 is not None and expected_policy_sha256 != policy_sha:
        raise VerificationFailed(
            "different policy: certified under policy {certified}…, you asked for {asked}…",
            certified=policy_sha[:16], asked=expected_policy_sha256[:16])
    policy = policy_from_effective(_field(cert, "policy", "effective"), expected_sha256=policy_sha)
    out.checked.append(Text("policy {sha}…", sha=policy_sha[:16]))

    tool = _field(cert, "tool")
    from scanner.api import tool_version

    versions_differ = []
    if tool.get("phonenumbers") != phonenumbers.__version__:
        versions_differ.append(Text("{tool} {version} (here {here})", tool="phonenumbers", version=tool.get("phonenumbers"),
                                    here=phonenumbers.__version__))
    if tool.get("version") != tool_version():
        versions_differ.append(Text("{tool} {version} (here {here})", tool="contact-scanner", version=tool.get("version"),
                                    here=tool_version()))
    if versions_differ:
        out.notes.append(Text("certified with {versions}", versions=Joined(", ", versions_differ)))

    # the purchased-list score is re-computed under the model the certificate was made with
    model = _field(cert, "counts").get("purchased_model", V1_MODEL)
    from scanner.analyses.purchased import MODELS

    if model not in MODELS:
        raise VerificationFailed("certificate names purchased-list model {model!r}, unknown to this version", model=model)
    out.checked.append(Text("purchased-list model {model}", model=model))
    with tempfile.TemporaryDirectory(prefix="cs-verify-") as tmp:
        throwaway = KeyMaterial.from_master(secrets.token_bytes(32))
        result = scan_fn(source, policy, keys=throwaway, state_dir=tmp, as_of=as_of, purchased_model=model)
    fp = _field(cert, "list", "fingerprint")
    numbers = result.unique_e164()
    if list_fingerprint(numbers, str(fp.get("salt"))) != fp.get("value"):
        raise VerificationFailed(
            "altered list: its numbers do not match the certified copy ({here} unique numbers here, "
            "{certified} certified)", here=len(numbers), certified=_field(cert, "list", "numbers"))
    out.checked.append(Text("list fingerprint ({n} unique numbers)", n=len(numbers)))

    counts, _ = summarize(result.report)
    certified = _field(cert, "counts")
    diffs = _count_differences(certified, counts)
    if diffs:
        hint = Text("; note: {note}", note=out.notes[0]) if versions_differ else ""
        raise VerificationFailed("re-scan does not reproduce the certified counts: {differences}{hint}",
                                 differences=Joined("; ", diffs[:5]), hint=hint)
    out.checked.append(Text("re-scan reproduces rows, findings, verdict and purchased score") if "verdict" in certified
                       else Text("re-scan reproduces rows, findings"))
    out.claims = cert.get("claims", {})
    return out


def _count_differences(certified: dict, fresh: dict) -> list[Text]:
    """Differences between certified and fresh counts. Findings and signals compare over
    both sides (a code that appears only on one side is a difference); rows and scalars
    compare what the certificate states."""
    diffs = []
    for key, value in certified.items():
        if isinstance(value, dict):
            got = fresh.get(key, {})
            absent = False if key == "signals" else 0
            subs = set(value) if key == "rows" else set(value) | set(got)
            for sub in sorted(subs):
                if value.get(sub, absent) != got.get(sub, absent):
                    diffs.append(Text("{key} certified {certified}, found {found}", key=".".join((key, sub)),
                                      certified=value.get(sub, absent), found=got.get(sub, absent)))
        elif fresh.get(key) != value:
            diffs.append(Text("{key} certified {certified}, found {found}", key=key, certified=value,
                              found=fresh.get(key)))
    return diffs


__all__ = ["SCHEMA", "Verification", "build_certificate", "list_fingerprint", "summarize", "verify"]
