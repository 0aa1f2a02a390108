"""The mapping is shown first: report.json's input.mapping, the terminal's opening lines,
CL001 for unused consent/time/source-like columns; never a value or a number-like header."""

import io
import json

import pytest
from rich.console import Console

from scanner.api import scan
from scanner.privacy.keys import KeyMaterial
from scanner.report.terminal import print_summary
from scanner.rules import RULES

HEADER = ["First Name", "Mobile", "Phone", "Email Opt Out", "Do Not Call", "Lead Source", "Created Date",
          "utm_source", "UNSUB_TIME", "客户13800138000"]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """One scan of a Salesforce-style export, shared by the tests that read its report."""
    tmp_path = tmp_path_factory.mktemp("sf")
    rows = [[f"N{i}", f"1380013{8000 + i}", f"+86 139 0013 {9000 + i}", "false" if i % 4 else "true",
             "false", "Web", f"8/{1 + i % 27}/2024 7:32 AM", "google", "", "x"] for i in range(20)]
    path = tmp_path / "sf.csv"
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    return scan(path, keys=KeyMaterial.from_master(bytes(range(32))), registry=False,
                state_dir=tmp_path / "state", as_of="2025-01-01")


def test_report_carries_each_columns_role_confidence_and_evidence(scanned):
    report = scanned.report
    mapping = report["input"]["mapping"]
    by_column = {c["column"]: c for c in mapping["columns"]}
    assert by_column["Mobile"]["role"] == "phone"
    assert by_column["Mobile"]["primary"] and not by_column["Phone"]["primary"]
    assert by_column["Do Not Call"]["role"] == "consent" and by_column["Do Not Call"]["inverted"]
    assert 0 < by_column["Created Date"]["confidence"] <= 1
    assert by_column["Created Date"]["evidence"] == "header says created date; 100% dates/times"
    assert report["input"]["columns"]["phone"] == "Mobile"  # v1 field kept
    assert report["input"]["inverted"] == ["consent"]
    unused = {u["column"]: u for u in mapping["unused"]}
    assert unused["Email Opt Out"]["columns_line"] == '[columns] consent = "Email Opt Out"'
    assert unused["utm_source"]["columns_line"] == '[columns] source = "utm_source"'
    # CL001 names each unused consent / consent-time / source-like column
    cl = {c["column"]: c for c in report["columns"] if c["code"] == "CL001"}
    assert set(cl) == {"Email Opt Out", "utm_source", "UNSUB_TIME"}
    assert report["findings"]["CL001"] == 3
    assert "13800138000" not in json.dumps(report, ensure_ascii=False)
    assert by_column["column_10"]["role"] is None


def test_terminal_summary_begins_with_the_mapping(scanned):
    out = io.StringIO()
    print_summary(scanned.report, None, Console(file=out, width=200))
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("phone ← 'Mobile': header says mobile; 100% valid phone numbers")
    assert lines[2].startswith("phone (also) ← 'Phone'")
    assert any(line.startswith("consent ← 'Do Not Call': read inverted (yes = refused, no = granted)")
               for line in lines[:9])
    start = lines.index("unused columns that look like a role:")
    assert any("'Email Opt Out': looks like consent" in line and '[columns] consent = "Email Opt Out"' in line
               for line in lines[start:])
    assert start < next(i for i, line in enumerate(lines) if line.startswith("verdict"))
    assert "13800138000" not in out.getvalue()


def test_cl001_is_documented_in_rules():
    rule = RULES["CL001"]
    assert (rule.name, rule.severity, rule.kind) == ("unused-role-column", "warning", "column")
    doc = rule.doc
    assert "What it flags" in doc and "Why it matters" in doc and "Example" in doc


def test_rules_command_explains_cl001():
    from click.testing import CliRunner

    from scanner.cli import main

    result = CliRunner().invoke(main, ["rules", "CL001"])
    assert result.exit_code == 0 and "unused-role-column" in result.output and "[columns]" in result.output


def test_a_suppression_file_is_read_in_the_campaigns_region(tmp_path, keys):
    from scanner.policy import policy_from_dict

    (tmp_path / "dnc.txt").write_text("2015550123\n4155552671\n2125550199\n", encoding="utf-8")
    (tmp_path / "l.csv").write_text("phone,consent\n+12015550123,yes\n+14155550100,yes\n", encoding="utf-8")
    policy = policy_from_dict({"campaign": {"region": "US", "allowed_regions": ["US"]}})
    result = scan(tmp_path / "l.csv", policy=policy, suppress=[tmp_path / "dnc.txt"], keys=keys,
                  registry=False, state_dir=tmp_path / "state")
    assert result.report["findings"]["SP001"] == 1


def test_cl001_can_be_ignored_like_any_rule(tmp_path, keys):
    from scanner.policy import policy_from_dict

    rows = [HEADER] + [[f"N{i}", f"1380013{8000 + i}", "", "false", "false", "Web", "8/1/2024", "google", "", "x"]
                       for i in range(5)]
    path = tmp_path / "l.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    report = scan(path, policy=policy_from_dict({"rules": {"ignore": ["CL001"]}}), keys=keys, registry=False,
                  state_dir=tmp_path / "state").report
    assert "CL001" not in report["findings"] and not [c for c in report["columns"] if c["code"] == "CL001"]
    assert report["input"]["mapping"]["unused"]  # still shown


def test_unused_columns_are_said_in_the_readers_language():
    # report.json keeps the English words; looks_like_text says them in another language
    from pathlib import Path

    from scanner.i18n import Text, gettext_for

    export = Path(__file__).resolve().parents[1] / "evaluation" / "exports" / "google_contacts.csv"
    unused = scan(str(export), as_of="2026-11-23", registry=False).report["input"]["mapping"]["unused"]
    assert unused
    for u in unused:
        text = Text.from_json(u["looks_like_text"])
        assert str(text) == u["looks_like"]
        zh = text.in_(gettext_for("zh"))
        assert zh != u["looks_like"] and not any(w in zh for w in ("better supported", "header says", "by its header"))
