"""The do-not-contact store and ``--suppress`` token files (docs/PRIVACY.md)."""

import json
import stat
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "review"))
from review_support import NUMBERS, POLICY, Month, list_text  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def month(tmp_path, monkeypatch):
    return Month(tmp_path, monkeypatch)


def _numbers_file(month, numbers, name="dnc.csv"):
    path = month.dir / name
    path.write_text("手机号\n" + "".join(f"{n}\n" for n in numbers), encoding="utf-8")
    return path


def test_store_entries_suppress_scans_by_scope_and_are_never_deleted(month):
    month.scan(list_text())  # (makes the key)
    month.run("suppress", "add", _numbers_file(month, NUMBERS[:2]), "--reason", "退订",
              "--channel", "sms", "--purpose", "marketing")
    rows, report = month.scan(list_text(), "next")
    hit = rows.filter(pl.col("findings").list.contains("SP001")).get_column("row").to_list()
    assert hit == [1, 2] and report["suppress"]["store_entries"] == 2
    # an unsubscribe from marketing SMS still allows service notices
    service = month.dir / "service.toml"
    service.write_text(POLICY.replace('purpose = "marketing"', 'purpose = "notification"'), encoding="utf-8")
    rows, _ = month.scan(list_text(), "service", policy=service)
    assert not rows.get_column("findings").list.contains("SP001").any()
    # off by policy
    unchecked = month.dir / "unchecked.toml"
    unchecked.write_text(POLICY + "[suppress]\ncheck = false\n", encoding="utf-8")
    rows, _ = month.scan(list_text(), "unchecked", policy=unchecked)
    assert not rows.get_column("findings").list.contains("SP001").any()

    month.run("suppress", "remove", _numbers_file(month, NUMBERS[:1], "gone.csv"), "--reason", "added by mistake")
    rows, _ = month.scan(list_text(), "after")
    assert rows.filter(pl.col("findings").list.contains("SP001")).get_column("row").to_list() == [2]
    listed = json.loads(month.run("suppress", "list", "--format", "json").output.split("\n", 1)[1])
    assert [(g["live"], g["entries"], g["reason"], g["channel"], g["purpose"]) for g in listed] == [
        (True, 1, "退订", "sms", "marketing"), (False, 1, "退订", "sms", "marketing")]
    text = month.run("suppress", "list").output
    assert "removed" in text and all(n not in text and n[3:] not in text for n in NUMBERS)
    actions = [json.loads(x)["action"] for x in (month.state / "audit.log").read_text().splitlines()]
    assert actions == ["suppress-add", "suppress-remove"]


def test_export_gives_tokens_that_suppress_files_accept(month):
    rows, _ = month.scan(list_text())
    month.run("suppress", "add", _numbers_file(month, NUMBERS[3:5]), "--reason", "complaint")
    month.run("suppress", "export", "--to", month.dir / "tokens.csv")
    exported = month.dir / "tokens.csv"
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    tokens = pl.read_csv(exported).get_column("phone_token").sort().to_list()
    assert tokens == rows.filter(pl.col("row").is_in([4, 5])).get_column("phone_token").sort().to_list()
    data = exported.read_bytes()
    assert all(n.encode() not in data for n in NUMBERS)
    # a token file given to --suppress (the store off, so only the file counts)
    unchecked = month.dir / "unchecked.toml"
    unchecked.write_text(POLICY + "[suppress]\ncheck = false\n", encoding="utf-8")
    rows, report = month.scan(list_text(), "files", "--suppress", exported, policy=unchecked)
    assert rows.filter(pl.col("findings").list.contains("SP001")).get_column("row").to_list() == [4, 5]
    assert report["suppress"] == {"store_entries": 0, "file_numbers": 0, "file_tokens": 2}
    # ...and so are rows.parquet itself and a bare column of tokens
    bare = month.dir / "bare.txt"
    bare.write_text("\n".join(tokens[:1]) + "\n")
    rows, _ = month.scan(list_text(), "bare", "--suppress", bare, policy=unchecked)
    assert rows.filter(pl.col("findings").list.contains("SP001")).height == 1
    month.run("suppress", "add", month.dir / "out" / "rows.parquet", "--reason", "whole list")
    rows, _ = month.scan(list_text(), "whole")
    assert rows.get_column("findings").list.contains("SP001").all()


def test_refused_and_withdrawn_rows_feed_the_store_when_asked(month):
    feeding = month.dir / "feeding.toml"
    feeding.write_text(POLICY + '[suppress]\nauto = ["withdrawn", "refused", "decisions"]\n', encoding="utf-8")
    month.scan(list_text(), policy=feeding)
    listed = json.loads(month.run("suppress", "list", "--format", "json").output.split("\n", 1)[1])
    assert [(g["source"], g["entries"], g["reason"]) for g in listed] == [("withdrawn", 1, "consent withdrawn")]
    # next month the same number comes back with consent: the store still says no
    consenting = list_text().replace("退订", "同意")
    rows, _ = month.scan(consenting, "next", policy=feeding)
    assert rows.filter(pl.col("row") == 4).get_column("findings").item().to_list() == ["SP001"]


def test_suppress_add_needs_numbers_or_tokens(month):
    month.scan(list_text())
    empty = month.dir / "names.csv"
    empty.write_text("姓名\n张三\n李四\n", encoding="utf-8")
    out = month.run("suppress", "add", empty, "--reason", "x", code=2)
    assert "no phone column" in out.output
    reason = month.run("suppress", "add", _numbers_file(month, NUMBERS[:1]), "--reason", "call 13800138001",
                       code=2)
    assert "--reason must not contain a phone number" in reason.output


def test_ledger_withdrawals_feed_the_store_when_asked(month):
    import datetime as dt

    from scanner.ledger import ConsentEvent, append_events
    from scanner.privacy.keys import load_key

    month.scan(list_text())  # (makes the key)
    keys = load_key(month.state)
    ledger = month.dir / "consent.jsonl"
    when = dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
    append_events(ledger, keys, [ConsentEvent("+86" + NUMBERS[0], "sms", "marketing", "withdraw", "app", when)])
    feeding = month.dir / "ledger.toml"
    feeding.write_text(POLICY + '[suppress]\nauto = ["ledger"]\n', encoding="utf-8")
    month.scan(list_text(), "fed", "--consent-ledger", ledger, policy=feeding)
    listed = json.loads(month.run("suppress", "list", "--format", "json").output.split("\n", 1)[1])
    # the file's own 退订 row is not fed (only the ledger is asked for)
    assert [(g["source"], g["entries"], g["channel"], g["purpose"]) for g in listed] == [
        ("ledger", 1, "sms", "marketing")]


def test_an_email_unsubscribe_does_not_feed_the_phone_store(month):
    text = ("手机号,姓名,来源,同意,同意渠道,同意时间\n"
            "13800138001,甲,官网注册,退订,邮件,2026-05-01\n13800138002,乙,官网注册,退订,短信,2026-05-01\n")
    feeding = month.dir / "feeding.toml"
    feeding.write_text(POLICY + '[suppress]\nauto = ["withdrawn"]\n', encoding="utf-8")
    month.scan(text, policy=feeding)
    listed = json.loads(month.run("suppress", "list", "--format", "json").output.split("\n", 1)[1])
    assert [(g["source"], g["entries"], g["channel"]) for g in listed] == [("withdrawn", 1, "sms")]
