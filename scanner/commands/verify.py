"""``verify CERT INPUT --public-key FILE``: check a list against its certificate."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scanner.certify.certificate import verify
from scanner.certify.signing import load_public, read_json_document
from scanner.privacy.embedded import mask_message

FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("verify")
@click.argument("cert_path", metavar="CERT", type=FILE)
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=str))
@click.option("--public-key", type=FILE, required=True, help="The issuer's public key.")
@click.option("--policy", "policy_path", type=FILE, default=None,
              help="Require the certificate to be made under this policy.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(cert_path, input_path, public_key, policy_path, fmt) -> None:
    """Exit 0 when the signature verifies, the list matches its fingerprint and a re-scan
    reproduces the certified counts; exit 1 with the reason otherwise."""
    from scanner.certify.page import verdict_of
    from scanner.policy import load_policy

    public = load_public(public_key)
    cert = read_json_document(cert_path, what="certificate")
    expected = load_policy(policy_path).sha256 if policy_path else None
    result = verify(cert, input_path, public, expected_policy_sha256=expected)
    if fmt == "json":
        click.echo(json.dumps({"ok": True, "verdict": verdict_of(cert), "checked": result.checked,
                               "notes": result.notes, "claims": result.claims}, ensure_ascii=False, indent=2))
        return
    # the first line is the answer a pipeline or a person looks for; notices go to stderr
    click.echo(f"certified verdict: {verdict_of(cert)} ({mask_message(str(cert_path))}: verified)")
    for line in result.checked:
        click.echo(f"  ok     {line}")
    for line in result.notes:
        click.echo(f"contact-scanner: notice: {mask_message(line)}", err=True)
    claims = result.claims
    for code, n in sorted(claims.get("findings", {}).items()):
        click.echo(f"  claim  {code}: {n} (issuer's registry/key; not re-checked)")
    for code, fired in sorted(claims.get("signals", {}).items()):
        click.echo(f"  claim  {code} {'fired' if fired else 'not fired'} (issuer's registry/canaries; not re-checked)")
    if "outcome" in claims:
        o = claims["outcome"]
        click.echo(f"  claim  verdict {o.get('verdict')}, purchased score {o.get('purchased_score_bp')} bp "
                   "(depends on the claims above)")
