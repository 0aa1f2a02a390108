import json

import pytest

NUMBER = "138 0013 8000"
DIGITS = "13800138000"


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch):
    monkeypatch.delenv("CONTACT_SCANNER_KEY", raising=False)
    monkeypatch.delenv("CONTACT_SCANNER_HOME", raising=False)


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


def append(cli, ledger, state, number=NUMBER, action="grant", *extra):
    return cli("ledger", "append", ledger, "--phone", "-", "--action", action, "--channel", "sms",
               "--purpose", "marketing", "--evidence", "web-form-17", "--state-dir", state, *extra,
               input=number + "\n")


def test_signing_keys(cli, tmp_path):
    result = cli("keys", "signing", "--out", tmp_path / "sig")
    assert result.exit_code == 0, result.output
    private, public = tmp_path / "sig" / "signing-key.pem", tmp_path / "sig" / "signing-key.pub.pem"
    assert private.stat().st_mode & 0o777 == 0o600
    assert b"PUBLIC KEY" in public.read_bytes()
    assert "fingerprint:" in result.output
    again = cli("keys", "signing", "--out", tmp_path / "sig")
    assert again.exit_code == 2 and "already exists" in again.output


def test_append_and_verify(cli, tmp_path, state):
    ledger = tmp_path / "consent.jsonl"
    result = append(cli, ledger, state)
    assert result.exit_code == 0, result.output
    assert append(cli, ledger, state, "+86 139 1234 5678\n15011112222", "withdraw").exit_code == 0
    text = ledger.read_text()
    assert DIGITS not in text and "13912345678" not in text
    assert len(text.splitlines()) == 3
    result = cli("ledger", "verify", ledger, "--state-dir", state)
    assert result.exit_code == 0 and "intact, 3 entries" in result.output


def test_verify_names_first_bad_entry(cli, tmp_path, state):
    ledger = tmp_path / "consent.jsonl"
    for _ in range(3):
        append(cli, ledger, state)
    rows = ledger.read_text().splitlines(keepends=True)
    rows[1] = rows[1].replace("web-form-17", "web-form-18")
    ledger.write_text("".join(rows))
    result = cli("ledger", "verify", ledger, "--state-dir", state)
    assert result.exit_code == 1
    assert "entry 2" in result.output and "MAC" in result.output


def test_invalid_number_is_exit_2_without_echo(cli, tmp_path, state):
    ledger = tmp_path / "consent.jsonl"
    result = append(cli, ledger, state, "1380013")
    assert result.exit_code == 2 and "line 1 is not a valid phone number" in result.output
    assert "1380013" not in result.output
    assert not ledger.exists()


def test_number_on_command_line_is_refused_without_echo(cli, tmp_path, state):
    result = cli("ledger", "append", tmp_path / "l.jsonl", "--phone", DIGITS, "--action", "grant",
                 "--channel", "sms", "--purpose", "marketing", "--evidence", "e", "--state-dir", state)
    assert result.exit_code == 2 and DIGITS not in result.output
    assert "never taken on the command line" in result.output


def test_checkpoint_flow(cli, tmp_path, state, monkeypatch):
    ledger = tmp_path / "consent.jsonl"
    for number in ("13800138000", "13912345678"):
        append(cli, ledger, state, number)
    assert cli("keys", "signing", "--out", tmp_path / "sig").exit_code == 0
    private, public = tmp_path / "sig" / "signing-key.pem", tmp_path / "sig" / "signing-key.pub.pem"
    result = cli("ledger", "checkpoint", ledger, "--signing-key", private, "--state-dir", state)
    assert result.exit_code == 0, result.output
    checkpoint = tmp_path / "consent.jsonl.checkpoint.json"
    assert json.loads(checkpoint.read_text())["ledger"]["entries"] == 2
    append(cli, ledger, state, "15011112222")
    ok = cli("ledger", "verify", ledger, "--checkpoint", checkpoint, "--public-key", public,
             "--state-dir", state)
    assert ok.exit_code == 0 and "unchanged" in ok.output, ok.output
    # an auditor without the ledger key still checks chain and checkpoint
    auditor = cli("ledger", "verify", ledger, "--checkpoint", checkpoint, "--public-key", public,
                  "--state-dir", tmp_path / "empty")
    assert auditor.exit_code == 0 and "MACs not checked" in auditor.output
    ledger.write_text(ledger.read_text().splitlines(keepends=True)[0])
    truncated = cli("ledger", "verify", ledger, "--checkpoint", checkpoint, "--public-key", public,
                    "--state-dir", state)
    assert truncated.exit_code == 1 and "truncated" in truncated.output


def test_verify_without_key_is_usage_error(cli, tmp_path):
    ledger = tmp_path / "l.jsonl"
    ledger.write_text("")
    result = cli("ledger", "verify", ledger, "--state-dir", tmp_path / "none")
    assert result.exit_code == 2
