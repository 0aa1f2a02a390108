"""Without a consent column, a consent time records the opt-in: an export of subscribers
(Mailchimp's OPTIN_TIME, 订阅时间) is not a list without consent."""

from pathlib import Path

import pytest

from scanner.api import scan
from scanner.policy import policy_from_dict

EXPORTS = Path(__file__).resolve().parents[2] / "evaluation" / "exports"


def _scan(tmp_path, header, rows, policy=None):
    path = tmp_path / "list.csv"
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    result = scan(str(path), as_of="2026-11-23", registry=False, policy=policy)
    return result, [r["findings"] for r in result.rows.sort("row").select("findings").to_dicts()]


def test_a_time_records_the_opt_in_and_an_empty_one_none(tmp_path):
    result, findings = _scan(tmp_path, "手机号,订阅时间,来源", [
        ("13800138000", "2026-03-01 10:12:00", "门店"), ("13900139000", "", "门店"),
        ("13700137000", "sometime", "门店")])
    assert result.report["input"]["consent_from_time"] == "订阅时间"
    [column] = [c for c in result.report["input"]["mapping"]["columns"] if c.get("role") == "consent_time"]
    assert column["records_consent"] and "records the opt-in" in column["evidence"]
    assert "CN001" not in findings[0]
    assert "CN001" in findings[1]
    assert "CN001" in findings[2]          # an unreadable time is no readable consent


def test_the_policy_can_turn_it_off(tmp_path):
    policy = policy_from_dict({"consent": {"time_records_consent": False}})
    result, findings = _scan(tmp_path, "手机号,订阅时间", [("13800138000", "2026-03-01 10:12:00")], policy)
    assert result.report["input"]["consent_from_time"] is None
    assert "CN001" in findings[0]


def test_a_consent_column_decides_and_its_time_only_dates_it(tmp_path):
    result, findings = _scan(tmp_path, "手机号,是否同意,同意时间", [
        ("13800138000", "否", "2026-03-01 10:12:00"), ("13900139000", "", "2026-03-01 10:12:00")])
    assert result.report["input"]["consent_from_time"] is None
    assert "CN002" in findings[0]
    assert "CN001" in findings[1]


def test_the_time_headers_channel_speaks_for_the_consent(tmp_path):
    result, findings = _scan(tmp_path, "phone,Email Opt-in Date", [("13800138000", "2026-03-01 10:12:00")])
    assert result.report["input"]["consent_channel_from_header"] == "email"
    assert "CN004" in findings[0] and "CN001" not in findings[0]


@pytest.mark.parametrize("export", ["mailchimp_subscribed_members.csv", "mailchimp_unsubscribed_members.csv"])
def test_mailchimp_exports_are_not_lists_without_consent(export):
    result = scan(str(EXPORTS / export), as_of="2026-11-23", registry=False,
                  policy=policy_from_dict({"campaign": {"region": "US", "allowed_regions": ["US"]}}))
    assert result.report["input"]["consent_from_time"] == "OPTIN_TIME"
    findings = result.report["findings"]
    assert "CN001" not in findings     # every member has an opt-in time
    if export.startswith("mailchimp_unsubscribed"):
        assert findings["CN002"] == result.report["rows"]["total"]
    else:
        assert "CN002" not in findings


def test_cleaned_members_opt_in_times_record_no_consent():
    # Mailchimp's cleaned export has OPTIN_TIME and CLEAN_TIME: the members bounced
    holdout = EXPORTS.parent / "holdout" / "mailchimp_cleaned_members.csv"
    result = scan(str(holdout), as_of="2026-11-23", registry=False,
                  policy=policy_from_dict({"campaign": {"region": "US", "allowed_regions": ["US"]}}))
    assert result.report["input"]["consent_from_time"] is None
    assert result.report["findings"]["CN001"] == result.report["rows"]["total"]
    unused = {u["column"]: u["looks_like"] for u in result.report["input"]["mapping"]["unused"]}
    assert unused["CLEAN_TIME"] == "cleaned time"


def test_opt_out_times_are_withdrawals_and_empty_ones_none(tmp_path):
    result, findings = _scan(tmp_path, "手机号,订阅时间,退订时间", [
        ("13800138000", "2026-03-01 10:12:00", ""), ("13900139000", "2026-03-01 10:12:00", "2026-05-02 08:00:00"),
        ("13700137000", "", "")])
    assert result.report["input"]["inverted"] == ["consent"]
    assert result.report["input"]["consent_from_time"] == "订阅时间"
    assert not {"CN001", "CN002"} & set(findings[0])
    assert "CN002" in findings[1]
    assert "CN001" in findings[2]
