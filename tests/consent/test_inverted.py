"""An opt-out column mapped as consent is read inverted, and the report says so."""

import pytest

from scanner.errors import PolicyError
from scanner.policy import policy_from_dict

ROWS = [
    {"phone": "13800138000", "Email Opt Out": "true", "consent_time": "2026-01-05"},
    {"phone": "13900139000", "Email Opt Out": "false", "consent_time": "2026-01-05"},
    {"phone": "13700137000", "Email Opt Out": "unsubscribed", "consent_time": "2026-01-05"},
]
POLICY = {"columns": {"consent": "Email Opt Out", "invert": ["consent"]},
          "sources": [], "rules": {"ignore": ["PR001"]}}


def test_opt_out_true_is_refused_false_is_granted(scan_frame):
    result = scan_frame(ROWS, POLICY)
    findings = result.rows.get_column("findings").to_list()
    assert ["CN002" in f for f in findings] == [True, False, True]
    assert ["CN001" in f for f in findings] == [False, False, False]
    assert result.rows.get_column("consent").to_list() == ["refused", "granted", "withdrawn"]
    assert result.report["input"]["inverted"] == ["consent"]
    assert result.report["input"]["columns"]["consent"] == "Email Opt Out"


def test_without_invert_the_header_words_decide(scan_frame):
    policy = {**POLICY, "columns": {"consent": "Email Opt Out"}}
    result = scan_frame(ROWS, policy)
    assert result.rows.get_column("consent").to_list() == ["refused", "granted", "withdrawn"]
    assert result.report["input"]["inverted"] == ["consent"]
    plain = scan_frame([{**r, "Email Consent": r["Email Opt Out"]} for r in ROWS],
                       {**POLICY, "columns": {"consent": "Email Consent"}})
    assert plain.rows.get_column("consent").to_list() == ["granted", "refused", "withdrawn"]
    assert plain.report["input"]["inverted"] == []


def test_empty_invert_list_reads_no_column_inverted(scan_frame):
    policy = {**POLICY, "columns": {"consent": "Email Opt Out", "invert": []}}
    assert scan_frame(ROWS, policy).report["input"]["inverted"] == []


def test_invert_names_only_columns_that_can_be_inverted():
    with pytest.raises(PolicyError, match="columns.invert"):
        policy_from_dict({"columns": {"invert": ["phone"]}})


def test_terminal_summary_says_the_column_is_read_inverted(scan_frame):
    import io

    from rich.console import Console

    from scanner.report.terminal import print_summary

    out = io.StringIO()
    print_summary(scan_frame(ROWS, POLICY).report, None, Console(file=out, width=120))
    assert "consent ← 'Email Opt Out': read inverted (yes = refused, no = granted)" in out.getvalue()
