"""Chinese and English for everything a person reads: gettext catalogs made with Babel.

English is the source language (the messages in the code); ``zh/LC_MESSAGES/
contact_scanner.po`` holds the Chinese, compiled to the ``.mo`` beside it that gettext
loads (``python -m scanner.i18n.catalog compile`` after editing; a test checks the two
agree). Codes, JSON keys and report.json values are the contract and stay English in
every language. ``glossary.toml`` fixes the Chinese term for each concept; the catalog
uses those terms throughout (tested).
"""

from __future__ import annotations

import functools
import gettext
import os
from pathlib import Path
from typing import Callable

DOMAIN = "contact_scanner"
LANGS = ("en", "zh")
HERE = Path(__file__).parent


def locale_lang(environ: dict | None = None) -> str:
    """The language the locale asks for (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``, first set wins, as gettext reads them): ``zh`` for any Chinese locale,
    else ``en``."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            first = value.split(":")[0].lower()
            return "zh" if first.startswith("zh") else "en"
    return "en"


def resolve_lang(option: str | None = None, policy: str | None = None, environ: dict | None = None) -> str:
    """``--lang`` first, then the policy's ``[report] lang``, then the locale."""
    for choice in (option, policy):
        if choice:
            return choice
    return locale_lang(environ)


@functools.lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGS)}")
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(HERE), languages=[lang], fallback=True)


def gettext_for(lang: str) -> Callable[[str], str]:
    """``_`` for ``lang``: the message in that language (English is the message itself)."""
    return translations(lang).gettext


#: The command line's language for this invocation (None: the locale's); set by ``--lang``.
_current: list[str | None] = [None]


def set_lang(lang: str | None) -> None:
    _current[0] = lang


def current_lang() -> str:
    return _current[0] or locale_lang()


def explicit_lang() -> str | None:
    """The language ``--lang`` asked for in this invocation, if any."""
    return _current[0]


def _(message: str) -> str:
    """``message`` in the command line's current language."""
    return gettext_for(current_lang())(message)


def argv_lang(argv: list[str]) -> str | None:
    """The ``--lang`` an argument list asks for (``--lang zh`` or ``--lang=zh``), if any:
    help texts are built before the options are parsed."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in LANGS:
            return argv[i + 1]
        if arg.startswith("--lang=") and arg[7:] in LANGS:
            return arg[7:]
    return None
