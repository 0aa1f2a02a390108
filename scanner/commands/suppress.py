"""``contact-scanner suppress add|remove|list|export``: the do-not-contact store (tokens only).

Exit codes: 0 done; 2 usage or input errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from scanner.commands.options import announce, key_options, keys_for, state_dir_option, state_for
from scanner.i18n import N_, _

#: ``suppress list``'s column heads.
LIST_HEADER = (N_("state"), N_("channel"), N_("purpose"), N_("source"), N_("entries"), N_("first added"),
               N_("last added"), N_("reason"))

_FILE = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
_POLICY = click.option("--policy", "policy_path", type=click.Path(dir_okay=False),
                       help="Policy TOML (the region of national numbers).")


@click.group("suppress")
def command() -> None:
    """The do-not-contact store: numbers (as tokens) no campaign may reach, with a scope.

    Scans check it by default ([suppress] check); entries match a scan's [campaign] channel
    and purpose. FILE holds real numbers (any list format) or phone tokens; numbers are
    never taken on the command line.
    """


@command.command("add")
@_FILE
@click.option("--reason", required=True, help="Why (退订, complaint, refused...); goes to the store and audit log.")
@click.option("--channel", type=click.Choice(["sms", "voice", "all"], case_sensitive=False), default="all", show_default=True)
@click.option("--purpose", type=click.Choice(["marketing", "service", "all"], case_sensitive=False), default="all", show_default=True)
@_POLICY
@key_options
def add(file, reason, channel, purpose, policy_path, state_dir, key_file):
    """Add FILE's numbers or tokens under one scope."""
    n = _change("add", file, reason, channel, purpose, policy_path, state_dir, key_file)
    click.echo(_("added {n} entries (channel {channel}, purpose {purpose})").format(n=n, channel=channel, purpose=purpose))


def _change(action, file, reason, channel, purpose, policy_path, state_dir, key_file) -> int:
    from scanner.policy import load_policy
    from scanner.suppress.entries import change

    state = state_for(state_dir)
    keys = keys_for(state_dir, key_file, state=state)
    return change(action, file, keys, load_policy(policy_path), state_dir=state.path, reason=reason,
                  channel=channel, purpose=purpose)


@command.command("remove")
@_FILE
@click.option("--reason", required=True, help="Why the entries end (kept with them; nothing is deleted).")
@click.option("--channel", type=click.Choice(["sms", "voice", "all", "any"], case_sensitive=False), default="any", show_default=True)
@click.option("--purpose", type=click.Choice(["marketing", "service", "all", "any"], case_sensitive=False), default="any",
              show_default=True)
@_POLICY
@key_options
def remove(file, reason, channel, purpose, policy_path, state_dir, key_file):
    """Mark the live entries of FILE's numbers or tokens removed (of one scope, or any)."""
    n = _change("remove", file, reason, channel, purpose, policy_path, state_dir, key_file)
    click.echo(_("removed {n} entries (kept, marked removed)").format(n=n))


@command.command("list")
@state_dir_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
def list_(state_dir, fmt):
    """Counts by scope, reason, source and state, with dates (never numbers)."""
    from scanner.suppress.store import list_entries

    state = state_for(state_dir)
    announce(state, None)
    groups = list_entries(state.path)
    if fmt == "json":
        click.echo(json.dumps(groups, ensure_ascii=False, indent=2))
        return
    if not groups:
        click.echo(_("no entries"))
        return
    head = list(map(_, LIST_HEADER))
    click.echo(f"{head[0]:<8} {head[1]:<7} {head[2]:<9} {head[3]:<9} {head[4]:>8}  {head[5]:<20} {head[6]:<20} "
               f"{head[7]}")
    live, removed = _("live"), _("removed")
    for g in groups:
        click.echo(f"{live if g['live'] else removed:<8} {g['channel']:<7} {g['purpose']:<9} {g['source']:<9} "
                   f"{g['entries']:>8}  {g['first_added']:<20} {g['last_added']:<20} {g['reason']}")


@command.command("export")
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of the live entries' tokens and scopes; mode 0600.")
@key_options
def export(to, state_dir, key_file):
    """Write the live entries (phone_token, channel, purpose, reason, source, added_at)."""
    from scanner.privacy.safe_files import atomic_write_csv
    from scanner.suppress.store import export_tokens

    state = state_for(state_dir)
    keys = keys_for(state_dir, key_file, state=state)
    frame = export_tokens(state.path, keys.key_id)
    atomic_write_csv(to, frame)
    click.echo(_("wrote {n} tokens to {path} (mode 0600)").format(n=frame.height, path=to))
