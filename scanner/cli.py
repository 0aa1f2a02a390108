"""Command line: a thin click layer over the library.

Library errors are typed (:mod:`scanner.errors`); this module turns them into one line on
stderr and the exit code of docs/ARCHITECTURE.md (0 ok, 1 negative result, 2 usage/input error).
No traceback reaches the user, and no message carries a phone number.
"""

from __future__ import annotations

import importlib
import sys

import click

from scanner import interrupt
from scanner.errors import ScannerError
from scanner.io_errors import cause, errno_of
from scanner.privacy.embedded import mask_message

# Each module defines a click command or group named ``command``; adding a command to the
# tool is one line here.
COMMAND_MODULES = [
    "scanner.commands.scan",
    "scanner.commands.rules",
    "scanner.commands.ledger",
    "scanner.commands.canary",
    "scanner.commands.certify",
    "scanner.commands.verify",
    "scanner.commands.keys",
    "scanner.commands.reveal",
    "scanner.commands.registry",
]


class ScannerGroup(click.Group):
    """Maps library errors to one-line messages and exit codes."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BaseException as stopped:
            # After a signal, whatever failed on the way (a file of a removed staging folder,
            # a library's own KeyboardInterrupt) was the stop's doing: the stop is the one
            # line (os._exit inside: a normal exit would wait for threads finishing a step).
            if isinstance(stopped, interrupt.Interrupted):
                interrupt.exit_stopped(stopped)
            if interrupt.stopping():
                interrupt.exit_stopped()
            try:
                raise
            except ScannerError as exc:
                click.echo(f"contact-scanner: error: {mask_message(exc.one_line())}", err=True)
                sys.exit(exc.exit_code)
            except KeyboardInterrupt:  # no handler of ours installed (called in-process)
                click.echo("contact-scanner: interrupted by SIGINT", err=True)
                sys.exit(130)
            except Exception as exc:
                # An I/O error no write site claimed (every known one raises WriteError) is
                # still an I/O error: one line, exit 2.
                code = errno_of(exc)
                if code is None:
                    raise
                where = getattr(exc, "filename", None)
                line = f"{f'{where}: ' if where else ''}{cause(code)}"
                click.echo(f"contact-scanner: error: {mask_message(line)}", err=True)
                sys.exit(2)


@click.group(cls=ScannerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="contact-scanner", prog_name="contact-scanner")
def main() -> None:
    """contact-scanner: check a contact list before it reaches an SMS or call platform."""


for _name in COMMAND_MODULES:
    main.add_command(importlib.import_module(_name).command)
