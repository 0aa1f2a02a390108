"""``verify CERT INPUT --public-key FILE``: check a list against its certificate."""

from __future__ import annotations

import click

import scanner
from scanner.commands.options import FILE, emit, format_option, jsonable, lang_option, state_options
from scanner.i18n import _, current_lang
from scanner.privacy.embedded import mask_message


@click.command("verify")
@click.argument("cert_path", metavar="CERT", type=FILE)
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=str))
@click.option("--public-key", type=FILE, required=True, help="The issuer's public key.")
@click.option("--policy", "policy_path", type=FILE, default=None,
              help="Require the certificate to be made under this policy.")
@format_option
@lang_option
@state_options(used=False)
def command(cert_path, input_path, public_key, policy_path, fmt, lang, state_dir, key_file) -> None:
    """Exit 0 when the signature verifies, the list matches its fingerprint and a re-scan
    reproduces the certified counts; exit 1 with the reason otherwise."""
    result = scanner.verify(cert_path, input_path, public_key, policy=policy_path)
    if fmt == "json":
        emit(fmt, {"ok": True, **jsonable(result, omit=("cert",))})
        return
    # the first line is the answer a pipeline or a person looks for; notices go to stderr
    verdict = result.verdict
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
