"""``contact-scanner registry``: the lists seen before (keyed tokens only, never numbers)."""

from __future__ import annotations

import json

import click

from scanner.commands.options import announce, key_options, notice_echo, state_dir_option, state_for
from scanner.i18n import N_, _

#: The owner words the registry's lines show.
OWNER_WORDS = (N_("own"), N_("received"))
#: ``registry list``'s column heads.
LIST_HEADER = (N_("name"), N_("source"), N_("leaked"), N_("numbers"), N_("registered"))


def _registry(state, key_id=None, **kwargs):
    from scanner.registry import open_registry

    return open_registry(state.path, key_id=key_id, **kwargs)


def _emit(data, fmt: str, text_lines) -> None:
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for line in text_lines:
            click.echo(line)


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
@click.option("--owner", type=click.Choice(["own", "received"], case_sensitive=False), default="received", show_default=True,
              help="The user's own list, or one received (bought, shared, leaked).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy TOML (header mapping, region).")
@key_options
def add(input_path, name, source, leaked, owner, policy_path, state_dir, key_file):
    """Read, normalize and tokenize INPUT, and register its valid numbers under NAME."""
    from scanner.api import scan

    state = state_for(state_dir)
    _registry(state).check_new_name(name)  # fail before the (long) scan
    result = scan(input_path, policy_path, state_dir=state.path, key_file=key_file, notice=notice_echo)
    announce(state, result.keys)
    register_result(result, name=name, source=source, leaked=leaked, state=state, owner=owner)


def register_result(result, *, name: str, source: str | None, leaked: bool, state, owner: str = "received",
                    as_version: bool = False) -> None:
    """Register a finished scan's valid numbers (shared by ``registry add`` and ``scan --register``).

    Waits for a busy registry (:data:`~scanner.registry.store.REGISTER_TIMEOUT`) rather than
    lose the registration.
    """
    from scanner.registry.store import REGISTER_TIMEOUT

    tokens = result.valid_tokens()
    info = _registry(state, result.keys.key_id, timeout=REGISTER_TIMEOUT).add(
        name, tokens, source=source, leaked=leaked, row_count=result.report["rows"]["total"],
        input_sha256=result.report["input"].get("sha256"), owner=owner, as_version=as_version,
        findings=result.report["findings"])
    version = _(" (version {version} of {family!r})").format(version=info.version, family=info.family) \
        if info.version > 1 else ""
    click.echo(_("registered {name!r}{version}: {n} distinct valid numbers of {rows} rows, {owner}{leaked}").format(
        name=info.name, version=version, n=info.token_count, rows=info.row_count, owner=_(info.owner),
        leaked=_(" (leaked)") if info.leaked else ""), err=True)


def _reader(state_dir):
    state = state_for(state_dir)
    announce(state, None)
    return _registry(state)


@command.command("list")
@state_dir_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
def list_(state_dir, fmt):
    """List the registered lists."""
    infos = _reader(state_dir).list()
    name, source, leaked, numbers, registered = map(_, LIST_HEADER)
    yes, no = _("yes"), _("no")
    lines = [f"{name:<30} {source:<20} {leaked:<6} {numbers:>10}  {registered}"]
    lines += [f"{i.name:<30} {(i.source or '-'):<20} {(yes if i.leaked else no):<6} "
              f"{i.token_count:>10}  {i.registered_at}" for i in infos]
    if not infos:
        lines = [_("no registered lists")]
    _emit([i.to_dict() for i in infos], fmt, lines)


@command.command("show")
@click.argument("name")
@state_dir_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
def show(name, state_dir, fmt):
    """Show one registered list (counts and fingerprints; no numbers)."""
    info = _reader(state_dir).show(name)
    _emit(info.to_dict(), fmt, _describe(info))


@command.command("remove")
@click.argument("name")
@state_dir_option
def remove(name, state_dir):
    """Remove a registered list and its tokens."""
    info = _reader(state_dir).remove(name)
    click.echo(_("removed {name!r} ({n} numbers)").format(name=info.name, n=info.token_count), err=True)
