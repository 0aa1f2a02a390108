"""``contact-scanner keys``: create / show / rotate-vault / verify-audit; the secret never leaks."""

from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.privacy.keys import ENV_KEY, HOME_ENV, read_key_file


@pytest.fixture()
def run(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.chdir(tmp_path)

    def _run(*args, env=None):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return _run


def _all_text(result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_create_show_never_print_the_secret(run, tmp_path):
    state = tmp_path / "state"
    created = run("keys", "create", "--state-dir", str(state))
    assert created.exit_code == 0, created.output
    key_path = state / "key.json"
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    doc = json.loads(key_path.read_text())
    secret = doc["master"]
    shown = run("keys", "show", "--state-dir", str(state))
    shown_json = run("keys", "show", "--state-dir", str(state), "--format", "json")
    assert shown.exit_code == shown_json.exit_code == 0
    assert doc["key_id"] in shown.output and doc["created"] in shown.output
    info = json.loads(shown_json.stdout)
    assert info["key_id"] == doc["key_id"] and len(info["vault_keys"]) == 1
    keys = read_key_file(key_path)
    vault_secret = keys.current_vault_key().secret.hex()
    for text in (_all_text(created), _all_text(shown), shown_json.output, repr(keys), str(keys),
                 repr(keys.vault_keys())):
        assert secret not in text and vault_secret not in text
        assert keys.token_key_hex not in text


def test_create_refuses_to_overwrite(run, tmp_path):
    state = tmp_path / "state"
    assert run("keys", "create", "--state-dir", str(state)).exit_code == 0
    before = (state / "key.json").read_bytes()
    again = run("keys", "create", "--state-dir", str(state))
    assert again.exit_code == 2 and "refusing to overwrite" in again.stderr
    assert (state / "key.json").read_bytes() == before


def test_state_dir_from_env_and_key_file(run, tmp_path):
    home = tmp_path / "home"
    assert run("keys", "create", env={HOME_ENV: str(home)}).exit_code == 0
    key_id = json.loads((home / "key.json").read_text())["key_id"]
    assert key_id in run("keys", "show", env={HOME_ENV: str(home)}).output
    assert key_id in run("keys", "show", "--key-file", str(home / "key.json")).output
    master = json.loads((home / "key.json").read_text())["master"]
    via_env = run("keys", "show", "--state-dir", str(tmp_path / "empty"), env={ENV_KEY: master})
    assert via_env.exit_code == 0 and key_id in via_env.output and master not in via_env.output
    assert ENV_KEY in via_env.output  # the source is named, not the secret


def test_show_without_key_is_exit_2(run, tmp_path):
    result = run("keys", "show", "--state-dir", str(tmp_path / "none"))
    assert result.exit_code == 2 and "no key" in result.stderr
    assert not (tmp_path / "none").exists()  # show never creates a key


def test_group_readable_key_file_refused(run, tmp_path):
    state = tmp_path / "state"
    run("keys", "create", "--state-dir", str(state))
    secret = json.loads((state / "key.json").read_text())["master"]
    for mode in (0o640, 0o604):
        os.chmod(state / "key.json", mode)
        result = run("keys", "show", "--state-dir", str(state))
        assert result.exit_code == 2
        assert "readable by group or others" in result.stderr and secret not in _all_text(result)


def test_bad_key_material_messages_hold_no_secret(run, tmp_path):
    bad = tmp_path / "bad.key"
    bad.write_text("00" * 31 + "zz")
    os.chmod(bad, 0o600)
    result = run("keys", "show", "--key-file", str(bad))
    assert result.exit_code == 2 and "not 64 hex" in result.stderr and "00" * 31 not in result.stderr
    env = run("keys", "show", "--state-dir", str(tmp_path / "x"), env={ENV_KEY: "ab" * 31 + "q!"})
    assert env.exit_code == 2 and "ab" * 31 not in _all_text(env)


def test_rotate_vault_adds_key_and_keeps_token_key(run, tmp_path):
    state = tmp_path / "state"
    run("keys", "create", "--state-dir", str(state))
    before = read_key_file(state / "key.json")
    for _ in range(2):
        result = run("keys", "rotate-vault", "--state-dir", str(state))
        assert result.exit_code == 0, result.output
    after = read_key_file(state / "key.json")
    assert after.key_id == before.key_id and after.token_key_hex == before.token_key_hex
    assert [k.retired for k in after.vault_keys()] == [True, True, False]
    assert stat.S_IMODE(os.stat(state / "key.json").st_mode) == 0o600
    doc = json.loads((state / "key.json").read_text())
    assert {"version", "key_id", "master", "created", "vault_keys"} == doc.keys()
    info = json.loads(run("keys", "show", "--state-dir", str(state), "--format", "json").stdout)
    assert info["current_vault_key"] == after.current_vault_key().id
    assert all(e["secret"] not in json.dumps(info) for e in doc["vault_keys"])


def test_rotate_vault_refuses_env_key(run, tmp_path):
    result = run("keys", "rotate-vault", env={ENV_KEY: "11" * 32})
    assert result.exit_code == 2 and "needs a key.json" in result.stderr
