"""Row rules: each is metadata plus a pure function returning a boolean ``pl.Expr``.

A rule function takes only keyword-only options, bound by name from the scan's rule
context (``scanner.kernel.KernelContext.rule_context``: policy values and the as-of time).
Rules read the working columns the row kernel derives (``scanner.kernel``: the number
answers, ``scanner.prepare``'s consent and source classes) and never collect. All active
rules are evaluated in one ``with_columns`` (:func:`rule_columns`).
"""

from scanner.rules.registry import RULES, Rule, column_rule, rule, rule_columns

# Importing the families registers their rules, in catalogue order.
from scanner.rules import phone, provenance, consent, lists, columns  # noqa: E402,F401

__all__ = ["RULES", "Rule", "column_rule", "rule", "rule_columns"]
