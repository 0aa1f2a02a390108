"""``contact-scanner suppress add|remove|list|export``: the do-not-contact store (tokens only).

Exit codes: 0 done; 2 usage or input errors.
"""

from __future__ import annotations

import click

import scanner
from scanner.commands.options import (
    FILE, announce, choice, emit, format_option, jsonable, keys_for, state_for, state_options, to_option,
)
from scanner.i18n import N_, _

#: ``suppress list``'s column heads.
LIST_HEADER = (N_("state"), N_("channel"), N_("purpose"), N_("source"), N_("entries"), N_("first added"),
               N_("last added"), N_("reason"))

_FILE = click.argument("file", type=FILE)
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
@click.option("--channel", type=choice(["sms", "voice", "all"]), default="all", show_default=True)
@click.option("--purpose", type=choice(["marketing", "service", "all"]), default="all", show_default=True)
@_POLICY
@state_options
@format_option
def add(file, reason, channel, purpose, policy_path, state_dir, key_file, fmt):
    """Add FILE's numbers or tokens under one scope."""
    _change(scanner.suppress.add, _("added {n} entries (channel {channel}, purpose {purpose})"), file, reason, channel,
            purpose, policy_path, state_dir, key_file, fmt)


def _change(call, line: str, file, reason, channel, purpose, policy_path, state_dir, key_file, fmt) -> None:
    state, keys = keys_for(state_dir, key_file)
    done = call(file, keys, state_dir=state.path, reason=reason, channel=channel, purpose=purpose, policy=policy_path)
    emit(fmt, jsonable(done), [line.format(n=done.entries, channel=channel, purpose=purpose)])


@command.command("remove")
@_FILE
@click.option("--reason", required=True, help="Why the entries end (kept with them; nothing is deleted).")
@click.option("--channel", type=choice(["sms", "voice", "all", "any"]), default="any", show_default=True)
@click.option("--purpose", type=choice(["marketing", "service", "all", "any"]), default="any", show_default=True)
@_POLICY
@state_options
@format_option
def remove(file, reason, channel, purpose, policy_path, state_dir, key_file, fmt):
    """Mark the live entries of FILE's numbers or tokens removed (of one scope, or any)."""
    _change(scanner.suppress.remove, _("removed {n} entries (kept, marked removed)"), file, reason, channel, purpose,
            policy_path, state_dir, key_file, fmt)


@command.command("list")
@state_options
@format_option
def list_(state_dir, key_file, fmt):
    """Counts by scope, reason, source and state, with dates (never numbers)."""
    if key_file is not None:
        state, _keys = keys_for(state_dir, key_file)
    else:
        state = state_for(state_dir)
        announce(state, None)
    groups = scanner.suppress.entries(state.path)

    def lines():
        if not groups:
            yield _("no entries")
            return
        head = list(map(_, LIST_HEADER))
        yield (f"{head[0]:<8} {head[1]:<7} {head[2]:<9} {head[3]:<9} {head[4]:>8}  {head[5]:<20} {head[6]:<20} "
               f"{head[7]}")
        live, removed = _("live"), _("removed")
        for g in groups:
            yield (f"{live if g.live else removed:<8} {g.channel:<7} {g.purpose:<9} {g.source:<9} "
                   f"{g.entries:>8}  {g.first_added:<20} {g.last_added:<20} {g.reason}")

    emit(fmt, jsonable(groups), lines)


@command.command("export")
@to_option(help="CSV of the live entries' tokens and scopes; mode 0600.")
@state_options
@format_option
def export(to, state_dir, key_file, fmt):
    """Write the live entries (phone_token, channel, purpose, reason, source, added_at)."""
    state, keys = keys_for(state_dir, key_file)
    done = scanner.suppress.export(state.path, keys, to=to)
    emit(fmt, jsonable(done), [_("wrote {n} tokens to {path} (mode 0600)").format(n=done.rows, path=done.path)])
