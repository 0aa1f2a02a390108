"""Click options shared by the certify, verify, ledger and canary commands."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.privacy.keys import DEFAULT_STATE_DIR, HOME_ENV, KeyMaterial, load_key, resolve_state_dir

__all__ = ["key_file_option", "keys_for", "region_option", "resolve_state_dir", "state_dir_option"]


def state_dir_option(fn):
    return click.option(
        "--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help=f"State directory (key, registry); default ${HOME_ENV} or ./{DEFAULT_STATE_DIR}.",
    )(fn)


def key_file_option(fn):
    return click.option(
        "--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Master key file (instead of the state directory's key.json).",
    )(fn)


def region_option(fn):
    return click.option("--region", default="CN", show_default=True,
                        help="Region for numbers written without a country code.")(fn)


def keys_for(state_dir: Path | None, key_file: Path | None, *, create: bool = False) -> KeyMaterial:
    """Load the master key; notices about a newly created key go to stderr."""
    return load_key(resolve_state_dir(state_dir), key_file=key_file, create=create,
                    notice=lambda message: click.echo(f"contact-scanner: {message}", err=True))
