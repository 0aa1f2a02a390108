"""What every command shares: the option conventions, declared once, and the way results
are printed.

The conventions (a test walks every command and checks them):

* ``--out DIR`` always names a folder and ``--to FILE`` always a file;
* ``--format text|json`` on every command that reports;
* ``--state-dir`` and ``--key-file`` on every command that touches state (:func:`state_options`);
* choices are case-insensitive.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterable

import click

import scanner
from scanner.i18n import Text, _, set_lang
from scanner.i18n.messages import translated
from scanner.privacy.embedded import mask_message

FILE = click.Path(dir_okay=False, path_type=Path)
FOLDER = click.Path(file_okay=False, path_type=Path)
FORMATS = ("text", "json")


def choice(values: Iterable[str]) -> click.Choice:
    """A case-insensitive choice (``--rows ACCEPT`` is ``--rows accept``)."""
    return click.Choice(list(values), case_sensitive=False)


def state_options(fn=None, *, used: bool = True):
    """``--state-dir`` and ``--key-file``: where the state folder and the key are. Every
    command but ``rules`` takes them, so one set of options serves a whole script;
    ``used=False``: a command that keeps nothing there (its help says so)."""
    if fn is None:
        return functools.partial(state_options, used=used)
    unused = "" if used else " This command keeps nothing in the state folder."
    fn = click.option(
        "--key-file", type=FILE, default=None,
        help=f"Master key file (key.json or 64 hex) instead of the state folder's {scanner.keys.KEY_FILE_NAME}; "
             f"${scanner.keys.ENV_KEY} (64 hex) is used when neither is given. The audit log is the one "
             "beside the key file." + unused)(fn)
    return click.option(
        "--state-dir", type=FOLDER, default=None,
        help=f"State folder (key, registry, audit log). Default: ${scanner.keys.HOME_ENV}, else the nearest "
             f"{scanner.keys.STATE_DIR_NAME}/ in this folder or a parent, else the per-user data folder." + unused)(fn)


def format_option(fn):
    return click.option("--format", "fmt", type=choice(FORMATS), default="text", show_default=True,
                        help=_("text: for people; json: one JSON document on stdout."))(fn)


def _set_lang(ctx, param, value):
    if value:
        set_lang(value)
    return value


def lang_option(fn):
    return click.option("--lang", type=choice(["en", "zh"]), default=None, callback=_set_lang,
                        help=_("Language of what a person reads (report.html, the summary). Default: the "
                               "policy's [report] lang, else the locale (zh_* is Chinese)."))(fn)


def region_option(fn):
    return click.option("--region", default="CN", show_default=True,
                        help="Region for numbers written without a country code.")(fn)


def deprecated(old: str, new: str) -> None:
    """The one-line notice for an option spelling kept for one more minor version."""
    notice_echo(_("{old} is deprecated here and goes in the next minor version; use {new}").format(old=old, new=new))


def to_option(*, help: str, required: bool = True, out_alias: bool = False):
    """``--to FILE``. ``out_alias``: ``--out FILE`` is kept as a hidden spelling of it for one
    minor version, with a deprecation notice."""
    def decorate(fn):
        @functools.wraps(fn)
        def command(*args, to=None, out_alias_value=None, **kwargs):
            if out_alias_value is not None:
                if to is not None:
                    raise click.UsageError(_("--out is the old spelling of --to: give only --to"))
                deprecated("--out FILE", "--to FILE")
                to = out_alias_value
            if to is None and required:
                raise click.MissingParameter(param_hint="'--to'", param_type="option")
            return fn(*args, to=to, **kwargs)

        if out_alias:
            command = click.option("--out", "out_alias_value", type=FILE, default=None, hidden=True)(command)
        return click.option("--to", "to", type=FILE, default=None, help=help)(command)
    return decorate


def notice_echo(message: str) -> None:
    click.echo(f"contact-scanner: {_('notice')}: {mask_message(translated(message))}", err=True)


def state_for(state_dir: Path | None) -> scanner.keys.StateDir:
    """The state folder for ``--state-dir``, searched from the current folder."""
    return scanner.keys.where(state_dir, cwd=Path.cwd())


def announce(state, keys) -> None:
    """One stderr line: the state folder (and how it was found) and the key used."""
    # (paths masked, never the key id: a fingerprint is compared digit by digit)
    used = (_("key {key} from {origin}").format(key=keys.key_id, origin=mask_message(scanner.keys.origin(keys)))
            if keys is not None else _("no key needed"))
    click.echo("contact-scanner: " + _("state folder {folder}; {used}").format(
        folder=mask_message(state.describe()), used=used), err=True)


def keys_for(state_dir: Path | None, key_file: Path | None, *, create: bool = False, missing_ok: bool = False):
    """The state folder and the master key (said on stderr)."""
    state = state_for(state_dir)
    keys = scanner.keys.load(state.path, key_file=key_file, create=create, missing_ok=missing_ok, notice=notice_echo)
    announce(state, keys)
    return state, keys


def jsonable(value: Any, omit: Iterable[str] = ()) -> Any:
    """A result as JSON values: dataclass fields (never private ones, never a secret: a key
    is its id), paths and messages as text, sets sorted."""
    omit = set(omit)
    if isinstance(value, scanner.keys.KeyMaterial):
        return {"key_id": value.key_id, "source": scanner.keys.origin(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not f.name.startswith("_") and f.name not in omit}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if k not in omit}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, (Path, Text)):
        return str(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def emit(fmt: str, data: Any, lines: Callable[[], Iterable[str]] | Iterable[str] = ()) -> None:
    """Print a result: ``json``, one document on stdout; ``text``, its lines."""
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for line in (lines() if callable(lines) else lines):
        click.echo(line)
