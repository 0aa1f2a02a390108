"""``keys signing --out DIR``: a new Ed25519 signing key pair for certificates and checkpoints."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.certify.signing import generate

from scanner.i18n import _


@click.command("signing")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for signing-key.pem (private, mode 0600) and signing-key.pub.pem.")
def command(out_dir: Path) -> None:
    """Write an Ed25519 signing key pair (private key mode 0600, public key shareable)."""
    private, public, fp = generate(out_dir)
    click.echo(_("private key: {path} (mode 0600, keep it secret)").format(path=private))
    click.echo(_("public key:  {path} (share with buyers, auditors, regulators)").format(path=public))
    click.echo(_("fingerprint: {fingerprint}").format(fingerprint=fp))
