"""``certify INPUT --signing-key FILE --to CERT``: scan a list and sign what it showed."""

from __future__ import annotations

import sys

import click

import scanner
from scanner.commands.options import (
    FILE, announce, choice, emit, format_option, lang_option, notice_echo, state_for, state_options, to_option,
)
from scanner.commands.scan import FAIL_ON
from scanner.i18n import _, current_lang, explicit_lang, set_lang
from scanner.privacy.embedded import mask_message


@click.command("certify")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=str))
@click.option("--signing-key", type=FILE, required=True, help="Ed25519 private key (keys signing).")
@to_option(help="Where to write the certificate (JSON); its page is written beside it (.html). Both 0644.",
           out_alias=True)
@click.option("--policy", "policy_path", type=FILE, default=None, help="Policy TOML (default: built-in).")
@click.option("--issuer", default=None, help="Issuer name stated in the certificate.")
@click.option("--as-of", default=None, help="Scan time (ISO; default now).")
@click.option("--valid-days", type=click.IntRange(min=1), default=scanner.certify.DEFAULT_VALID_DAYS, show_default=True,
              help="The certificate expires this many days after issue.")
@click.option("--fail-on", type=choice(FAIL_ON), default="error", show_default=True,
              help="Exit 1 when the certified verdict reaches this level (the certificate is still written).")
@lang_option
@state_options
@format_option
def command(input_path, signing_key, to, policy_path, issuer, as_of, valid_days, fail_on, lang, state_dir,
            key_file, fmt) -> None:
    """Scan INPUT and write a signed certificate of its fingerprint, counts and verdict, and
    a page showing it (CERT.html beside CERT.json).

    Exit code 0 when the certified verdict is below --fail-on, 1 when it reaches it, 2 on a
    usage or input error.
    """
    state = state_for(state_dir)
    done = scanner.certify(input_path, signing_key, to=to, state_dir=state.path, key_file=key_file,
                           policy=policy_path, issuer=issuer, as_of=as_of, valid_days=valid_days,
                           lang=explicit_lang(), notice=notice_echo)
    announce(state, done.keys)
    set_lang(done.lang)  # --lang, the policy, the locale
    verdict = done.verdict
    emit(fmt, {"certificate": str(done.path), "page": str(done.page), "verdict": verdict, "numbers": done.numbers,
               "rows": done.rows, "expires": done.expires, "signer": done.signer}, [
        _("certificate {cert}: {numbers} unique numbers, {rows} rows, verdict {verdict}, expires "
          "{expires}, signed by {key}…; page {page}").format(
            cert=mask_message(str(done.path)), numbers=done.numbers, rows=done.rows,
            verdict=verdict if current_lang() == "en" else _(str(verdict)), expires=done.expires,
            key=done.signer[:16], page=mask_message(str(done.page)))])
    if verdict in FAIL_ON[fail_on]:
        sys.exit(1)
