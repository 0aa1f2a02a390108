"""``certify`` and ``verify`` as one call each: scan, sign and write a certificate with its
page; check a certificate against a list."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from scanner.certify.certificate import DEFAULT_VALID_DAYS, build_certificate, verify as verify_certificate
from scanner.certify.page import page_path, verdict_of, write_certificate
from scanner.certify.signing import SigningKey, load_private, load_public, read_json_document
from scanner.privacy.keys import KeyMaterial


@dataclass(frozen=True)
class Certified:
    """A written certificate: ``cert`` is the signed document, ``page`` its HTML beside it."""

    cert: dict
    path: Path
    page: Path
    verdict: str | None
    numbers: int
    rows: int
    expires: str
    signer: str
    lang: str
    keys: KeyMaterial


@dataclass(frozen=True)
class Verified:
    """A certificate that checked out: the certified ``verdict``, what was ``checked``, the
    issuer's ``claims`` (not re-checkable) and ``notes`` (e.g. other tool versions)."""

    cert: dict
    verdict: str | None
    checked: tuple
    notes: tuple
    claims: dict


def certify(source: Any, signing_key: str | os.PathLike | SigningKey, *, to: str | os.PathLike,
            state_dir: str | os.PathLike, key_file: str | os.PathLike | None = None, policy: Any = None,
            issuer: str | None = None, as_of: Any = None, valid_days: int = DEFAULT_VALID_DAYS,
            lang: str | None = None, notice: Callable[[str], None] | None = None) -> Certified:
    """Scan ``source`` and write a signed certificate of it to ``to`` (JSON), with its page
    beside it (``.html``), both 0644. ``lang``: the page's language (default: the policy's
    ``[report] lang``, else the locale's)."""
    from scanner.api import scan
    from scanner.i18n import resolve_lang
    from scanner.privacy.exposure import Needles

    to = Path(to)
    key = signing_key if isinstance(signing_key, SigningKey) else load_private(signing_key)
    page_path(to)  # a certificate whose page cannot go beside it stops before the scan
    result = scan(source, policy, state_dir=state_dir, key_file=key_file, as_of=as_of, notice=notice)
    cert = build_certificate(result, key, issuer=issuer, valid_days=valid_days)
    lang = resolve_lang(lang, result.policy.report.lang)
    _written, page = write_certificate(cert, to, needles=Needles.of(result.distinct_numbers()), lang=lang)
    return Certified(cert, to, page, verdict_of(cert), cert["list"]["numbers"], cert["counts"]["rows"]["total"],
                     cert["expires"], key.fingerprint, lang, result.keys)


def verify(cert: dict | str | os.PathLike, source: Any, public_key: Any, *, policy: Any = None) -> Verified:
    """Check a certificate (a path or the document) against the list ``source``: raises
    :class:`~scanner.errors.VerificationFailed` with the reason unless the signature, the
    list's fingerprint and a re-scan under the certified policy and time all agree.
    ``policy``: require the certificate to be made under this one (path or Policy)."""
    from scanner.policy import Policy, load_policy

    public = load_public(public_key) if isinstance(public_key, (str, os.PathLike)) else public_key
    doc = cert if isinstance(cert, dict) else read_json_document(cert, what="certificate")
    expected = None
    if policy is not None:
        expected = (policy if isinstance(policy, Policy) else load_policy(policy)).sha256
    out = verify_certificate(doc, source, public, expected_policy_sha256=expected)
    return Verified(doc, verdict_of(doc), tuple(out.checked), tuple(out.notes), out.claims)
