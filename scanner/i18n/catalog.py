"""The catalog's maintenance: ``python -m scanner.i18n.catalog extract|compile|check``.

``extract`` gathers every message a person reads — the ``_()`` / ``N_()`` calls of the code
and the templates (Babel's extractors), every rule's and list signal's summary and each
paragraph of their documentation — and merges them into ``zh/LC_MESSAGES/contact_scanner.po``
(existing translations kept; new messages empty, stale ones dropped). ``compile`` writes the
``.mo`` gettext loads. ``check`` exits 1 when a message lacks its Chinese, loses or adds a
placeholder, or the ``.mo`` is not the ``.po`` compiled (the tests run it too).
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from scanner.i18n import DOMAIN, HERE

ROOT = HERE.parent.parent
PO = HERE / "zh" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
#: What to extract from: the package's Python and the page templates.
SOURCES = (("scanner/**.py", "python"), ("scanner/report/templates/**.j2", "jinja2"))
#: ``_()``, ``N_()``, :class:`scanner.i18n.Text` and the typed errors (scanner/errors.py), whose
#: first argument is the message template.
ERRORS = ("ScannerError", "InputError", "PolicyError", "KeyMaterialError", "VaultError", "RegistryError",
          "WriteError", "VerificationFailed", "OutputExposure")
KEYWORDS = {"_": None, "N_": None, "gettext": None, "Text": None, **{name: None for name in ERRORS}}
PLACEHOLDER = re.compile(r"\{[a-z_]*(?:![rs])?(?::[^{}]*)?\}|%\([a-z_]+\)[sd]|%[sd]")


def doc_messages() -> list[str]:
    """Every code's summary and documentation paragraphs (their English is the message;
    :func:`scanner.codes.doc_parts` splits them as the pages and ``rules`` do)."""
    from scanner.codes import CODES, doc_parts

    out: list[str] = []
    for entry in CODES.values():
        out.append(entry.summary)
        for text in doc_parts(entry.doc).values():
            out.extend(text.split("\n\n"))
    return [m for m in dict.fromkeys(out) if m]


def help_messages() -> list[str]:
    """Every ``--help`` text of the command line, in English."""
    from scanner.i18n import set_lang

    set_lang("en")
    from scanner.cli import help_texts

    return [m for m in dict.fromkeys(getattr(h, a) for h, a in help_texts()) if m]


def extracted():
    """A Babel catalog of every message, with where each comes from."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="contact-scanner", domain=DOMAIN, charset="utf-8")
    method_map = [(pattern, method) for pattern, method in SOURCES]
    options = {"scanner/report/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options, keywords=KEYWORDS):
        if isinstance(message, str) and message:
            catalog.add(message, locations=[(filename, lineno)])
    for message in doc_messages():
        catalog.add(message, locations=[("rules and signals", 0)])
    for message in help_messages():
        catalog.add(message, locations=[("--help", 0)])
    return catalog


def read_po():
    from babel.messages.pofile import read_po as _read

    with open(PO, "rb") as fh:
        return _read(fh, locale="zh_Hans_CN", domain=DOMAIN)


def extract() -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    fresh = extracted()
    old = read_po() if PO.exists() else Catalog(locale="zh_Hans_CN", domain=DOMAIN)
    merged = Catalog(locale="zh_Hans_CN", domain=DOMAIN, project="contact-scanner", charset="utf-8",
                     fuzzy=False)
    for message in fresh:
        if not message.id:
            continue
        known = old.get(message.id)
        merged.add(message.id, known.string if known else "", locations=message.locations)
    PO.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_po(buf, merged, width=100, sort_output=False, omit_header=False)
    PO.write_bytes(buf.getvalue())


def compile_mo() -> None:
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, read_po())
    MO.write_bytes(buf.getvalue())


def problems() -> list[str]:
    """Everything wrong with the catalog (empty when it is complete and compiled)."""
    from babel.messages.mofile import write_mo

    po = read_po()
    found = []
    wanted = {m.id for m in extracted() if m.id}
    have = {m.id: m.string for m in po if m.id}
    for message in sorted(wanted):
        zh = have.get(message)
        if not zh:
            found.append(f"no Chinese for {message!r}")
        elif sorted(PLACEHOLDER.findall(message)) != sorted(PLACEHOLDER.findall(zh)):
            found.append(f"placeholders differ: {message!r} -> {zh!r}")
    buf = io.BytesIO()
    write_mo(buf, po)
    if not MO.exists() or MO.read_bytes() != buf.getvalue():
        found.append(f"{MO.name} is not {PO.name} compiled: python -m scanner.i18n.catalog compile")
    return found


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        extract()
    elif command == "compile":
        compile_mo()
    elif command == "check":
        issues = problems()
        for line in issues:
            print(line)
        return 1 if issues else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
