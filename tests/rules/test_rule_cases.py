"""Per-rule pass/fail cases, as data. Each case is one row (plus optional policy)."""

import pytest

GOOD = {"phone": "13800138000", "source": "官网注册", "consent": "是", "consent_channel": "短信",
        "consent_purpose": "营销", "consent_time": "2026-01-05", "consent_evidence": "form:1"}
SOURCES = {"sources": [{"name": "web", "aliases": ["官网注册"], "valid_from": "2025-01-01",
                        "valid_until": "2025-06-30"}]}

# (code, overrides of GOOD, policy, expected)
CASES = [
    ("PH001", {"phone": "未知"}, None, True),
    ("PH001", {"phone": ""}, None, True),
    ("PH001", {"phone": "123"}, None, True),
    ("PH001", {}, None, False),
    ("PH002", {"phone": "12345678901"}, None, True),
    ("PH002", {"phone": "95588"}, None, False),
    ("PH002", {}, None, False),
    ("PH003", {"phone": "1.38001E+10"}, None, True),
    ("PH003", {"phone": "1.3800138000E+10"}, None, False),
    ("PH004", {"phone": "010-62345678"}, None, True),
    ("PH004", {"phone": "010-62345678"}, {"campaign": {"channel": "voice"}}, False),
    ("PH004", {}, None, False),
    ("PH005", {"phone": "95588"}, None, True),
    ("PH005", {"phone": "10690123456789"}, None, True),
    ("PH005", {"phone": "4008123123"}, None, True),
    ("PH005", {"phone": "10086"}, None, True),
    ("PH005", {}, None, False),
    ("PH006", {"phone": "+1 650 253 0000"}, None, True),
    ("PH006", {"phone": "+1 650 253 0000"}, {"campaign": {"allowed_regions": ["CN", "US"]}}, False),
    ("PH006", {}, None, False),
    ("PH007", {"phone": "0571-87654321转8001"}, None, True),
    ("PH007", {"phone": "010-62345678 ext. 12"}, None, True),
    ("PH007", {}, None, False),
    ("PH008", {"phone": "17012345678"}, None, True),
    ("PH008", {}, None, False),
    ("PH009", {"phone": "1440012345678"}, None, True),
    ("PH009", {}, None, False),
    ("PH010", {"phone": "13800138000.0"}, None, True),
    ("PH010", {"phone": "１３８００１３８０００"}, None, True),
    ("PH010", {"phone": "1.3800138000E+10"}, None, True),
    ("PH010", {}, None, False),
    ("PH011", {"phone": "70012345678"}, None, True),
    ("PH011", {}, None, False),
    ("PH012", {"phone": "13800138000/13900139000"}, None, True),
    ("PH012", {"phone": "13800138000 微信同号"}, None, True),
    ("PH012", {"phone": "030/1234567"}, None, False),
    ("PH012", {}, None, False),
    ("PR001", {"source": None}, None, True),
    ("PR001", {"source": "  "}, None, True),
    ("PR001", {}, None, False),
    ("PR002", {"source": "展会名片"}, SOURCES, True),
    ("PR002", {"consent_time": "2025-03-01"}, SOURCES, False),
    ("PR002", {"source": "展会名片"}, None, False),
    ("PR003", {"source": "数据商提供"}, None, True),
    ("PR003", {"source": "Purchased list"}, None, True),
    ("PR003", {}, None, False),
    ("PR004", {"consent_time": "2025-09-01"}, SOURCES, True),
    ("PR004", {"consent_time": "2025-03-01"}, SOURCES, False),
    ("PR004", {"consent_time": "2025-03-01", "collected_at": "2025-09-01"}, SOURCES, True),
    # an unreadable collection time is not replaced by the consent time
    ("PR004", {"consent_time": "2025-09-01", "collected_at": "2025-02-30"}, SOURCES, False),
    ("PR005", {"source": "第三方合作", "consent_evidence": None}, None, True),
    ("PR005", {"source": "partner list", "consent_evidence": ""}, None, True),
    ("PR005", {"source": "第三方合作"}, None, False),
    ("CN001", {"consent": None}, None, True),
    ("CN001", {"consent": "maybe"}, None, True),
    ("CN001", {"consent_channel": "fax"}, None, True),
    ("CN001", {"consent_time": "not a date"}, None, True),
    ("CN001", {}, None, False),
    ("CN002", {"consent": "退订"}, None, True),
    ("CN002", {"consent": "TD"}, None, True),
    ("CN002", {"consent": "否"}, None, True),
    ("CN002", {"consent": "unsubscribed"}, None, True),
    ("CN002", {"consent": "Opt-In"}, None, False),
    ("CN003", {"consent_time": "2020-01-01"}, None, True),
    ("CN003", {"consent_time": "2020年1月1日"}, None, True),
    ("CN003", {"consent_time": "2020-01-01"}, {"consent": {"max_age_days": 3650}}, False),
    ("CN003", {}, None, False),
    ("CN004", {"consent_channel": "电话"}, None, True),
    ("CN004", {"consent_channel": "外呼"}, None, True),
    ("CN004", {"consent_channel": "全部"}, None, False),
    ("CN004", {"consent_channel": None}, None, False),
    ("CN004", {"consent_channel": "电话"}, {"campaign": {"channel": "voice"}}, False),
    ("CN005", {"consent_purpose": "服务通知"}, None, True),
    ("CN005", {"consent_purpose": "推广"}, None, False),
    ("CN005", {"consent_purpose": "营销"}, {"campaign": {"purpose": "notification"}}, True),
    ("CN006", {"consent_time": "2030-01-01"}, None, True),
    ("CN006", {"consent_time": "2026-11-23T12:30:00+08:00"}, None, True),
    ("CN006", {"consent_time": "2026-11-23T11:30:00+08:00"}, None, False),
    ("CN007", {"consent_evidence": None}, {"consent": {"require_evidence": True}}, True),
    ("CN007", {}, {"consent": {"require_evidence": True}}, False),
    ("CN007", {"consent_evidence": None}, None, False),
    ("CN009", {"consent_time": None}, None, True),
    ("CN009", {"consent_time": "  "}, None, True),
    ("CN009", {}, None, False),
    ("CN009", {"consent_time": "not a date"}, None, False),   # CN001 instead
    ("CN009", {"consent": "否", "consent_time": None}, None, False),
    ("CN009", {"consent": None, "consent_time": None}, None, False),
]


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
