"""The rule registry: :data:`RULES`, the ``@rule`` decorator and column findings."""

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
    #: ``stable`` or ``deprecated`` (a deprecated code is still evaluated and reported)
    status: str = "stable"
    #: the module that computes a column finding (a row rule is its function's module)
    computed_in: str | None = None
    #: it depends on the scanner's private state (registry, keys, stores), which a buyer of a
    #: certified list cannot re-check
    private_state: bool = False

    @property
    def module(self) -> str:
        """The module that implements the rule."""
        return self.computed_in or self.func.__module__

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


def rule(code: str, name: str, severity: str, summary: str, *, kind: str = "row", status: str = "stable",
         private_state: bool = False):
    """Register a rule function under its code (codes are never reused)."""

    def register(func):
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        family = func.__module__.rsplit(".", 1)[-1]
        for p in inspect.signature(func).parameters.values():
            if p.kind is not inspect.Parameter.KEYWORD_ONLY:
                raise TypeError(f"{code}: rule options must be keyword-only")
        RULES[code] = Rule(code, name, severity, summary, family, func, kind, status,
                           private_state=private_state)
        return func

    return register


def column_rule(code: str, name: str, severity: str, summary: str, doc: str, *, computed_in: str,
                status: str = "stable") -> None:
    """Register a column finding (computed by an analysis, ``computed_in``, not a row expression)."""

    def placeholder():
        return pl.lit(False)

    placeholder.__doc__ = doc
    RULES[code] = Rule(code, name, severity, summary, "columns", placeholder, kind="column", status=status,
                       computed_in=computed_in)


def rule_columns(codes, context: dict) -> list[pl.Expr]:
    """Expressions for the given row-rule codes, one boolean column each, named by code."""
    return [RULES[c].expr(context) for c in codes if RULES[c].kind == "row"]
