import importlib

import click
import pytest
from click.testing import CliRunner

from scanner.cli import ScannerGroup, main

MINE = {"ledger": "scanner.commands.ledger"}


def _main() -> click.Group:
    """The real CLI, plus this package's commands if they are not registered yet."""
    group = ScannerGroup("contact-scanner", commands=dict(main.commands))
    for name, module in MINE.items():
        group.commands.setdefault(name, importlib.import_module(module).command)
    keys = group.commands.get("keys")
    if keys is None or "signing" not in getattr(keys, "commands", {}):
        merged = click.Group("keys", commands=dict(getattr(keys, "commands", {})))
        merged.add_command(importlib.import_module("scanner.commands.signing").command)
        group.commands["keys"] = merged
    return group


@pytest.fixture
def cli():
    group = _main()

    def run(*args, input=None):
        return CliRunner().invoke(group, [str(a) for a in args], input=input)

    return run
