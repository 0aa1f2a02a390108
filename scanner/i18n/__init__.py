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
#: A translation function: the message in some language.
Gettext = Callable[[str], str]
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


def N_(message: str) -> str:
    """Marks ``message`` for the catalog; it is translated where it is shown."""
    return message


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


class Text:
    """A message to a person as an English template and its values, so that it can be shown
    in any language: ``str()`` is the English, :meth:`in_` the template translated with the
    same values. Values that are :class:`Text` are translated too; the rest (numbers, names,
    paths, codes) are shown as they are. ``Text("...")`` marks the template for the catalog.
    """

    __slots__ = ("template", "values")

    def __init__(self, template: str, **values):
        self.template = template
        self.values = values

    def in_(self, gettext: Callable[[str], str]) -> str:
        words = gettext(self.template)
        if not self.values:
            return words
        return words.format(**{k: v.in_(gettext) if isinstance(v, Text) else v for k, v in self.values.items()})

    def __str__(self) -> str:
        return self.in_(str)

    def __repr__(self) -> str:
        return f"Text({self.template!r}, **{self.values!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Text) and (self.template, self.values) == (other.template, other.values)

    def __hash__(self) -> int:
        return hash(self.template)

    def to_json(self) -> dict:
        """``{"text": template, "values": {...}}`` (a :class:`Text` value nested the same way)."""
        return {"text": self.template,
                "values": {k: v.to_json() if isinstance(v, Text) else v for k, v in self.values.items()}}

    @staticmethod
    def from_json(doc: dict) -> "Text":
        def value(v):
            return Text.from_json(v) if isinstance(v, dict) and "text" in v else v

        if "join" in doc:
            return Joined(doc["text"], [value(p) for p in doc["join"]])
        text = Text(doc["text"], **{k: value(v) for k, v in (doc.get("values") or {}).items()})
        return Said(doc["en"], text) if "en" in doc else text


class Joined(Text):
    """Messages (or plain values) joined by a separator, each shown in the reader's language."""

    __slots__ = ()

    def __init__(self, separator: str, parts):
        super().__init__(separator, parts=list(parts))

    def in_(self, gettext: Callable[[str], str]) -> str:
        return self.template.join(p.in_(gettext) if isinstance(p, Text) else str(p) for p in self.values["parts"])

    def to_json(self) -> dict:
        return {"text": self.template, "join": [p.to_json() if isinstance(p, Text) else p
                                                for p in self.values["parts"]]}


class Said(Text):
    """A sentence whose English is given as it is (a report's own words, which carry more)
    and that other languages say with ``text``'s template and values."""

    __slots__ = ("english",)

    def __init__(self, english: str, text: Text):
        super().__init__(text.template, **text.values)
        self.english = english

    def in_(self, gettext: Callable[[str], str]) -> str:
        if gettext(self.template) == self.template:  # English (or no translation): the given words
            return self.english
        return super().in_(gettext)

    def to_json(self) -> dict:
        return {**super().to_json(), "en": self.english}
