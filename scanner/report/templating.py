"""The report pages' template environment (Jinja2, autoescaped) and its filters."""

from __future__ import annotations

import functools
import re
from typing import Any

from markupsafe import Markup, escape

from scanner.analyses import signal_words


@functools.lru_cache(maxsize=None)
def _environment():
    from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("scanner.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      # a key an older or partial report lacks shows as empty, never a traceback
                      undefined=ChainableUndefined, trim_blocks=True, lstrip_blocks=True,
                      extensions=["jinja2.ext.i18n"])
    env.filters["data"] = data
    env.filters["num"] = num
    env.filters["pct"] = pct
    env.filters["doc"] = doc_markup
    return env


def templates() -> None:
    """Compile the page templates (cached), e.g. ahead of time in the background."""
    env = _environment()
    for name in ("report.html.j2", "cert.html.j2"):
        env.get_template(name)


def data(value: Any) -> Markup:
    """Text from the input: escaped, and bidi-isolated so RTL or override characters in it
    cannot reorder the surrounding page."""
    if _missing(value) or value == "":
        return Markup('<bdi class="data empty">–</bdi>')
    return Markup('<bdi class="data">{}</bdi>').format(escape(str(value)))


def _missing(value: Any) -> bool:
    from jinja2 import Undefined

    return value is None or isinstance(value, Undefined)


def doc_markup(text: str) -> Markup:
    """A rule doc paragraph: escaped, its ````literals```` (values, keys, examples) as code."""
    escaped = str(escape(text))
    return Markup(re.sub(r"``(.+?)``", r"<code>\1</code>", escaped))


def num(value: Any) -> str:
    return signal_words.num(None if _missing(value) else value)


def pct(value: float | None) -> str:
    return signal_words.pct(None if _missing(value) else value)
