"""Per-rule pass/fail cases, as data (``cases/<CODE>.json``). Each case is one row (plus optional policy)."""

import json
from pathlib import Path

import pytest

GOOD = {"phone": "13800138000", "source": "官网注册", "consent": "是", "consent_channel": "短信",
        "consent_purpose": "营销", "consent_time": "2026-01-05", "consent_evidence": "form:1"}
#: One file per code (``cases/PH001.json``): a list of cases, each a ``row`` of values over
#: :data:`GOOD`, an optional ``policy`` and whether the code ``fires`` (and an optional ``note``).
CASES_DIR = Path(__file__).parent / "cases"


def _cases() -> list[tuple[str, dict, dict | None, bool]]:
    from scanner.rules import RULES

    found = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in CASES_DIR.glob("*.json")}
    return [(code, case["row"], case.get("policy"), case["fires"]) for code in RULES for case in found.get(code, [])]


CASES = _cases()


def test_every_case_file_is_named_by_a_rule_code():
    from scanner.rules import RULES

    assert {p.stem for p in CASES_DIR.glob("*")} <= set(RULES)


@pytest.mark.parametrize("code,overrides,policy,expected", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_case(scan_frame, code, overrides, policy, expected):
    record = {**GOOD, **overrides}
    result = scan_frame([record], policy)
    findings = result.rows.get_column("findings").to_list()[0]
    assert (code in findings) is expected, findings


def test_good_row_is_accepted(scan_frame):
    result = scan_frame([GOOD])
    row = result.rows.row(0, named=True)
    assert row["findings"] == [] and row["verdict"] == "accept"


def test_ph001_ph002_ph003_mutually_exclusive(scan_frame):
    phones = ["未知", "12345678901", "1.38001E+10", "95588", "1440012345678", "70012345678", "", "abc"]
    result = scan_frame([{**GOOD, "phone": p} for p in phones])
    for findings in result.rows.get_column("findings").to_list():
        assert len({"PH001", "PH002", "PH003"} & set(findings)) <= 1


def test_duplicates_mark_later_occurrences_in_any_format(scan_frame):
    rows = [GOOD, {**GOOD, "phone": "+86 138 0013 8000"}, {**GOOD, "phone": "0086-13800138000"},
            {**GOOD, "phone": "13900139000"}]
    result = scan_frame(rows)
    flags = ["DU001" in f for f in result.rows.get_column("findings").to_list()]
    assert flags == [False, True, True, False]
    assert result.report["list"]["duplicates"] == {"rows": 2, "numbers": 1}


def test_conflicting_duplicates_take_the_most_restrictive_consent(scan_frame):
    rows = [GOOD, {**GOOD, "phone": "+8613800138000", "consent": "退订"}, {**GOOD, "phone": "13900139000"}]
    result = scan_frame(rows)
    findings = result.rows.get_column("findings").to_list()
    assert "DU002" in findings[0] and "DU002" in findings[1] and "DU002" not in findings[2]
    assert "CN002" in findings[0], "the earlier grant must not survive a later withdrawal"
    assert result.rows.get_column("consent").to_list()[:2] == ["withdrawn", "withdrawn"]


def test_conflicting_sources_are_conflicts(scan_frame):
    rows = [GOOD, {**GOOD, "source": "数据商提供"}]
    findings = scan_frame(rows).rows.get_column("findings").to_list()
    assert all("DU002" in f for f in findings)


def test_invalid_numbers_are_not_duplicates(scan_frame):
    rows = [{**GOOD, "phone": "12345678901"}, {**GOOD, "phone": "12345678901"}]
    findings = scan_frame(rows).rows.get_column("findings").to_list()
    assert not any("DU001" in f for f in findings)


def test_unmapped_values_are_listed(scan_frame):
    result = scan_frame([{**GOOD, "consent": "maybe"}, {**GOOD, "consent": "maybe", "phone": "13900139000"}])
    unmapped = result.report["input"]["unmapped"]
    assert unmapped["consent"] == [{"value": "maybe", "rows": 2}]


def test_unmapped_list_withholds_number_like_values(scan_frame):
    result = scan_frame([{**GOOD, "consent": "13900139000"}])
    text = str(result.report)
    assert "13900139000" not in text


def test_ignored_rule_is_not_computed(scan_frame):
    result = scan_frame([{**GOOD, "phone": "17012345678"}], {"rules": {"ignore": ["PH008"]}})
    assert "PH008" not in result.rows.get_column("findings").to_list()[0]


def test_severity_override_changes_verdict(scan_frame):
    rec = {**GOOD, "phone": "17012345678"}
    assert scan_frame([rec]).rows.get_column("verdict").to_list() == ["accept"]
    result = scan_frame([rec], {"rules": {"severity": {"PH008": "error"}}})
    assert result.rows.get_column("verdict").to_list() == ["reject"]


def test_undated_consent_is_reviewed_and_the_policy_can_make_it_an_error(scan_frame):
    rec = {**GOOD, "consent_time": None}
    assert scan_frame([rec]).rows.get_column("verdict").to_list() == ["review"]
    result = scan_frame([rec], {"rules": {"severity": {"CN009": "error"}}})
    assert result.rows.get_column("verdict").to_list() == ["reject"]
    assert result.report["rules"]["CN009"] == {"name": "consent-undated", "severity": "error"}
