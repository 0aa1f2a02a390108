"""``canary issue | list | check``: seed copies of a list with traceable numbers."""

from __future__ import annotations

import click

import scanner
from scanner.commands.options import (
    FILE, emit, format_option, jsonable, keys_for, region_option, state_for, state_options, to_option,
)
from scanner.errors import VerificationFailed
from scanner.i18n import _


@click.group("canary")
def command() -> None:
    """Canary numbers: give each recipient's copy its own traceable numbers."""


@command.command("issue")
@click.option("--recipient", required=True, help="Who receives this copy (a name, not a number).")
@click.option("--pool", type=FILE, required=True,
              help="Numbers you control, one per line or CSV with a phone column.")
@click.option("--count", type=click.IntRange(min=2), required=True, help="Canaries in this copy.")
@to_option(help="Where to write the assigned numbers (plaintext, mode 0600).", out_alias=True)
@click.option("--coalition", type=click.IntRange(1, 12), default=scanner.canary.DEFAULT_COALITION, show_default=True,
              help="Design coalition size (only the first issue sets it).")
@region_option
@state_options
@format_option
def issue_cmd(recipient, pool, count, to, coalition, region, state_dir, key_file, fmt) -> None:
    """Pick unused pool numbers for RECIPIENT, record them (tokens only) and write them to --to."""
    state = state_for(state_dir)
    # the key is loaded (or made) once the pool was read: a bad pool makes no new key
    done = scanner.canary.issue(state.path, lambda: keys_for(state_dir, key_file, create=True)[1], recipient, pool,
                                count, to=to, coalition=coalition, region=region)
    emit(fmt, {**jsonable(done, omit=("numbers",)), "count": len(done.numbers), "to": str(to)}, [
        _("{n} canaries for {recipient!r} ({unique} unique, {shared} shared) written to {out} (mode 0600: "
          "these are your own pool numbers in plaintext; insert them into the copy, then delete or lock the "
          "file)").format(n=len(done.numbers), recipient=recipient, unique=done.unique, shared=done.shared, out=to),
        _("with {recipients} recipient(s), a member of a coalition of up to {coalition} recipient(s) that "
          "strip differing numbers is named with >= 99% confidence; one leaker is named with certainty").format(
            recipients=done.recipients, coalition=done.tolerated_coalition)])


@command.command("list")
@state_options
@format_option
def list_cmd(state_dir, key_file, fmt) -> None:
    """Recipients, their canary counts and the scheme (never a number)."""
    state, keys = keys_for(state_dir, key_file)
    status = scanner.canary.status(state.path, keys)
    recipients = [{"recipient": a.recipient, "canaries": a.count, "unique": len(a.unique), "issued": a.issued}
                  for a in status.assignments]

    def lines():
        if not status.assignments:
            yield _("no canaries issued")
            return
        scheme = status.scheme
        yield _("scheme {name}: shared subpool {subpool}, {shared} shared per copy, design coalition {coalition}, "
                "tolerated now {tolerated}").format(name=scheme["name"], subpool=scheme["subpool"],
                                                    shared=scheme["shared_per_copy"], coalition=scheme["coalition"],
                                                    tolerated=status.tolerated_coalition)
        for r in recipients:
            yield _("{recipient}\t{n} canaries ({unique} unique)\tissued {issued}").format(
                recipient=r["recipient"], n=r["canaries"], unique=r["unique"], issued=r["issued"])

    emit(fmt, {"scheme": status.scheme, "tolerated_coalition": status.tolerated_coalition,
               "recipients": recipients}, lines)


@command.command("check")
@click.argument("input_file", metavar="INPUT", type=FILE)
@region_option
@state_options
@format_option
def check_cmd(input_file, region, state_dir, key_file, fmt) -> None:
    """Look for canaries in a list (one number per line or CSV with a phone column).

    Exit 1 when canaries are found (the list is a leaked copy), 0 when none are.
    """
    state, keys = keys_for(state_dir, key_file)
    found = scanner.canary.check(input_file, state.path, keys, region=region)

    def lines():
        if not found.found:
            yield f"{input_file}: {found.detail.in_(_)}"
        for hit in found.hits:
            yield _("{recipient}\t{matched}/{expected} canaries ({unique} unique)\tconfidence {confidence:.4f}").format(
                recipient=hit.recipient, matched=hit.matched, expected=hit.expected, unique=hit.unique_matched,
                confidence=hit.confidence) + ("\t" + _("certain") if hit.certain else "")

    emit(fmt, {"source": found.source, "found": found.found, "detail": str(found.detail),
               "hits": [h.as_dict() for h in found.hits]}, lines)
    if found.found:
        raise VerificationFailed(found.detail, path=str(input_file))
