"""CERT.html: the certificate as a page a buyer can read, written beside CERT.json.

The page shows what was certified — counts, verdict, policy, validity dates, the signer's
key fingerprint — and how to check it. It is a view: the signature covers CERT.json only,
and the page says so. Like report.html it has no script and loads nothing; it holds no
phone number (:func:`write_certificate` runs the outputs' plaintext check on it). Both
files are meant to be handed out, so they are written 0644 (every other output is 0600).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.certify.signing import json_document_bytes
from scanner.errors import InputError, OutputExposure
from scanner.i18n import gettext_for
from scanner.privacy.safe_files import atomic_writer

#: Mode of the certificate and its page: documents for others to read.
PUBLIC_MODE = 0o644


def page_path(cert_path: Path) -> Path:
    """CERT.html beside CERT.json (``cert.json`` -> ``cert.html``; ``cert`` -> ``cert.html``)."""
    page = cert_path.with_suffix(".html")
    if page == cert_path:
        raise InputError("the certificate must not end in .html: its page is written beside it under "
                         "that name", path=str(cert_path))
    return page


def verdict_of(cert: dict) -> str | None:
    """The certified list verdict (under ``claims.outcome`` when it rests on the issuer's claims)."""
    return cert.get("counts", {}).get("verdict") or cert.get("claims", {}).get("outcome", {}).get("verdict")


def certificate_html(cert: dict[str, Any], *, cert_name: str, lang: str = "en") -> str:
    """The page for a signed certificate ``cert`` (named ``cert_name`` in the verify command)."""
    from scanner.report.html import _css, _environment, rule_doc

    _ = gettext_for(lang)
    env = _environment()
    env.install_gettext_callables(_, lambda s, p, n: _(s if n == 1 else p), newstyle=False)
    counts = cert.get("counts", {})
    claims = cert.get("claims", {})
    outcome = claims.get("outcome") or {}
    rows = {**counts.get("rows", {}), **outcome.get("rows", {})}
    findings = {**counts.get("findings", {}), **claims.get("findings", {})}

    def summary(code: str) -> str:
        text = rule_doc(code)[1]
        return _(text) if text else ""

    policy = cert.get("policy", {})
    effective = policy.get("effective", {})
    return env.get_template("cert.html.j2").render(
        c=cert, lang=lang, verdict=verdict_of(cert), rows=rows, findings=findings,
        claim_findings=set(claims.get("findings", {})), summary=summary,
        signals={**counts.get("signals", {}), **claims.get("signals", {})},
        claim_signals=set(claims.get("signals", {})), on_claims=bool(outcome),
        score_bp=counts.get("purchased_score_bp", outcome.get("purchased_score_bp")),
        campaign=effective.get("campaign", {}), consent=effective.get("consent", {}),
        max_reject=effective.get("list", {}).get("max_reject_share"),
        cert_name=cert_name, word=_, css=_css())


def write_certificate(cert: dict[str, Any], out: Path, *, needles=None, lang: str = "en") -> tuple[Path, Path]:
    """CERT.json and CERT.html beside it, both 0644, old-or-new together: the page is
    checked for plaintext numbers (``needles``: the list's,
    :class:`scanner.privacy.exposure.Needles`) before anything is written, then both files
    are written in full before either replaces its old version (a failure while writing
    either leaves both as they were)."""
    from scanner.privacy.exposure import plaintext_in_text

    page = page_path(out)
    from scanner.privacy.embedded import mask_message

    text = certificate_html(cert, cert_name=mask_message(out.name), lang=lang)
    if needles is not None and plaintext_in_text(text, None, needles=needles):
        raise OutputExposure("refused to write the certificate: the plaintext check found a phone number in "
                             "{name}; nothing was written", name=page.name)
    with atomic_writer(page, mode=PUBLIC_MODE) as page_fh, atomic_writer(out, mode=PUBLIC_MODE) as cert_fh:
        page_fh.write(text.encode("utf-8"))
        page_fh.flush()
        cert_fh.write(json_document_bytes(cert))
    return out, page
