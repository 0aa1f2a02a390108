"""One registry for every code (scanner/codes.py): rules, column findings, IN001 and every list
signal, LS017 included; every reader reads it and nothing else holds such a table."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from click.testing import CliRunner

from scanner.analyses.signals import ALL_SIGNALS, SIGNALS
from scanner.cli import main
from scanner.codes import CODES, KINDS, STATUSES, lookup, where_tested
from scanner.rules import RULES

REPO = Path(__file__).resolve().parents[1]
CODE = re.compile(r"[A-Z]{2}\d{3}")
#: The modules that register codes (and this registry); no other module may hold their
#: names or a table of them.
REGISTERING = ("scanner/rules/", "scanner/analyses/signals/", "scanner/codes.py")


def test_every_code_is_in_the_registry_once():
    assert len(CODES) == len(RULES) + len(ALL_SIGNALS)
    assert set(CODES) == set(RULES) | set(ALL_SIGNALS)
    assert not set(RULES) & set(ALL_SIGNALS)
    assert all(CODE.fullmatch(c) for c in CODES)
    assert "IN001" in CODES and CODES["IN001"].kind == "row"
    assert {"PS001", "PS002", "CL001"} <= {c for c, e in CODES.items() if e.kind == "column"}


def test_every_code_is_documented():
    for code, e in CODES.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", e.name), code
        assert e.severity in ("error", "warning", "info"), code
        assert e.status in STATUSES and e.kind in KINDS and e.family and e.summary, code
        for heading in ("What it flags:", "Why it matters:", "Example:"):
            assert heading in e.doc, f"{code} docs lack {heading!r}"
        assert (REPO / e.path).is_file() and (REPO / e.path).suffix == ".py", code


def test_the_canary_signal_is_registered_with_its_code():
    e = CODES["LS017"]
    assert (e.name, e.kind, e.severity, e.private_state) == ("canary-hit", "signal", "error", True)
    assert e.path == "scanner/canary/canary.py" and e.doc_module == "scanner.analyses.signals.canary"
    assert "LS017" not in SIGNALS  # the scan computes it from its canary store, not from the list's facts
    from scanner.canary import canary_signal

    assert canary_signal([])["code"] == "LS017" and canary_signal([])["name"] == e.name


def test_certificate_claims_are_the_codes_that_read_private_state():
    from scanner.certify.certificate import CLAIM_FINDINGS, CLAIM_SIGNALS

    assert CLAIM_FINDINGS == {"DU003", "CN008", "SP001"}
    assert CLAIM_SIGNALS == {"LS013", "LS014", "LS015", "LS016", "LS017"}


def test_rules_lists_exactly_the_registry_in_order():
    out = CliRunner().invoke(main, ["--lang", "en", "rules"]).output
    listed = [m.group(1) for m in re.finditer(r"^  ([A-Z]{2}\d{3})  ", out, re.M)]
    assert listed == list(CODES)


def test_rules_code_says_where_it_lives():
    out = CliRunner().invoke(main, ["--lang", "en", "rules", "ph001"]).output
    assert "Implemented in: scanner/rules/phone.py" in out
    assert "Tested in: tests/rules/cases/PH001.json" in out
    out = CliRunner().invoke(main, ["--lang", "en", "rules", "LS017"]).output
    assert "Implemented in: scanner/canary/canary.py" in out
    assert "Documented in: scanner/analyses/signals/canary.py" in out
    assert lookup(" ls002 ").code == "LS002" and lookup("XX001") is None


def test_rules_json_is_the_registry():
    listed = json.loads(CliRunner().invoke(main, ["rules", "--format", "JSON"]).output)
    assert [e["code"] for e in listed] == list(CODES)
    assert {e["kind"] for e in listed} == {"row", "column", "signal"}
    one = json.loads(CliRunner().invoke(main, ["rules", "ls017", "--format", "json"]).output)
    assert one["code"] == "LS017" and one["implemented_in"] == "scanner/canary/canary.py"
    assert one["documented_in"] == "scanner/analyses/signals/canary.py" and one["doc"] == CODES["LS017"].doc
    ph = json.loads(CliRunner().invoke(main, ["rules", "PH001", "--format", "json"]).output)
    assert "tests/rules/cases/PH001.json" in ph["tested_in"]


def test_every_row_rule_with_cases_finds_them():
    for code in RULES:
        if (REPO / "tests" / "rules" / "cases" / f"{code}.json").exists():
            assert f"tests/rules/cases/{code}.json" in where_tested(code)


def _literals(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node


def test_no_other_module_holds_a_code_table():
    """Outside the registering modules, no module spells a code's name (of two words or more:
    one word such as ``suppressed`` is also a column's), and no dict maps codes to names or
    severities."""
    names = {e.name for e in CODES.values()}
    spelled = {n for n in names if "-" in n}
    found = []
    for path in sorted((REPO / "scanner").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith(REGISTERING):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{rel}:{n.lineno}: name {n.value!r}" for n in _literals(tree) if n.value in spelled]
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and sum(isinstance(k, ast.Constant) and isinstance(k.value, str)
                                                  and bool(CODE.fullmatch(k.value)) for k in node.keys) >= 2:
                values = [v.value for v in node.values if isinstance(v, ast.Constant)]
                if any(v in names or v in ("error", "warning", "info") for v in values):
                    found.append(f"{rel}:{node.lineno}: a table of codes")
    assert not found, "\n".join(found)
