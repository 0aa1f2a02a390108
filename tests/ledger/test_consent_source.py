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
    # the file's undated statements lose to the ledger's dated ones; row 4, which the
    # ledger does not know, keeps the file's consent (granted, undated: CN009)
    assert findings(result) == {1: [], 2: ["CN002"], 3: ["CN004"], 4: ["CN009"]}
    assert result.rows.get_column("consent_from").to_list() == ["ledger", "ledger", "ledger", "file"]
    consent = result.report["consent"]
    assert (consent["from_file"], consent["from_ledger"], consent["ledger_after_as_of"]) == (1, 3, 0)


def test_as_of_ignores_later_events(listing, ledger, keys):
    result = scan(listing, keys=keys, consent_ledger=ledger, as_of="2026-01-15")
    assert findings(result)[2] == []
    assert result.report["consent"]["ledger_after_as_of"] == 1  # the February withdrawal, counted


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
    lf = pl.LazyFrame({"row": [1, 2, 3], "e164": ["+8613800138000", "+8613912345678", None]}).with_columns(
        pl.lit("missing").alias(c) for c in ("consent_row_class", "channel_class", "purpose_class")).with_columns(
        pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("consent_at"), pl.lit(False).alias("consent_time_invalid"),
        pl.lit(None, dtype=pl.String).alias("consent_time_unread"), pl.lit(False).alias("evidence_present"))
    out = consent_from_ledger(lf, path, keys, channel="sms", purpose="service").collect()
    assert out["row"].to_list() == [1, 2, 3]
    assert out["consent_row_class"].to_list() == ["granted", "withdrawn", "missing"]
    assert out["channel_class"].to_list() == ["sms", "sms", "missing"]
    assert out["purpose_class"].to_list() == ["service", "marketing", "missing"]
    assert out["consent_tampered"].to_list() == [False, False, False]
    early = consent_from_ledger(lf, path, keys, channel="sms", purpose="marketing",
                                as_of=dt.datetime(2026, 1, 15, tzinfo=TZ)).collect()
    assert early["consent_row_class"].to_list() == ["granted", "missing", "missing"]


def _merged(tmp_path, keys, file_rows, events, as_of="2026-06-01"):
    path = tmp_path / "merge.csv"
    path.write_text("phone,consent,consent_time,source\n" + "".join(f"{p},{c},{t},官网\n" for p, c, t in file_rows),
                    encoding="utf-8")
    ledger = tmp_path / "merge.jsonl"
    append_events(ledger, keys, events)
    result = scan(path, keys=keys, consent_ledger=ledger, as_of=as_of)
    return result.rows.select("consent", "consent_from").rows()


def test_the_latest_dated_statement_wins_and_a_withdrawal_wins_a_tie(tmp_path, keys):
    noon = dt.datetime(2026, 3, 1, 12, tzinfo=TZ)
    rows = _merged(tmp_path, keys, [
        ("13800138000", "退订", "2026-03-05"),       # the file's withdrawal is later than the ledger's grant
        ("13912345678", "同意", "2026-01-05"),       # the ledger's withdrawal is later
        ("15011112222", "同意", "2026-03-01 12:00"),  # same instant: the ledger's withdrawal wins
        ("15811112222", "退订", "2026-03-01 12:00"),  # same instant: the file's withdrawal wins
        ("13700137000", "同意", ""),                  # undated: loses to the ledger's dated grant... of voice
        ("13600136000", "", ""),                      # the file says nothing: the ledger's word
    ], [
        ConsentEvent("+8613800138000", "sms", "marketing", "grant", "f1", FEB),
        ConsentEvent("+8613912345678", "sms", "marketing", "withdraw", "f2", FEB),
        ConsentEvent("+8615011112222", "sms", "marketing", "withdraw", "f3", noon),
        ConsentEvent("+8615811112222", "sms", "marketing", "grant", "f4", noon),
        ConsentEvent("+8613700137000", "sms", "marketing", "grant", "f5", JAN),
        ConsentEvent("+8613600136000", "sms", "marketing", "grant", "f6", JAN),
    ])
    assert rows == [("withdrawn", "file"), ("withdrawn", "ledger"), ("withdrawn", "ledger"),
                    ("withdrawn", "file"), ("granted", "ledger"), ("granted", "ledger")]


def test_three_grants_in_the_ledger_leave_the_rest_of_the_file_alone(tmp_path, keys):
    """Adding a few grants to a ledger once turned every other row into CN001."""
    numbers = [f"1380013{k:04d}" for k in range(600)]
    path = tmp_path / "big.csv"
    path.write_text("phone,consent,consent_time,source\n" + "".join(f"{n},同意,2026-01-05,官网\n" for n in numbers),
                    encoding="utf-8")
    ledger = tmp_path / "three.jsonl"
    append_events(ledger, keys, [ConsentEvent("+86" + n, "sms", "marketing", "grant", "f", FEB) for n in numbers[:3]]
                  + [ConsentEvent("+86" + numbers[3], "sms", "marketing", "withdraw", "late", dt.datetime(2026, 7, 1, tzinfo=TZ))])
    result = scan(path, keys=keys, consent_ledger=ledger, as_of="2026-06-01")
    assert result.report["findings"].get("CN001", 0) == 0
    consent = result.report["consent"]
    assert (consent["from_file"], consent["from_ledger"], consent["ledger_after_as_of"]) == (597, 3, 1)
