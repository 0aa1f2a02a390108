"""The state-folder and key options, declared once for every command, and the one line
each command prints on stderr saying which state folder and key it used."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.privacy.embedded import mask_message
from scanner.i18n import _, set_lang
from scanner.i18n.messages import translated
from scanner.privacy.keys import ENV_KEY, KEY_FILE_NAME, KeyMaterial, load_key
from scanner.privacy.state import HOME_ENV, STATE_DIR_NAME, StateDir, check_state_dir, find_state_dir

__all__ = ["announce", "key_file_option", "lang_option", "key_options", "keys_for", "notice_echo", "region_option",
           "state_dir_option", "state_for"]


def state_dir_option(fn):
    return click.option(
        "--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help=f"State folder (key, registry, audit log). Default: ${HOME_ENV}, else the nearest "
             f"{STATE_DIR_NAME}/ in this folder or a parent, else the per-user data folder.",
    )(fn)


def key_file_option(fn):
    return click.option(
        "--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help=f"Master key file (key.json or 64 hex) instead of the state folder's {KEY_FILE_NAME}; "
             f"${ENV_KEY} (64 hex) is used when neither is given. The audit log is the one "
             "beside the key file.",
    )(fn)


def key_options(fn):
    """``--state-dir`` and ``--key-file`` together."""
    return state_dir_option(key_file_option(fn))


def _set_lang(ctx, param, value):
    if value:
        set_lang(value)
    return value


def lang_option(fn):
    return click.option("--lang", type=click.Choice(["en", "zh"], case_sensitive=False), default=None, callback=_set_lang,
                        help=_("Language of what a person reads (report.html, the summary). Default: the "
                               "policy's [report] lang, else the locale (zh_* is Chinese)."))(fn)


def region_option(fn):
    return click.option("--region", default="CN", show_default=True,
                        help="Region for numbers written without a country code.")(fn)


def notice_echo(message: str) -> None:
    click.echo(f"contact-scanner: {_('notice')}: {mask_message(translated(message))}", err=True)


def state_for(state_dir: Path | None) -> StateDir:
    """The state folder for ``--state-dir`` (search rules in :mod:`scanner.privacy.state`),
    refused when others may write to it."""
    state = find_state_dir(state_dir)
    check_state_dir(state.path)
    return state


def key_origin(keys: KeyMaterial) -> str:
    if keys.file is not None:
        return str(keys.file)
    return f"${ENV_KEY}" if keys.source == ENV_KEY else keys.source


def announce(state: StateDir, keys: KeyMaterial | None) -> None:
    """One stderr line: the state folder (and how it was found) and the key used."""
    # (paths masked, never the key id: a fingerprint is compared digit by digit)
    used = (_("key {key} from {origin}").format(key=keys.key_id, origin=mask_message(key_origin(keys)))
            if keys is not None else _("no key needed"))
    click.echo("contact-scanner: " + _("state folder {folder}; {used}").format(
        folder=mask_message(state.describe()), used=used), err=True)


def keys_for(state_dir: Path | None, key_file: Path | None, *, create: bool = False,
             state: StateDir | None = None) -> KeyMaterial:
    """Load the master key and say which state folder and key are in use (stderr)."""
    state = state or state_for(state_dir)
    keys = load_key(state.path, key_file=key_file, create=create, notice=notice_echo)
    announce(state, keys)
    return keys
