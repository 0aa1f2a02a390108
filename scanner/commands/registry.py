"""``contact-scanner registry``: the lists seen before (keyed tokens only, never numbers)."""

from __future__ import annotations

import click

import scanner
from scanner.commands.options import (
    announce, choice, emit, format_option, jsonable, keys_for, notice_echo, state_for, state_options,
)
from scanner.i18n import N_, _

#: The owner words the registry's lines show.
OWNER_WORDS = (N_("own"), N_("received"))
#: ``registry list``'s column heads.
LIST_HEADER = (N_("name"), N_("source"), N_("leaked"), N_("numbers"), N_("registered"))


def _describe(info) -> list[str]:
    return [
        f"{info.name}",
        _("  source:       {value}").format(value=info.source or "-"),
        _("  leaked:       {value}").format(value=_("yes") if info.leaked else _("no")),
        _("  owner:        {value}").format(value=_(info.owner)),
        _("  version:      {version} of {family!r}").format(version=info.version, family=info.family),
        _("  registered:   {value}").format(value=info.registered_at),
        _("  rows:         {value}").format(value=info.row_count if info.row_count is not None else "-"),
        _("  numbers:      {value}").format(value=info.token_count),
        _("  input sha256: {value}").format(value=info.input_sha256 or "-"),
        _("  fingerprint:  {value}").format(value=info.content_fingerprint),
    ]


def registered_line(info) -> str:
    """The line saying what was registered (``registry add``, ``scan --register``)."""
    version = _(" (version {version} of {family!r})").format(version=info.version, family=info.family) \
        if info.version > 1 else ""
    return _("registered {name!r}{version}: {n} distinct valid numbers of {rows} rows, {owner}{leaked}").format(
        name=info.name, version=version, n=info.token_count, rows=info.row_count, owner=_(info.owner),
        leaked=_(" (leaked)") if info.leaked else "")


@click.group("registry")
def command() -> None:
    """Lists seen before: register a list, list, show or remove entries.

    The registry (STATE_DIR/registry.duckdb) holds keyed tokens of the numbers only; scans
    compare each list with it (exact copies, overlaps, lists marked leaked, DU003).
    """


@command.command("add")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=str))
@click.option("--name", required=True, help="Name of the list in the registry (unique).")
@click.option("--source", help="Where the list came from (vendor, partner, event).")
@click.option("--leaked", is_flag=True, help="Mark the list as leaked: any overlap fails a scan.")
@click.option("--owner", type=choice(["own", "received"]), default="received", show_default=True,
              help="The user's own list, or one received (bought, shared, leaked).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy TOML (header mapping, region).")
@state_options
@format_option
def add(input_path, name, source, leaked, owner, policy_path, state_dir, key_file, fmt):
    """Read, normalize and tokenize INPUT, and register its valid numbers under NAME."""
    state = state_for(state_dir)
    done = scanner.registry.add(input_path, state.path, name=name, list_source=source, leaked=leaked, owner=owner,
                                policy=policy_path, key_file=key_file, notice=notice_echo)
    announce(state, done.keys)
    if fmt == "json":
        emit(fmt, jsonable(done.info))
    else:
        click.echo(registered_line(done.info), err=True)


def _registry(state_dir, key_file):
    """The registry; with --key-file, one whose tokens must be of that key."""
    state, keys = keys_for(state_dir, key_file) if key_file is not None else (state_for(state_dir), None)
    if keys is None:
        announce(state, None)
    return scanner.Registry.open(state.path, key_id=keys.key_id if keys is not None else None)


@command.command("list")
@state_options
@format_option
def list_(state_dir, key_file, fmt):
    """List the registered lists."""
    infos = _registry(state_dir, key_file).list()

    def lines():
        if not infos:
            yield _("no registered lists")
            return
        name, source, leaked, numbers, registered = map(_, LIST_HEADER)
        yes, no = _("yes"), _("no")
        yield f"{name:<30} {source:<20} {leaked:<6} {numbers:>10}  {registered}"
        for i in infos:
            yield (f"{i.name:<30} {(i.source or '-'):<20} {(yes if i.leaked else no):<6} "
                   f"{i.token_count:>10}  {i.registered_at}")

    emit(fmt, jsonable(infos), lines)


@command.command("show")
@click.argument("name")
@state_options
@format_option
def show(name, state_dir, key_file, fmt):
    """Show one registered list (counts and fingerprints; no numbers)."""
    info = _registry(state_dir, key_file).show(name)
    emit(fmt, jsonable(info), lambda: _describe(info))


@command.command("remove")
@click.argument("name")
@state_options
@format_option
def remove(name, state_dir, key_file, fmt):
    """Remove a registered list and its tokens."""
    info = _registry(state_dir, key_file).remove(name)
    if fmt == "json":
        emit(fmt, jsonable(info))
    else:
        click.echo(_("removed {name!r} ({n} numbers)").format(name=info.name, n=info.token_count), err=True)
