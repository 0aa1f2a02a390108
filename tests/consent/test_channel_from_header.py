"""A consent column whose header names a channel (``Email Marketing Consent``,
``短信营销同意``) speaks for that channel: email consent does not cover an SMS campaign."""

import pytest

from scanner.api import scan
from scanner.ingest.header_words import channel_named_by


@pytest.mark.parametrize("header, channel", [
    ("Email Marketing Consent", "email"), ("Accepts SMS Marketing", "sms"), ("sms_opt_in", "sms"),
    ("短信营销同意", "sms"), ("电话营销同意", "voice"), ("邮件订阅", "email"),
    ("Unsubscribed from all email", "email"), ("是否同意", None), ("Opt-in", None), ("consent", None),
    ("SMS and Email Consent", None), (None, None),
])
def test_channel_named_by_a_header(header, channel):
    assert channel_named_by(header) == channel


def _findings(tmp_path, header, rows, **policy):
    path = tmp_path / "list.csv"
    path.write_text(f"phone,{header},来源\n" + "".join(f"{p},{c},官网注册\n" for p, c in rows), encoding="utf-8")
    result = scan(str(path), as_of="2026-11-23", registry=False)
    return result, result.rows.select("row", "findings").to_dicts()


def test_email_consent_does_not_cover_an_sms_campaign(tmp_path):
    result, rows = _findings(tmp_path, "Email Marketing Consent",
                             [("13800138000", "subscribed"), ("13900139000", "unsubscribed")])
    assert result.report["input"]["consent_channel_from_header"] == "email"
    assert "CN004" in rows[0]["findings"] and "CN004" not in rows[1]["findings"]
    assert "CN002" in rows[1]["findings"]


def test_sms_consent_header_covers_an_sms_campaign(tmp_path):
    result, rows = _findings(tmp_path, "短信营销同意", [("13800138000", "是"), ("13900139000", "是")])
    assert result.report["input"]["consent_channel_from_header"] == "sms"
    assert all("CN004" not in r["findings"] for r in rows)


def test_a_channel_cell_speaks_before_the_header(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("phone,Email Marketing Consent,同意渠道\n13800138000,yes,短信\n13900139000,yes,\n"
                    "13700137000,yes,邮件\n", encoding="utf-8")
    rows = scan(str(path), as_of="2026-11-23", registry=False).rows.select("findings").to_series().to_list()
    assert ["CN004" in f for f in rows] == [False, True, True]


def test_no_channel_named_leaves_an_empty_channel_unjudged(tmp_path):
    result, rows = _findings(tmp_path, "是否同意", [("13800138000", "是")])
    assert result.report["input"]["consent_channel_from_header"] is None
    assert "CN004" not in rows[0]["findings"]
