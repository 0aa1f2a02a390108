"""``canary issue | list | check``: seed copies of a list with traceable numbers."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import polars as pl

from scanner.canary import CanaryStore, canary_signal, detect, issue
from scanner.canary.canary import canary_detail
from scanner.canary.scheme import DEFAULT_COALITION, tolerated_coalition
from scanner.commands.options import key_options, keys_for, region_option, state_for
from scanner.errors import InputError, VerificationFailed
from scanner.i18n import _
from scanner.ledger.numbers import read_numbers
from scanner.privacy.safe_files import atomic_writer, write_csv
from scanner.privacy.tokens import token_expr

FILE = click.Path(dir_okay=False, path_type=Path)


@click.group("canary")
def command() -> None:
    """Canary numbers: give each recipient's copy its own traceable numbers."""


@command.command("issue")
@click.option("--recipient", required=True, help="Who receives this copy (a name, not a number).")
@click.option("--pool", type=FILE, required=True,
              help="Numbers you control, one per line or CSV with a phone column.")
@click.option("--count", type=click.IntRange(min=2), required=True, help="Canaries in this copy.")
@click.option("--out", type=FILE, required=True,
              help="Where to write the assigned numbers (plaintext, mode 0600).")
@click.option("--coalition", type=click.IntRange(1, 12), default=DEFAULT_COALITION, show_default=True,
              help="Design coalition size (only the first issue sets it).")
@region_option
@key_options
def issue_cmd(recipient, pool, count, out, coalition, region, state_dir, key_file) -> None:
    """Pick unused pool numbers for RECIPIENT, record them (tokens only) and write them to --out."""
    if out.exists():
        raise InputError("out file exists; it may hold an earlier recipient's canaries", path=str(out))
    numbers = read_numbers(str(pool), sys.stdin.read, region=region)
    state = state_for(state_dir)
    keys = keys_for(state_dir, key_file, create=True, state=state)
    # The numbers are written aside before the assignment is recorded and moved into place
    # after: a failed write records nothing, and the file appears only once it is recorded.
    with atomic_writer(out) as fh:
        result = issue(state.path, keys, recipient, numbers, count, coalition=coalition,
                       deliver=lambda chosen: write_csv(fh, pl.DataFrame({"phone": chosen}), path=out))
    click.echo(_("{n} canaries for {recipient!r} ({unique} unique, {shared} shared) written to {out} (mode 0600: "
                 "these are your own pool numbers in plaintext; insert them into the copy, then delete or lock the "
                 "file)").format(n=len(result.numbers), recipient=recipient, unique=result.unique,
                                 shared=result.shared, out=out))
    click.echo(_("with {recipients} recipient(s), a member of a coalition of up to {coalition} recipient(s) that "
                 "strip differing numbers is named with >= 99% confidence; one leaker is named with certainty").format(
        recipients=result.recipients, coalition=result.tolerated_coalition))


@command.command("list")
@key_options
def list_cmd(state_dir, key_file) -> None:
    """Recipients, their canary counts and the scheme (never a number)."""
    state = state_for(state_dir)
    store = CanaryStore.open(state.path, keys_for(state_dir, key_file, state=state))
    if not store.assignments:
        click.echo(_("no canaries issued"))
        return
    scheme = store.scheme
    tolerated = tolerated_coalition(len(store.subpool), scheme["shared_per_copy"], len(store.assignments))
    click.echo(_("scheme {name}: shared subpool {subpool}, {shared} shared per copy, design coalition {coalition}, "
                 "tolerated now {tolerated}").format(name=scheme["name"], subpool=scheme["subpool"],
                                                     shared=scheme["shared_per_copy"], coalition=scheme["coalition"],
                                                     tolerated=tolerated))
    for a in store.assignments:
        click.echo(_("{recipient}\t{n} canaries ({unique} unique)\tissued {issued}").format(
            recipient=a.recipient, n=a.count, unique=len(a.unique), issued=a.issued))


@command.command("check")
@click.argument("input_file", metavar="INPUT", type=FILE)
@region_option
@key_options
def check_cmd(input_file, region, state_dir, key_file) -> None:
    """Look for canaries in a list (one number per line or CSV with a phone column).

    Exit 1 when canaries are found (the list is a leaked copy), 0 when none are.
    """
    state = state_for(state_dir)
    keys = keys_for(state_dir, key_file, state=state)
    numbers = read_numbers(str(input_file), sys.stdin.read, region=region, skip_bad=True)
    tokens = pl.DataFrame({"e164": numbers}, schema={"e164": pl.String}).select(
        token_expr(keys, "phone", pl.col("e164")).alias("token"))["token"]
    hits = detect(tokens, CanaryStore.open(state.path, keys))
    signal = canary_signal(hits)
    if not hits:
        click.echo(f"{input_file}: {canary_detail(hits).in_(_)}")
        return
    for hit in hits:
        click.echo(_("{recipient}\t{matched}/{expected} canaries ({unique} unique)\tconfidence {confidence:.4f}").format(
            recipient=hit.recipient, matched=hit.matched, expected=hit.expected, unique=hit.unique_matched,
            confidence=hit.confidence) + ("\t" + _("certain") if hit.certain else ""))
    raise VerificationFailed(canary_detail(hits), path=str(input_file))
