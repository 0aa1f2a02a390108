import datetime as dt
import json
import os

import pytest

from scanner.certify.signing import generate, load_private, load_public
from scanner.errors import InputError, KeyMaterialError, VerificationFailed
from scanner.ledger import (
    ConsentEvent, append_events, latest_consent, make_checkpoint, verify_against_checkpoint,
    verify_ledger,
)
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.tokens import token_one

TZ = dt.timezone(dt.timedelta(hours=8))
NUMBERS = ["+8613800138000", "+8613912345678", "+8615011112222"]


@pytest.fixture
def keys():
    return KeyMaterial.from_master(bytes(range(32)))


@pytest.fixture
def other_keys():
    return KeyMaterial.from_master(bytes(range(1, 33)))


def event(number, action="grant", day=1, channel="sms", purpose="marketing"):
    return ConsentEvent(number, channel, purpose, action, f"form-{day}",
                        dt.datetime(2026, 1, day, 10, tzinfo=TZ), "v3")


@pytest.fixture
def ledger(tmp_path, keys):
    path = tmp_path / "consent.jsonl"
    append_events(path, keys, [event(NUMBERS[0], day=1), event(NUMBERS[1], day=2)])
    append_events(path, keys, [event(NUMBERS[2], day=3)])
    append_events(path, keys, [event(NUMBERS[0], "withdraw", day=4)])
    return path


def lines(path):
    return path.read_bytes().splitlines(keepends=True)


def rewrite(path, new_lines):
    path.write_bytes(b"".join(new_lines))


def test_round_trip(ledger, keys):
    check = verify_ledger(ledger, keys)
    assert check.intact and check.entries == 4 and check.macs_checked
    assert oct(ledger.stat().st_mode & 0o777) == "0o600"
    text = ledger.read_text()
    for number in NUMBERS:
        assert number not in text and number[3:] not in text
    first = json.loads(lines(ledger)[0])
    assert first["phone_token"] == token_one(keys, "phone", NUMBERS[0])
    assert first["seq"] == 1 and first["prev"] == "0" * 64


def test_edited_line_is_named(ledger, keys):
    rows = lines(ledger)
    rows[1] = rows[1].replace(b'"grant"', b'"withdraw"')
    rewrite(ledger, rows)
    check = verify_ledger(ledger, keys)
    assert check.first_bad == 2 and "MAC" in str(check.reason)


def test_deleted_line(ledger, keys):
    rows = lines(ledger)
    del rows[1]
    rewrite(ledger, rows)
    check = verify_ledger(ledger, keys)
    assert check.first_bad == 2 and "deleted" in str(check.reason)


def test_deleted_first_line(ledger, keys):
    rewrite(ledger, lines(ledger)[1:])
    assert verify_ledger(ledger, keys).first_bad == 1


def test_reordered_lines(ledger, keys):
    rows = lines(ledger)
    rows[1], rows[2] = rows[2], rows[1]
    rewrite(ledger, rows)
    assert verify_ledger(ledger, keys).first_bad == 2


def test_inserted_copy_of_a_line(ledger, keys):
    rows = lines(ledger)
    rows.insert(2, rows[0])
    rewrite(ledger, rows)
    assert verify_ledger(ledger, keys).first_bad == 3


def test_inserted_forged_line(ledger, keys, other_keys, tmp_path):
    forged = tmp_path / "forged.jsonl"
    append_events(forged, other_keys, [event(NUMBERS[1])] * 3)
    rows = lines(ledger)
    rows.insert(2, lines(forged)[2])  # right seq, wrong MAC and chain
    rewrite(ledger, rows)
    check = verify_ledger(ledger, keys)
    assert check.first_bad == 3 and "MAC" in str(check.reason)


def test_wrong_key_is_a_key_error(ledger, other_keys):
    with pytest.raises(KeyMaterialError, match="written under key"):
        verify_ledger(ledger, other_keys)


def test_garbage_line(ledger, keys):
    rows = lines(ledger)
    rows[2] = b"{not json\n"
    rewrite(ledger, rows)
    check = verify_ledger(ledger, keys)
    assert check.first_bad == 3 and "not a ledger entry" in str(check.reason)


def test_chain_only_without_key_detects_edit_via_next_entry(ledger):
    rows = lines(ledger)
    rows[1] = rows[1].replace(b'"grant"', b'"withdraw"')
    rewrite(ledger, rows)
    check = verify_ledger(ledger, None)
    assert not check.macs_checked and check.first_bad == 3


def test_append_refuses_tampered_tail(ledger, keys):
    rows = lines(ledger)
    rows[-1] = rows[-1].replace(b'"withdraw"', b'"grant"')
    rewrite(ledger, rows)
    with pytest.raises(VerificationFailed, match="last entry"):
        append_events(ledger, keys, [event(NUMBERS[1])])


def test_append_checks_event(tmp_path, keys):
    path = tmp_path / "l.jsonl"
    with pytest.raises(InputError, match="contains the phone number"):
        append_events(path, keys, [ConsentEvent(NUMBERS[0], "sms", "marketing", "grant",
                                                "call 138-0013-8000 recording")])
    with pytest.raises(InputError, match="channel"):
        append_events(path, keys, [ConsentEvent(NUMBERS[0], "fax", "marketing", "grant", "f")])
    with pytest.raises(InputError, match="evidence"):
        append_events(path, keys, [ConsentEvent(NUMBERS[0], "sms", "marketing", "grant", " ")])
    assert not path.exists() or path.read_bytes() == b""


def test_latest_consent(ledger, keys):
    latest = latest_consent(ledger, keys)
    assert latest.height == 3
    by_token = {r["phone_token"]: r for r in latest.to_dicts()}
    first = by_token[token_one(keys, "phone", NUMBERS[0])]
    assert first["action"] == "withdraw" and first["trusted"] and first["evidence"] == "form-4"
    assert first["notice_version"] == "v3"
    assert all(latest["trusted"])


def test_latest_consent_orders_by_event_time(tmp_path, keys):
    path = tmp_path / "l.jsonl"
    append_events(path, keys, [event(NUMBERS[0], "withdraw", day=5)])
    append_events(path, keys, [event(NUMBERS[0], "grant", day=2)])  # backfilled, older event
    assert latest_consent(path, keys)["action"].to_list() == ["withdraw"]


def test_latest_consent_as_of(ledger, keys):
    as_of = dt.datetime(2026, 1, 3, 12, tzinfo=TZ)
    latest = latest_consent(ledger, keys, as_of=as_of)
    first = latest.filter(phone_token=token_one(keys, "phone", NUMBERS[0]))
    assert first["action"].to_list() == ["grant"]


def test_latest_consent_untrusted_after_break(ledger, keys):
    rows = lines(ledger)
    rows[1] = rows[1].replace(b'"form-2"', b'"form-9"')
    rewrite(ledger, rows)
    latest = latest_consent(ledger, keys)
    trusted = dict(zip(latest["seq"].to_list(), latest["trusted"].to_list()))
    assert trusted == {2: False, 3: False, 4: False}


def test_separate_channels_and_purposes(tmp_path, keys):
    path = tmp_path / "l.jsonl"
    append_events(path, keys, [event(NUMBERS[0]), event(NUMBERS[0], channel="voice"),
                               event(NUMBERS[0], purpose="service"), event(NUMBERS[0], "withdraw", day=2)])
    latest = latest_consent(path, keys)
    assert latest.height == 3
    assert latest.filter(channel="sms", purpose="marketing")["action"].to_list() == ["withdraw"]


# -- checkpoints ---------------------------------------------------------------------------

@pytest.fixture
def signer(tmp_path):
    private, public, _ = generate(tmp_path / "sig")
    return load_private(private), load_public(public)


def test_checkpoint_round_trip_and_later_appends(ledger, keys, signer):
    doc = make_checkpoint(ledger, keys, signer[0])
    assert doc["ledger"]["entries"] == 4
    append_events(ledger, keys, [event(NUMBERS[1], "withdraw", day=9)])
    check = verify_against_checkpoint(ledger, doc, signer[1], keys)
    assert check.intact and check.entries == 5
    assert verify_against_checkpoint(ledger, doc, signer[1], None).intact  # auditor, no key


def test_checkpoint_detects_truncation(ledger, keys, signer):
    doc = make_checkpoint(ledger, keys, signer[0])
    rewrite(ledger, lines(ledger)[:-1])
    assert verify_ledger(ledger, keys).intact  # the file alone cannot tell
    with pytest.raises(VerificationFailed, match="truncated"):
        verify_against_checkpoint(ledger, doc, signer[1], keys)


def test_checkpoint_detects_rewrite_by_key_holder(ledger, keys, signer, tmp_path):
    doc = make_checkpoint(ledger, keys, signer[0])
    rebuilt = tmp_path / "rebuilt.jsonl"  # the holder rebuilds history with the MAC key
    append_events(rebuilt, keys, [event(NUMBERS[0], day=1), event(NUMBERS[1], day=2),
                                  event(NUMBERS[2], day=3), event(NUMBERS[0], "grant", day=4)])
    os.replace(rebuilt, ledger)
    assert verify_ledger(ledger, keys).intact
    with pytest.raises(VerificationFailed, match="rewritten"):
        verify_against_checkpoint(ledger, doc, signer[1], keys)


def test_checkpoint_altered_or_other_key(ledger, keys, signer, tmp_path):
    doc = make_checkpoint(ledger, keys, signer[0])
    altered = json.loads(json.dumps(doc))
    altered["ledger"]["entries"] = 2
    with pytest.raises(VerificationFailed, match="altered"):
        verify_against_checkpoint(ledger, altered, signer[1], keys)
    _, other_public, _ = generate(tmp_path / "other")
    with pytest.raises(VerificationFailed, match="wrong key"):
        verify_against_checkpoint(ledger, doc, load_public(other_public), keys)


def test_checkpoint_refuses_tampered_ledger(ledger, keys, signer):
    rows = lines(ledger)
    del rows[0]
    rewrite(ledger, rows)
    with pytest.raises(VerificationFailed, match="not intact"):
        make_checkpoint(ledger, keys, signer[0])
