"""Every code the scanner reports, in one registry: :data:`CODES`.

Row rules and column findings are registered where they are written (``@rule`` and
``column_rule`` in :mod:`scanner.rules`), list signals likewise (``@signal`` in
:mod:`scanner.analyses.signals`, LS017 included), and ``IN001`` (a malformed record) is a row
rule. This module gathers them into one table of :class:`Code` entries; the ``rules``
command, report.json, the HTML report and certificates read codes, names, severities and
docs from it and from nowhere else.

A signal's severity is what it does to the list verdict when it fires: ``error`` for a hard
signal (the list fails), ``warning`` for the others (the list is reviewed).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from scanner.analyses.signals import ALL_SIGNALS, Signal
from scanner.rules import RULES, Rule

STATUSES = ("stable", "deprecated")
KINDS = ("row", "column", "signal")
#: Docs are split into these paragraphs (their docstrings' headings).
DOC_PARTS = (("What it flags:", "what"), ("Why it matters:", "why"), ("How it is judged:", "how"),
             ("Example:", "example"))
#: Where the repository keeps a code's test cases as data, one file per code.
CASES_DIR = Path("tests") / "rules" / "cases"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: str
    family: str
    kind: str
    status: str
    summary: str
    doc: str
    #: the module that computes it, and the one whose docstring documents it
    module: str
    doc_module: str
    #: depends on the scanner's private state (registry, keys, stores): a claim in a certificate
    private_state: bool
    rule: Rule | None = None
    signal: Signal | None = None

    @property
    def path(self) -> str:
        """The implementing module's file, relative to the repository."""
        return module_path(self.module)


def module_path(module: str) -> str:
    root = Path(__file__).resolve().parent.parent
    base = root.joinpath(*module.split("."))
    found = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    return found.relative_to(root).as_posix()


def _of_rule(r: Rule) -> Code:
    return Code(r.code, r.name, r.severity, r.family, r.kind, r.status, r.summary, r.doc, r.module,
                r.func.__module__ if r.kind == "row" else f"scanner.rules.{r.family}", r.private_state, rule=r)


def _of_signal(s: Signal) -> Code:
    family = s.func.__module__.rsplit(".", 1)[-1]
    module = s.func.__module__ if s.from_facts else "scanner.canary.canary"
    return Code(s.code, s.name, "error" if s.hard else "warning", family, "signal", s.status, s.summary, s.doc,
                module, s.func.__module__, s.private_state, signal=s)


def _gather() -> dict[str, Code]:
    codes: dict[str, Code] = {}
    for entry in [*map(_of_rule, RULES.values()), *map(_of_signal, ALL_SIGNALS.values())]:
        if entry.code in codes:
            raise ValueError(f"code {entry.code} registered twice")
        codes[entry.code] = entry
    return codes


#: Every code, rules first (in catalogue order), then the list signals (in code order).
CODES: dict[str, Code] = _gather()


def lookup(code: str) -> Code | None:
    """The entry of ``code`` (any case), or None."""
    return CODES.get(code.strip().upper())


def doc_parts(doc: str) -> dict[str, str]:
    """A docstring's paragraphs by heading (``what``, ``why``, ``how``, ``example``); text
    before the first heading counts as ``what``."""
    parts: dict[str, list[str]] = {}
    current = "what"
    for para in [p.strip() for p in doc.split("\n\n") if p.strip()]:
        for heading, key in DOC_PARTS:
            if para.startswith(heading):
                current = key
                para = para[len(heading):].strip()
                break
        parts.setdefault(current, []).append(" ".join(para.split()))
    return {k: "\n\n".join(v) for k, v in parts.items()}


def rule_doc(code: str) -> tuple[str, str, str]:
    """(name, summary, docstring) of a code, in English; an unknown code has only itself."""
    entry = CODES.get(code)
    return (entry.name, entry.summary, entry.doc) if entry else (code, "", "")


@functools.lru_cache(maxsize=None)
def where_tested(code: str) -> tuple[str, ...]:
    """In a source checkout, the code's case file (:data:`CASES_DIR`) and the test modules
    that name it, relative to the repository; none in an installed package."""
    root = Path(__file__).resolve().parent.parent
    tests = root / "tests"
    if not tests.is_dir():
        return ()
    found = [p for p in sorted(tests.rglob(f"{code}.*")) if p.parent == root / CASES_DIR]
    found += [p for p in sorted(tests.rglob("test_*.py")) if code in p.read_text(encoding="utf-8", errors="replace")]
    return tuple(dict.fromkeys(p.relative_to(root).as_posix() for p in found))
