"""``ledger append | verify | checkpoint``: the tamper-evident consent ledger."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scanner.commands.options import key_options, keys_for, region_option
from scanner.certify.signing import load_private, load_public, read_json_document, write_json_document
from scanner.errors import KeyMaterialError, VerificationFailed
from scanner.i18n import _
from scanner.ledger.ledger import (
    ACTIONS, CHANNELS, PURPOSES, ConsentEvent, append_events, make_checkpoint, parse_time,
    verify_against_checkpoint, verify_ledger,
)
from scanner.ledger.numbers import read_numbers

LEDGER_PATH = click.Path(dir_okay=False, path_type=Path)


@click.group("ledger")
def command() -> None:
    """Append-only consent ledger: hash-chained, MACed under the state key, checkpointable."""


@command.command("append")
@click.argument("ledger", type=LEDGER_PATH)
@click.option("--phone", "phone_source", required=True, metavar="-|FILE",
              help="'-' reads the number from stdin (one per line); never a number itself.")
@click.option("--action", type=click.Choice(ACTIONS, case_sensitive=False), required=True)
@click.option("--channel", type=click.Choice(CHANNELS, case_sensitive=False), required=True)
@click.option("--purpose", type=click.Choice(PURPOSES, case_sensitive=False), required=True)
@click.option("--evidence", required=True, help="Evidence reference (form id, recording id, URL).")
@click.option("--notice-version", default=None, help="Version of the privacy notice shown.")
@click.option("--at", "at_text", default=None,
              help="Time of the event (ISO 8601; default now; no offset = Asia/Shanghai).")
@region_option
@key_options
def append_cmd(ledger, phone_source, action, channel, purpose, evidence, notice_version, at_text,
               region, state_dir, key_file) -> None:
    """Append one consent event per number read from stdin (or FILE)."""
    at = parse_time(at_text) if at_text else None
    numbers = read_numbers(phone_source, lambda: sys.stdin.read(), region=region)
    keys = keys_for(state_dir, key_file, create=True)
    events = [ConsentEvent(n, channel, purpose, action, evidence, at, notice_version) for n in numbers]
    seqs = append_events(ledger, keys, events)
    click.echo(_("appended {n} {action} event(s) as entries {first}..{last} to {ledger}").format(
        n=len(seqs), action=action, first=seqs[0], last=seqs[-1], ledger=ledger))


@command.command("verify")
@click.argument("ledger", type=LEDGER_PATH)
@click.option("--checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A signed checkpoint; detects rewrites or truncation of what it covers.")
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Public key of the checkpoint's signer.")
@key_options
def verify_cmd(ledger, checkpoint, public_key, state_dir, key_file) -> None:
    """Exit 0 when the ledger is intact, 1 naming the first bad entry when it is not."""
    if (checkpoint is None) != (public_key is None):
        raise click.UsageError(_("--checkpoint and --public-key go together"))
    try:
        keys = keys_for(state_dir, key_file, create=False)
    except KeyMaterialError:
        if checkpoint is None:
            raise
        keys = None  # an auditor without the ledger key: hash chain and checkpoint only
    if checkpoint is not None:
        doc = read_json_document(checkpoint, what="checkpoint")
        check = verify_against_checkpoint(ledger, doc, load_public(public_key), keys)
        covered = doc["ledger"]["entries"]
        suffix = "" if keys is not None else _("; MACs not checked (no ledger key)")
        if not check.intact:
            raise VerificationFailed("the {covered} checkpointed entries are unchanged, but later: {reason}",
                                     path=str(ledger), covered=covered, reason=check.reason)
        click.echo(_("{ledger}: intact, {entries} entries; the {covered} entries of the checkpoint of {at} are "
                     "unchanged{suffix}").format(ledger=ledger, entries=check.entries, covered=covered,
                                                 at=doc.get("at"), suffix=suffix))
        return
    check = verify_ledger(ledger, keys)
    if not check.intact:
        raise VerificationFailed(check.reason, path=str(ledger))
    click.echo(_("{ledger}: intact, {entries} entries, head {head}…").format(ledger=ledger, entries=check.entries,
                                                                           head=check.head[:16]))


@command.command("checkpoint")
@click.argument("ledger", type=LEDGER_PATH)
@click.option("--signing-key", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the checkpoint (default LEDGER.checkpoint.json).")
@key_options
def checkpoint_cmd(ledger, signing_key, out, state_dir, key_file) -> None:
    """Write a signed head (hash, entry count, time) to hand to an auditor or buyer."""
    keys = keys_for(state_dir, key_file, create=False)
    doc = make_checkpoint(ledger, keys, load_private(signing_key))
    out = out or ledger.with_name(ledger.name + ".checkpoint.json")
    write_json_document(out, doc)
    click.echo(_("checkpoint of {entries} entries, head {head}…, signed by {key}…: {out}").format(
        entries=doc["ledger"]["entries"], head=doc["ledger"]["head"][:16], key=doc["signature"]["key"][:16], out=out))
