"""``contact-scanner registry`` commands: add/list/show/remove, errors, no numbers printed."""

from __future__ import annotations

import json

from click.testing import CliRunner

from scanner.cli import main

NUMBERS = [f"1380013{i:04d}" for i in range(0, 400, 3)]


def run(*args, env):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_registry_commands_round_trip(tmp_path):
    env = {"CONTACT_SCANNER_HOME": str(tmp_path / "state"), "CONTACT_SCANNER_KEY": ""}
    src = tmp_path / "list.csv"
    src.write_text("手机号,姓名\n" + "".join(f"{n},张三\n" for n in NUMBERS) + "not-a-number,李四\n", "utf-8")
    assert "no registered lists" in run("registry", "list", env=env).output
    res = run("registry", "add", str(src), "--name", "expo-2025", "--source", "expo", env=env)
    assert res.exit_code == 0, res.output
    res = run("registry", "list", "--format", "json", env=env)
    [entry] = json.loads(res.stdout)
    assert (entry["name"], entry["source"], entry["token_count"], entry["row_count"]) == (
        "expo-2025", "expo", len(NUMBERS), len(NUMBERS) + 1)
    shown = run("registry", "show", "expo-2025", env=env).output
    assert "expo" in shown
    res = run("registry", "add", str(src), "--name", "expo-2025", env=env)
    assert res.exit_code == 2 and "already registered" in res.output
    res = run("registry", "show", "nope", env=env)
    assert res.exit_code == 2 and "no registered list" in res.output
    assert run("registry", "remove", "expo-2025", env=env).exit_code == 0
    assert "no registered lists" in run("registry", "list", env=env).output
    everything = "".join([shown, res.output])
    for n in NUMBERS:
        assert n not in everything and n[-4:] + "," not in everything


def test_corrupt_registry_is_reported_with_exit_2(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "registry.duckdb").write_bytes(b"junk" * 100)
    res = run("registry", "list", env={"CONTACT_SCANNER_HOME": str(state)})
    assert res.exit_code == 2 and "not a contact-scanner registry" in res.output
    assert (state / "registry.duckdb").read_bytes() == b"junk" * 100


def test_key_file_makes_the_readers_check_the_registry_key(tmp_path):
    from scanner.privacy.keys import write_new_key

    env = {"CONTACT_SCANNER_HOME": str(tmp_path / "state"), "CONTACT_SCANNER_KEY": ""}
    src = tmp_path / "list.csv"
    src.write_text("手机号\n" + "".join(f"{n}\n" for n in NUMBERS), "utf-8")
    assert run("registry", "add", str(src), "--name", "crm", env=env).exit_code == 0
    own = run("registry", "list", "--key-file", str(tmp_path / "state" / "key.json"), env=env)
    assert own.exit_code == 0 and "crm" in own.output
    write_new_key(tmp_path / "other" / "key.json")
    for args in (["list"], ["show", "crm"], ["remove", "crm"]):
        other = CliRunner().invoke(main, ["registry", *args, "--key-file", str(tmp_path / "other" / "key.json")],
                                   env=env)
        assert other.exit_code == 2 and "tokens of different keys never match" in other.stderr, other.output
    assert "crm" in run("registry", "list", env=env).output
