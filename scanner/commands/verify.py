"""``verify CERT INPUT --public-key FILE``: check a list against its certificate."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scanner.certify.certificate import verify
from scanner.certify.signing import load_public, read_json_document
from scanner.commands.options import lang_option
from scanner.i18n import _, current_lang
from scanner.privacy.embedded import mask_message

FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("verify")
@click.argument("cert_path", metavar="CERT", type=FILE)
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=str))
@click.option("--public-key", type=FILE, required=True, help="The issuer's public key.")
@click.option("--policy", "policy_path", type=FILE, default=None,
              help="Require the certificate to be made under this policy.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
@lang_option
def command(cert_path, input_path, public_key, policy_path, fmt, lang) -> None:
    """Exit 0 when the signature verifies, the list matches its fingerprint and a re-scan
    reproduces the certified counts; exit 1 with the reason otherwise."""
    from scanner.certify.page import verdict_of
    from scanner.policy import load_policy

    public = load_public(public_key)
    cert = read_json_document(cert_path, what="certificate")
    expected = load_policy(policy_path).sha256 if policy_path else None
    result = verify(cert, input_path, public, expected_policy_sha256=expected)
    if fmt == "json":
        click.echo(json.dumps({"ok": True, "verdict": verdict_of(cert), "checked": [str(c) for c in result.checked],
                               "notes": [str(n) for n in result.notes], "claims": result.claims},
                              ensure_ascii=False, indent=2))
        return
    # the first line is the answer a pipeline or a person looks for; notices go to stderr
    verdict = verdict_of(cert)
    click.echo(_("certified verdict: {verdict} ({cert}: verified)").format(
        verdict=verdict if current_lang() == "en" else _(str(verdict)), cert=mask_message(str(cert_path))))
    for line in result.checked:
        click.echo(f"  ok     {line.in_(_)}")
    for line in result.notes:
        click.echo(f"contact-scanner: {_('notice')}: {mask_message(line.in_(_))}", err=True)
    claims = result.claims
    for code, n in sorted(claims.get("findings", {}).items()):
        click.echo(_("  claim  {code}: {n} (issuer's registry/key; not re-checked)").format(code=code, n=n))
    for code, fired in sorted(claims.get("signals", {}).items()):
        click.echo(_("  claim  {code} {state} (issuer's registry/canaries; not re-checked)").format(
            code=code, state=_("fired") if fired else _("not fired")))
    if "outcome" in claims:
        o = claims["outcome"]
        click.echo(_("  claim  verdict {verdict}, purchased score {score} bp (depends on the claims above)").format(
            verdict=o.get("verdict"), score=o.get("purchased_score_bp")))
