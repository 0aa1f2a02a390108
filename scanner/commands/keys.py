"""``contact-scanner keys``: create, show and rotate key material; verify the audit log.

The master secret is never printed: only the key id, where the key came from, when it was
created, and the ids of the vault keyring (docs/PRIVACY.md).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
from pathlib import Path

import click

from scanner.commands.options import announce, key_options, keys_for, state_for
from scanner.errors import KeyMaterialError
from scanner.i18n import _
from scanner.privacy.audit import AUDIT_FILE_NAME, audit_dir, seal_audit_log, verify_audit_log
from scanner.privacy.keys import ENV_KEY, KEY_FILE_NAME, KeyMaterial, rotate_vault_key, write_new_key
from scanner.privacy.embedded import mask_message

# Other ``keys`` subcommands living in their own modules (each defines ``command``).
SUBCOMMAND_MODULES = ["scanner.commands.signing"]


def load_existing_key(state_dir: Path | None, key_file: Path | None) -> KeyMaterial:
    """The master key from --key-file, $CONTACT_SCANNER_KEY or the state dir; never created."""
    return keys_for(state_dir, key_file, create=False)


@click.group("keys")
def command() -> None:
    """Manage the pseudonymization key: create, show, rotate the vault key."""


@command.command("create")
@key_options
def create(state_dir: Path | None, key_file: Path | None) -> None:
    """Create a new master key (mode 0600). Refuses to overwrite an existing one."""
    state = state_for(state_dir)
    path = key_file if key_file is not None else state.path / KEY_FILE_NAME
    if path.exists() or path.is_symlink():
        raise KeyMaterialError("a key already exists; refusing to overwrite it (a new token key "
                               "is a new tenant: use a new --state-dir)", path=str(path))
    try:
        keys = write_new_key(path)
    except KeyMaterialError as exc:
        if path.exists():
            raise KeyMaterialError("a key already exists; refusing to overwrite it", path=str(path)) from None
        raise exc
    announce(state, keys)
    click.echo(_("created key {key} in {path} (mode 0600)").format(key=keys.key_id, path=mask_message(str(path))))
    click.echo(_("back it up and keep it away from scan outputs: without it tokens cannot be matched and vaults "
                 "cannot be opened"))


@command.command("show")
@key_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
def show(state_dir: Path | None, key_file: Path | None, fmt: str) -> None:
    """Show the key id, where it came from, when it was created and the vault keyring ids."""
    keys = load_existing_key(state_dir, key_file)
    info = {
        "key_id": keys.key_id,
        "source": keys.source,
        "created": keys.created,
        "vault_keys": [k.public() for k in keys.vault_keys()],
        "current_vault_key": keys.current_vault_key().id,
    }
    if fmt == "json":
        click.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    click.echo(_("key id:   {key}").format(key=info["key_id"]))
    click.echo(_("source:   {source}").format(source=info["source"]))
    click.echo(_("created:  {created}").format(created=info["created"] or _("unknown")))
    click.echo(_("vault keys (oldest first):"))
    for k in info["vault_keys"]:
        state = _("retired") if k["retired"] else _("current")
        click.echo(f"  {k['id']}  {state:<8} {k['origin']:<8} {k['created'] or ''}".rstrip())


@command.command("rotate-vault")
@key_options
def rotate_vault(state_dir: Path | None, key_file: Path | None) -> None:
    """Add a new vault encryption key; old vaults stay readable. The token key never rotates."""
    if key_file is None and os.environ.get(ENV_KEY):
        raise KeyMaterialError("${variable} holds only the master key; rotate-vault needs a {file} "
                               "(use --key-file or --state-dir)", variable=ENV_KEY, file=KEY_FILE_NAME)
    keys = load_existing_key(state_dir, key_file)
    new = rotate_vault_key(keys.file)
    click.echo(_("added vault key {key} to {file}; new vaults use it, older vault keys are retired but still open "
                 "old vaults").format(key=new.id, file=keys.file))


@command.command("verify-audit")
@key_options
@click.option("--seal", is_flag=True,
              help="Record the breaks found in a seal entry and start a new chain segment, so "
                   "reveals can go on (the breaks stay on record).")
def verify_audit(state_dir: Path | None, key_file: Path | None, seal: bool) -> None:
    """Check the reveal audit log's MAC chain (exit 1 when it is broken and not sealed)."""
    state = state_for(state_dir)
    keys = keys_for(state_dir, key_file, state=state)
    folder = audit_dir(keys, state.path)
    result = seal_audit_log(folder, keys) if seal else verify_audit_log(folder, keys)
    for brk in result.get("sealed_now", []):
        click.echo(_("sealed: line {at}: {problem}").format(at=brk["line"], problem=_(brk["problem"])))
    sealed = result["sealed_breaks"]
    note = _("; {n} sealed break(s): {breaks}").format(n=len(sealed), breaks=", ".join(
        _("line {at} (sealed at line {seal}, {when})").format(at=b["line"], seal=b["seal_line"], when=b["sealed_at"])
        for b in sealed)) if sealed else ""
    click.echo(_("{file}: {entries} entries, {verified} verified with key {key}, {others} by other keys; chain "
                 "intact{note}").format(file=folder / AUDIT_FILE_NAME, entries=result["entries"],
                                        verified=result["verified"], key=keys.key_id, others=result["other_keys"],
                                        note=note))


for _name in SUBCOMMAND_MODULES:
    if importlib.util.find_spec(_name) is not None:
        command.add_command(importlib.import_module(_name).command)
