"""``ledger append | verify | checkpoint``: the tamper-evident consent ledger."""

from __future__ import annotations

from pathlib import Path

import click

import scanner
from scanner.commands.options import FILE, choice, emit, format_option, jsonable, keys_for, region_option, state_options, to_option
from scanner.i18n import _


@click.group("ledger")
def command() -> None:
    """Append-only consent ledger: hash-chained, MACed under the state key, checkpointable."""


@command.command("append")
@click.argument("ledger", type=FILE)
@click.option("--phone", "phone_source", required=True, metavar="-|FILE",
              help="'-' reads the number from stdin (one per line); never a number itself.")
@click.option("--action", type=choice(scanner.ledger.ACTIONS), required=True)
@click.option("--channel", type=choice(scanner.ledger.CHANNELS), required=True)
@click.option("--purpose", type=choice(scanner.ledger.PURPOSES), required=True)
@click.option("--evidence", required=True, help="Evidence reference (form id, recording id, URL).")
@click.option("--notice-version", default=None, help="Version of the privacy notice shown.")
@click.option("--at", "at_text", default=None,
              help="Time of the event (ISO 8601; default now; no offset = Asia/Shanghai).")
@region_option
@state_options
@format_option
def append_cmd(ledger, phone_source, action, channel, purpose, evidence, notice_version, at_text,
               region, state_dir, key_file, fmt) -> None:
    """Append one consent event per number read from stdin (or FILE)."""
    # the key is loaded (or made) once the numbers were read: a bad input makes no new key
    done = scanner.Ledger(ledger, lambda: keys_for(state_dir, key_file, create=True)[1]).append(phone_source, action=action, channel=channel, purpose=purpose,
                                               evidence=evidence, at=at_text, notice_version=notice_version,
                                               region=region)
    emit(fmt, jsonable(done), [_("appended {n} {action} event(s) as entries {first}..{last} to {ledger}").format(
        n=done.count, action=action, first=done.first, last=done.last, ledger=ledger)])


@command.command("verify")
@click.argument("ledger", type=FILE)
@click.option("--checkpoint", type=FILE, default=None,
              help="A signed checkpoint; detects rewrites or truncation of what it covers.")
@click.option("--public-key", type=FILE, default=None, help="Public key of the checkpoint's signer.")
@state_options
@format_option
def verify_cmd(ledger, checkpoint, public_key, state_dir, key_file, fmt) -> None:
    """Exit 0 when the ledger is intact, 1 naming the first bad entry when it is not."""
    if (checkpoint is None) != (public_key is None):
        raise click.UsageError(_("--checkpoint and --public-key go together"))
    # an auditor without the ledger key checks the hash chain and the checkpoint only
    _state, keys = keys_for(state_dir, key_file, missing_ok=checkpoint is not None)
    done = scanner.Ledger(ledger, keys).verify(checkpoint=checkpoint, public_key=public_key)
    if done.covered is None:
        line = _("{ledger}: intact, {entries} entries, head {head}…").format(
            ledger=ledger, entries=done.entries, head=done.head[:16])
    else:
        suffix = "" if done.macs_checked else _("; MACs not checked (no ledger key)")
        line = _("{ledger}: intact, {entries} entries; the {covered} entries of the checkpoint of {at} are "
                 "unchanged{suffix}").format(ledger=ledger, entries=done.entries, covered=done.covered,
                                             at=done.at, suffix=suffix)
    emit(fmt, jsonable(done), [line])


@command.command("checkpoint")
@click.argument("ledger", type=FILE)
@click.option("--signing-key", type=FILE, required=True)
@to_option(help="Where to write the checkpoint (default LEDGER.checkpoint.json).", required=False, out_alias=True)
@state_options
@format_option
def checkpoint_cmd(ledger: Path, signing_key, to, state_dir, key_file, fmt) -> None:
    """Write a signed head (hash, entry count, time) to hand to an auditor or buyer."""
    _state, keys = keys_for(state_dir, key_file)
    done = scanner.Ledger(ledger, keys).checkpoint(signing_key, to=to)
    emit(fmt, jsonable(done, omit=("doc",)), [
        _("checkpoint of {entries} entries, head {head}…, signed by {key}…: {out}").format(
            entries=done.entries, head=done.head[:16], key=done.signer[:16], out=done.path)])
