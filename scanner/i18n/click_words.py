"""click's own words (``Usage:``, ``Options``, its usage errors) in the command line's language.

click marks its messages with the standard library's ``gettext`` under the default domain;
:func:`install` points each of its modules at this project's catalog instead, so
``contact-scanner --lang zh scan --bogus`` says in Chinese which option is unknown. The
messages are click's, listed here for the catalog (``N_``); a test checks that each is still
one click uses.
"""

from __future__ import annotations

import importlib

from scanner.i18n import N_, _

#: click's modules that mark messages (each imports ``gettext as _`` and some ``ngettext``).
MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
           "click.types")

MESSAGES = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Positional arguments"), N_("Show this message and exit."),
    N_("Show the version and exit."), N_("%(prog)s, version %(version)s"), N_("Aborted!"),
    N_("Error: {message}"), N_("Try '{command} {option}' for help."), N_("Missing command."),
    N_("No such option {name!r}."), N_("No such command {name!r}."), N_("Did you mean {possibility}?"),
    N_("(Did you mean one of: {possibilities}?)"), N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"), N_("Missing argument"), N_("Missing option"),
    N_("Missing parameter"), N_("Missing {param_type}"), N_("Missing parameter: {param_name}"),
    N_("Got unexpected extra argument ({args})"), N_("Got unexpected extra arguments ({args})"),
    N_("Option {name!r} requires an argument."), N_("Option {name!r} requires {nargs} arguments."),
    N_("Option {name!r} does not take a value."), N_("Argument {name!r} takes {nargs} values."),
    N_("{value!r} is not {choice}."), N_("{value!r} is not one of {choices}."),
    N_("{value!r} is not a valid {number_type}."), N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{value!r} does not match the format {format}."), N_("{value!r} does not match the formats {formats}."),
    N_("file"), N_("directory"), N_("path"), N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."), N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."), N_("{name} {filename!r} is not writable."),
    N_("Could not open file {filename!r}: {message}"), N_("default: {default}"), N_("env var: {var}"),
    N_("(dynamic)"), N_("Choose from:\n\t{choices}"), N_("required"),
    N_("text"), N_("integer"), N_("integer range"),
)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _(singular if n == 1 else plural)


class _Word(str):
    """A click.Path's kind (``file``, ``directory``): click names it when the command is
    built and title-cases it in its messages; the title is looked up when shown."""

    def title(self) -> str:
        word = _(str(self))
        return word.title() if word == str(self) else word

    def __format__(self, spec: str) -> str:  # "{number_type}" in click's messages
        return format(_(str(self)), spec)

    def upper(self) -> str:
        """The name as --help shows a value's kind (``TEXT``, ``INTEGER RANGE``)."""
        word = _(str(self))
        return word.upper() if word == str(self) else word


def install() -> None:
    """Make click's modules look their messages up in this project's catalog."""
    import click.types

    for name in MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext
    # the kinds --help names in capitals (TEXT, INTEGER RANGE) are words to translate too
    click.types.STRING.name = _Word(click.types.STRING.name)
    click.types.INT.name = _Word(click.types.INT.name)
    click.types.IntRange.name = _Word(click.types.IntRange.name)
    convert = click.types.Path.convert
    if getattr(convert, "_localized", False):
        return

    def localized(self, value, param, ctx):
        if not isinstance(self.name, _Word):
            self.name = _Word(self.name)
        return convert(self, value, param, ctx)

    localized._localized = True
    click.types.Path.convert = localized
