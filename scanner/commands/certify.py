"""``certify INPUT --signing-key FILE --out CERT``: scan a list and sign what it showed."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.certify.certificate import DEFAULT_VALID_DAYS, build_certificate
from scanner.commands.options import announce, key_options, notice_echo, state_for
from scanner.certify.signing import load_private, write_json_document

FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("certify")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=str))
@click.option("--signing-key", type=FILE, required=True, help="Ed25519 private key (keys signing).")
@click.option("--out", type=FILE, required=True, help="Where to write the certificate (JSON).")
@click.option("--policy", "policy_path", type=FILE, default=None, help="Policy TOML (default: built-in).")
@click.option("--issuer", default=None, help="Issuer name stated in the certificate.")
@click.option("--as-of", default=None, help="Scan time (ISO; default now).")
@click.option("--valid-days", type=click.IntRange(min=1), default=DEFAULT_VALID_DAYS, show_default=True,
              help="The certificate expires this many days after issue.")
@key_options
def command(input_path, signing_key, out, policy_path, issuer, as_of, valid_days, state_dir, key_file) -> None:
    """Scan INPUT and write a signed certificate of its fingerprint, counts and verdict."""
    from scanner.api import scan

    key = load_private(signing_key)
    state = state_for(state_dir)
    result = scan(input_path, policy_path, state_dir=state.path, key_file=key_file, as_of=as_of,
                  notice=notice_echo)
    announce(state, result.keys)
    cert = build_certificate(result, key, issuer=issuer, valid_days=valid_days)
    write_json_document(out, cert)
    counts = cert["counts"]
    verdict = counts.get("verdict") or cert["claims"].get("outcome", {}).get("verdict")
    click.echo(f"certificate {out}: {cert['list']['numbers']} unique numbers, "
               f"{counts['rows']['total']} rows, verdict {verdict}, expires {cert['expires']}, "
               f"signed by {key.fingerprint[:16]}…")
