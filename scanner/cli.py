"""Command line: a thin click layer over the library.

Library errors are typed (:mod:`scanner.errors`); this module turns them into one line on
stderr and the exit code of docs/ARCHITECTURE.md (0 ok, 1 negative result, 2 usage/input error).
No traceback reaches the user, and no message carries a phone number.
"""

from __future__ import annotations

import importlib
import sys
from typing import Iterator

import click

from scanner import interrupt
from scanner.errors import ScannerError
from scanner.i18n import LANGS, _, click_words, current_lang, set_lang
from scanner.i18n.messages import error_line, translated
from scanner.io_errors import cause, errno_of
from scanner.privacy.embedded import mask_message

click_words.install()  # click's own words (Usage:, its usage errors) in the chosen language too

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
    "scanner.commands.review",
    "scanner.commands.suppress",
]


_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class ScannerGroup(click.Group):
    """Maps library errors, and click's own usage errors, to one-line messages and exit codes."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _NO_ARGS_IS_HELP as exc:  # a group without its command: its help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            # one style for every error: `contact-scanner: error: ...`, exit 2 for usage errors
            click.echo(f"contact-scanner: {_error()}: {mask_message(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo(_("Aborted!"), err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)

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
                click.echo(f"contact-scanner: {_error()}: {mask_message(error_line(exc))}", err=True)
                sys.exit(exc.exit_code)
            except KeyboardInterrupt:  # no handler of ours installed (called in-process)
                click.echo("contact-scanner: " + _("interrupted by {signal}").format(signal="SIGINT"), err=True)
                sys.exit(130)
            except Exception as exc:
                # An I/O error no write site claimed (every known one raises WriteError) is
                # still an I/O error: one line, exit 2.
                code = errno_of(exc)
                if code is None:
                    raise
                where = getattr(exc, "filename", None)
                line = f"{f'{where}: ' if where else ''}{translated(cause(code))}"
                click.echo(f"contact-scanner: {_error()}: {mask_message(line)}", err=True)
                sys.exit(2)


def _error() -> str:
    # "error" stays the English word in English: scripts match "contact-scanner: error: "
    return _("error") if current_lang() != "en" else "error"


@click.group(cls=ScannerGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help=_("contact-scanner: check a contact list before it reaches an SMS or call platform."))
@click.version_option(package_name="contact-scanner", prog_name="contact-scanner")
@click.option("--lang", type=click.Choice(LANGS, case_sensitive=False), default=None, is_eager=True,
              help=_("Language of everything a person reads: en or zh. Default: the locale (zh_* is Chinese); "
                     "scan and certify also take the policy's [report] lang."))
def main(lang: str | None) -> None:
    # each invocation starts from its own --lang (a command's own --lang may change it)
    set_lang(lang)


for _name in COMMAND_MODULES:
    main.add_command(importlib.import_module(_name).command)


def leaf_commands(group: click.Group = main, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    """Every command that runs (not a group), with its path: ``("keys show", <command>)``."""
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from leaf_commands(cmd, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", cmd


def help_texts(group: click.Group = main) -> Iterator[tuple[object, str]]:
    """Every help text of the command line: (its holder, the attribute), commands and options."""
    stack: list[click.Command] = [group]
    while stack:
        cmd = stack.pop()
        for attr in ("help", "short_help"):
            if getattr(cmd, attr, None):
                yield cmd, attr
        for param in cmd.params:
            if getattr(param, "help", None):
                yield param, "help"
        if isinstance(cmd, click.Group):
            stack.extend(cmd.commands.values())


# --help in the language of this process (scanner/__main__.py sets it from --lang, else the
# locale): each text is looked up in the catalog by its English.
for _holder, _attr in help_texts():
    setattr(_holder, _attr, _(getattr(_holder, _attr)))
