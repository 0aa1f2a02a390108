"""Every rule is documented, named in kebab-case and holds every code of the catalogue (README.md, "Rules")."""

import re

from scanner.rules import RULES

CONTRACT_CODES = (
    [f"PH{i:03d}" for i in range(1, 13)] + [f"PR{i:03d}" for i in range(1, 6)]
    + [f"CN{i:03d}" for i in range(1, 9)] + ["DU001", "DU002", "DU003", "SP001", "PS001", "PS002"]
)


def test_every_contract_code_exists():
    assert set(CONTRACT_CODES) <= set(RULES)


def test_rules_are_documented():
    for rule in RULES.values():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.code
        assert rule.severity in ("error", "warning", "info")
        assert rule.summary
        for heading in ("What it flags", "Why it matters", "Example"):
            assert heading in rule.doc, f"{rule.code} docstring lacks {heading!r}"


def test_rule_options_are_keyword_only_and_known():
    import inspect

    known = {"channel", "purpose", "allowed_regions", "max_age_days", "require_evidence",
             "has_sources", "as_of"}
    for rule in RULES.values():
        if rule.func is None:
            continue
        params = inspect.signature(rule.func).parameters.values()
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params), rule.code
        assert set(rule.options) <= known, rule.code
