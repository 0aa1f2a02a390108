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
