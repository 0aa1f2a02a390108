"""Row rules: each is metadata plus a pure function returning a boolean ``pl.Expr``.

A rule function takes only keyword-only options, bound by name from the scan's rule
context (``scanner.kernel.KernelContext.rule_context``: policy values and the as-of time).
Rules read the working columns the row kernel derives (``scanner.kernel``: the number
answers, ``scanner.prepare``'s consent and source classes) and never collect. All active
rules are evaluated in one ``with_columns`` (:func:`rule_columns`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import polars as pl

@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    family: str
    func: Callable[..., pl.Expr] | None
    kind: str = "row"  # "row": a boolean per row; "column": a finding about an input column

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__ or "") if self.func else ""

    @property
    def options(self) -> tuple[str, ...]:
        if self.func is None:
            return ()
        return tuple(
            p.name for p in inspect.signature(self.func).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        )

    def expr(self, context: dict) -> pl.Expr:
        missing = [o for o in self.options if o not in context]
        if missing:
            raise KeyError(f"{self.code}: no value for option {missing[0]!r}")
        return self.func(**{o: context[o] for o in self.options}).fill_null(False).alias(self.code)


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, severity: str, summary: str, *, kind: str = "row"):
    """Register a rule function under its code (codes are never reused)."""

    def register(func):
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        family = func.__module__.rsplit(".", 1)[-1]
        for p in inspect.signature(func).parameters.values():
            if p.kind is not inspect.Parameter.KEYWORD_ONLY:
                raise TypeError(f"{code}: rule options must be keyword-only")
        RULES[code] = Rule(code, name, severity, summary, family, func, kind)
        return func

    return register


def column_rule(code: str, name: str, severity: str, summary: str, doc: str) -> None:
    """Register a column finding (computed by an analysis, not a row expression)."""

    def placeholder():
        return pl.lit(False)

    placeholder.__doc__ = doc
    RULES[code] = Rule(code, name, severity, summary, "columns", placeholder, kind="column")


def rule_columns(codes, context: dict) -> list[pl.Expr]:
    """Expressions for the given row-rule codes, one boolean column each, named by code."""
    return [RULES[c].expr(context) for c in codes if RULES[c].kind == "row"]


# Importing the families registers their rules, in catalogue order.
from scanner.rules import phone, provenance, consent, lists, columns  # noqa: E402,F401
