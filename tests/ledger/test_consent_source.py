import datetime as dt

import polars as pl
import pytest

from scanner.api import scan
from scanner.ledger import ConsentEvent, append_events, consent_from_ledger
from scanner.privacy.keys import KeyMaterial

TZ = dt.timezone(dt.timedelta(hours=8))
JAN, FEB = dt.datetime(2026, 1, 1, tzinfo=TZ), dt.datetime(2026, 2, 1, tzinfo=TZ)


@pytest.fixture
def keys():
    return KeyMaterial.from_master(bytes(range(32)))


@pytest.fixture
def listing(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("phone,consent,source\n13800138000,否,官网\n13912345678,是,官网\n"
                    "15011112222,是,官网\n15811112222,是,官网\n")
    return path


@pytest.fixture
def ledger(tmp_path, keys):
    path = tmp_path / "consent.jsonl"
    append_events(path, keys, [
        ConsentEvent("+8613800138000", "sms", "marketing", "grant", "f1", JAN),
        ConsentEvent("+8613912345678", "sms", "marketing", "grant", "f2", JAN),
        ConsentEvent("+8613912345678", "sms", "marketing", "withdraw", "f3", FEB),
        ConsentEvent("+8615011112222", "voice", "marketing", "grant", "f4", JAN),
    ])
    return path


def findings(result):
    return {row: sorted(codes) for row, codes in result.rows.select("row", "findings").iter_rows()}


def test_ledger_is_the_consent_source(listing, ledger, keys):
    result = scan(listing, keys=keys, consent_ledger=ledger, as_of="2026-06-01")
    assert findings(result) == {1: [], 2: ["CN002"], 3: ["CN004"], 4: ["CN001"]}


def test_as_of_ignores_later_events(listing, ledger, keys):
    result = scan(listing, keys=keys, consent_ledger=ledger, as_of="2026-01-15")
    assert findings(result)[2] == []


def test_tampered_entries_flag_cn008(listing, ledger, keys):
    rows = ledger.read_bytes().splitlines(keepends=True)
    rows[2] = rows[2].replace(b'"withdraw"', b'"grant"')  # a withdrawal turned into a grant
    ledger.write_bytes(b"".join(rows))
    got = findings(scan(listing, keys=keys, consent_ledger=ledger, as_of="2026-06-01"))
    assert got[1] == []                      # before the break: trusted
    assert "CN008" in got[2] and "CN008" in got[3]


def test_consent_from_ledger_prefers_campaign_channel_and_honours_as_of(tmp_path, keys):
    path = tmp_path / "c.jsonl"
    append_events(path, keys, [
        ConsentEvent("+8613800138000", "sms", "notification", "grant", "f1", JAN),
        ConsentEvent("+8613800138000", "voice", "marketing", "grant", "f2", FEB),
        ConsentEvent("+8613912345678", "sms", "marketing", "withdraw", "f3", FEB),
    ])
    lf = pl.LazyFrame({"row": [1, 2, 3], "e164": ["+8613800138000", "+8613912345678", None]})
    out = consent_from_ledger(lf, path, keys, channel="sms", purpose="service").collect()
    assert out["row"].to_list() == [1, 2, 3]
    assert out["consent_row_class"].to_list() == ["granted", "withdrawn", "missing"]
    assert out["channel_class"].to_list() == ["sms", "sms", "missing"]
    assert out["purpose_class"].to_list() == ["service", "marketing", "missing"]
    assert out["consent_tampered"].to_list() == [False, False, False]
    early = consent_from_ledger(lf, path, keys, channel="sms", purpose="marketing",
                                as_of=dt.datetime(2026, 1, 15, tzinfo=TZ)).collect()
    assert early["consent_row_class"].to_list() == ["granted", "missing", "missing"]
