"""``certify INPUT --signing-key FILE --out CERT``: scan a list and sign what it showed."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scanner.certify.certificate import DEFAULT_VALID_DAYS, build_certificate
from scanner.certify.page import page_path, verdict_of, write_certificate
from scanner.commands.options import announce, key_options, lang_option, notice_echo, state_for
from scanner.commands.scan import FAIL_ON
from scanner.certify.signing import load_private
from scanner.privacy.embedded import mask_message

FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("certify")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=str))
@click.option("--signing-key", type=FILE, required=True, help="Ed25519 private key (keys signing).")
@click.option("--out", type=FILE, required=True,
              help="Where to write the certificate (JSON); its page is written beside it (.html). Both 0644.")
@click.option("--policy", "policy_path", type=FILE, default=None, help="Policy TOML (default: built-in).")
@click.option("--issuer", default=None, help="Issuer name stated in the certificate.")
@click.option("--as-of", default=None, help="Scan time (ISO; default now).")
@click.option("--valid-days", type=click.IntRange(min=1), default=DEFAULT_VALID_DAYS, show_default=True,
              help="The certificate expires this many days after issue.")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON), case_sensitive=False), default="error", show_default=True,
              help="Exit 1 when the certified verdict reaches this level (the certificate is still written).")
@lang_option
@key_options
def command(input_path, signing_key, out, policy_path, issuer, as_of, valid_days, fail_on, lang, state_dir,
            key_file) -> None:
    """Scan INPUT and write a signed certificate of its fingerprint, counts and verdict, and
    a page showing it (CERT.html beside CERT.json).

    Exit code 0 when the certified verdict is below --fail-on, 1 when it reaches it, 2 on a
    usage or input error.
    """
    from scanner.api import scan
    from scanner.i18n import _, current_lang, explicit_lang, set_lang
    from scanner.privacy.exposure import Needles

    key = load_private(signing_key)
    page_path(out)  # an --out the page cannot go beside stops before the scan
    state = state_for(state_dir)
    result = scan(input_path, policy_path, state_dir=state.path, key_file=key_file, as_of=as_of,
                  notice=notice_echo)
    announce(state, result.keys)
    cert = build_certificate(result, key, issuer=issuer, valid_days=valid_days)
    set_lang(explicit_lang() or result.policy.report.lang)  # --lang, the policy, the locale
    _written, page = write_certificate(cert, out, needles=Needles.of(result.distinct_numbers()), lang=current_lang())
    counts = cert["counts"]
    verdict = verdict_of(cert)
    click.echo(_("certificate {cert}: {numbers} unique numbers, {rows} rows, verdict {verdict}, expires "
                 "{expires}, signed by {key}…; page {page}").format(
        cert=mask_message(str(out)), numbers=cert["list"]["numbers"], rows=counts["rows"]["total"],
        verdict=verdict if current_lang() == "en" else _(str(verdict)), expires=cert["expires"],
        key=key.fingerprint[:16], page=mask_message(str(page))))
    if verdict in FAIL_ON[fail_on]:
        sys.exit(1)
