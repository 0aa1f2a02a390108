"""``contact-scanner keys``: create, show and rotate key material; verify the audit log.

The master secret is never printed: only the key id, where the key came from, when it was
created, and the ids of the vault keyring (docs/PRIVACY.md).
"""

from __future__ import annotations

from pathlib import Path

import click

import scanner
from scanner.commands.options import (
    FOLDER, announce, emit, format_option, jsonable, keys_for, state_for, state_options,
)
from scanner.i18n import _
from scanner.privacy.embedded import mask_message


@click.group("keys")
def command() -> None:
    """Manage the pseudonymization key: create, show, rotate the vault key."""


@command.command("create")
@state_options
@format_option
def create(state_dir: Path | None, key_file: Path | None, fmt: str) -> None:
    """Create a new master key (mode 0600). Refuses to overwrite an existing one."""
    state = state_for(state_dir)
    keys = scanner.keys.create(state.path, key_file=key_file)
    announce(state, keys)
    emit(fmt, {"key_id": keys.key_id, "file": str(keys.file)}, lambda: [
        _("created key {key} in {path} (mode 0600)").format(key=keys.key_id, path=mask_message(str(keys.file))),
        _("back it up and keep it away from scan outputs: without it tokens cannot be matched and vaults "
          "cannot be opened")])


@command.command("show")
@state_options
@format_option
def show(state_dir: Path | None, key_file: Path | None, fmt: str) -> None:
    """Show the key id, where it came from, when it was created and the vault keyring ids."""
    _state, keys = keys_for(state_dir, key_file)
    info = scanner.keys.show(keys)

    def lines():
        yield _("key id:   {key}").format(key=info.key_id)
        yield _("source:   {source}").format(source=info.source)
        yield _("created:  {created}").format(created=info.created or _("unknown"))
        yield _("vault keys (oldest first):")
        for k in info.vault_keys:
            state = _("retired") if k["retired"] else _("current")
            yield f"  {k['id']}  {state:<8} {k['origin']:<8} {k['created'] or ''}".rstrip()

    emit(fmt, jsonable(info), lines)


@command.command("rotate-vault")
@state_options
@format_option
def rotate_vault(state_dir: Path | None, key_file: Path | None, fmt: str) -> None:
    """Add a new vault encryption key; old vaults stay readable. The token key never rotates."""
    _state, keys = keys_for(state_dir, key_file)
    new = scanner.keys.rotate_vault(keys)
    emit(fmt, {"vault_key": new.id, "file": str(keys.file)}, [
        _("added vault key {key} to {file}; new vaults use it, older vault keys are retired but still open "
          "old vaults").format(key=new.id, file=keys.file)])


@command.command("verify-audit")
@state_options
@click.option("--seal", is_flag=True,
              help="Record the breaks found in a seal entry and start a new chain segment, so "
                   "reveals can go on (the breaks stay on record).")
@format_option
def verify_audit(state_dir: Path | None, key_file: Path | None, seal: bool, fmt: str) -> None:
    """Check the reveal audit log's MAC chain (exit 1 when it is broken and not sealed)."""
    state, keys = keys_for(state_dir, key_file)
    check = scanner.keys.verify_audit(keys, state.path, seal=seal)

    def lines():
        for brk in check.sealed_now:
            yield _("sealed: line {at}: {problem}").format(at=brk["line"], problem=_(brk["problem"]))
        sealed = check.sealed_breaks
        note = _("; {n} sealed break(s): {breaks}").format(n=len(sealed), breaks=", ".join(
            _("line {at} (sealed at line {seal}, {when})").format(at=b["line"], seal=b["seal_line"],
                                                                   when=b["sealed_at"])
            for b in sealed)) if sealed else ""
        yield _("{file}: {entries} entries, {verified} verified with key {key}, {others} by other keys; chain "
                "intact{note}").format(file=check.log, entries=check.entries, verified=check.verified,
                                       key=check.key_id, others=check.other_keys, note=note)

    emit(fmt, jsonable(check), lines)


@command.command("signing")
@click.option("--out", "out_dir", type=FOLDER, required=True,
              help="Folder for signing-key.pem (private, mode 0600) and signing-key.pub.pem.")
@state_options(used=False)
@format_option
def signing(out_dir: Path, state_dir: Path | None, key_file: Path | None, fmt: str) -> None:
    """Write an Ed25519 signing key pair (private key mode 0600, public key shareable)."""
    pair = scanner.keys.signing(out_dir)
    emit(fmt, jsonable(pair), lambda: [
        _("private key: {path} (mode 0600, keep it secret)").format(path=pair.private),
        _("public key:  {path} (share with buyers, auditors, regulators)").format(path=pair.public),
        _("fingerprint: {fingerprint}").format(fingerprint=pair.fingerprint)])
