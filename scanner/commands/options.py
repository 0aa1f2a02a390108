"""Click options shared by every command that needs the state dir or the master key."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.privacy.keys import (
    DEFAULT_STATE_DIR, ENV_KEY, HOME_ENV, KEY_FILE_NAME, KeyMaterial, load_key, resolve_state_dir,
)

__all__ = ["key_file_option", "key_options", "keys_for", "region_option", "resolve_state_dir",
           "state_dir_option"]


def state_dir_option(fn):
    return click.option(
        "--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help=f"State directory (key, registry, audit log); default ${HOME_ENV} or ./{DEFAULT_STATE_DIR}.",
    )(fn)


def key_file_option(fn):
    return click.option(
        "--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help=f"Master key file (key.json or 64 hex) instead of the state dir's {KEY_FILE_NAME}; "
             f"${ENV_KEY} (64 hex) is used when neither is given.",
    )(fn)


def key_options(fn):
    """``--state-dir`` and ``--key-file`` together."""
    return state_dir_option(key_file_option(fn))


def region_option(fn):
    return click.option("--region", default="CN", show_default=True,
                        help="Region for numbers written without a country code.")(fn)


def keys_for(state_dir: Path | None, key_file: Path | None, *, create: bool = False) -> KeyMaterial:
    """Load the master key; notices about a newly created key go to stderr."""
    return load_key(resolve_state_dir(state_dir), key_file=key_file, create=create,
                    notice=lambda message: click.echo(f"contact-scanner: {message}", err=True))
