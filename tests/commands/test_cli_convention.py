"""One command-line convention, checked on every command (README "Commands"):

* ``--out DIR`` names a folder and ``--to FILE`` a file (the old ``--out FILE`` spellings
  still work, hidden, with a one-line deprecation notice);
* ``--format text|json`` on every command that reports;
* ``--state-dir`` and ``--key-file`` on every command that touches state (declared once:
  tests/privacy/test_state_dir.py);
* choices are case-insensitive;
* one error style: ``contact-scanner: error: ...`` on stderr, exit 2 for usage errors, no
  traceback and no click ``Usage:`` block.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import scanner
from scanner.cli import leaf_commands, main

#: Commands that touch no state: ``rules`` prints the code registry's documentation.
NO_STATE = {"rules"}
#: The old ``--out FILE`` spellings kept for one minor version.
OUT_ALIASES = {"certify", "canary issue", "ledger checkpoint"}
CSV = "手机号,来源,是否同意\n13800138000,官网注册,是\n13912345678,官网注册,是\n"


def _options(cmd: click.Command) -> dict[str, click.Option]:
    return {name: p for p in cmd.params if isinstance(p, click.Option) for name in p.opts}


@pytest.mark.parametrize("path,cmd", list(leaf_commands()), ids=[p for p, _ in leaf_commands()])
def test_the_options_follow_the_convention(path, cmd):
    opts = _options(cmd)
    if "--to" in opts:
        assert isinstance(opts["--to"].type, click.Path) and not opts["--to"].type.dir_okay, path
    if "--out" in opts:
        out = opts["--out"]
        if out.hidden:  # the deprecated spelling of --to
            assert path in OUT_ALIASES and "--to" in opts and not out.type.dir_okay
        else:
            assert isinstance(out.type, click.Path) and not out.type.file_okay, f"{path}: --out must be a folder"
    for param in cmd.params:
        if isinstance(param.type, click.Choice):
            assert not param.type.case_sensitive, (path, param.name)
    fmt = opts.get("--format")
    assert fmt is not None and {"text", "json"} <= set(fmt.type.choices), f"{path}: --format text|json"
    assert fmt.default == "text"
    if path in NO_STATE:
        return
    assert "--state-dir" in opts and "--key-file" in opts, path
    assert not opts["--state-dir"].type.file_okay and not opts["--key-file"].type.dir_okay


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTACT_SCANNER_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("CONTACT_SCANNER_KEY", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("args", [
    ["scan", "x.csv", "--fail-on", "sometimes"],
    ["scan", "--bogus"],
    ["scan"],
    ["ledger", "add"],
    ["reveal", "out", "--reason", "r"],
    ["ledger", "verify", "l.jsonl", "--checkpoint", "c.json"],
])
def test_usage_errors_have_the_one_error_style(cli, args):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("contact-scanner: error: "), lines
    assert "Usage:" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("args", [[], ["keys"], ["ledger"]])
def test_a_group_without_its_command_shows_its_help(cli, args):
    result = cli(*args)
    assert "Usage:" in result.output and "Commands:" in result.output and "error" not in result.output


def test_choices_take_any_case(cli, tmp_path):
    (tmp_path / "l.csv").write_text(CSV, encoding="utf-8")
    result = cli("scan", tmp_path / "l.csv", "--out", tmp_path / "o", "--fail-on", "NEVER", "--format", "JSON",
                 "--owner", "Own", "--no-html", "--as-of", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]["total"] == 2


def test_reveal_choices_are_the_librarys():
    from scanner.commands import reveal
    from scanner.privacy.reveal import FORMATS, ROW_CHOICES
    from scanner.privacy.safe_files import CSV_ENCODINGS

    assert (reveal.ROWS, reveal.NUMBER_FORMATS, reveal.CSV_ENCODINGS) == (ROW_CHOICES, FORMATS, CSV_ENCODINGS)


@pytest.fixture
def signed(cli, tmp_path):
    (tmp_path / "l.csv").write_text(CSV, encoding="utf-8")
    assert cli("keys", "signing", "--out", tmp_path / "sig").exit_code == 0
    return tmp_path / "l.csv", tmp_path / "sig" / "signing-key.pem", tmp_path / "sig" / "signing-key.pub.pem"


def _deprecation(result, old: str) -> None:
    notices = [line for line in result.stderr.splitlines() if "deprecated" in line]
    assert len(notices) == 1 and notices[0].startswith("contact-scanner: notice: ") and old in notices[0], \
        result.stderr


def test_certify_to_and_its_old_spelling(cli, tmp_path, signed):
    source, private, public = signed
    new = cli("certify", source, "--signing-key", private, "--to", tmp_path / "new.json", "--fail-on", "never")
    assert new.exit_code == 0 and "deprecated" not in new.stderr, new.output
    old = cli("certify", source, "--signing-key", private, "--out", tmp_path / "old.json", "--fail-on", "never")
    assert old.exit_code == 0, old.output
    _deprecation(old, "--out FILE")
    assert (tmp_path / "old.json").is_file() and (tmp_path / "old.html").is_file()
    assert cli("verify", tmp_path / "old.json", source, "--public-key", public).exit_code == 0
    both = cli("certify", source, "--signing-key", private, "--to", tmp_path / "a.json", "--out", tmp_path / "b.json")
    assert both.exit_code == 2 and "give only --to" in both.stderr
    missing = cli("certify", source, "--signing-key", private)
    assert missing.exit_code == 2 and "--to" in missing.stderr


def test_canary_issue_and_ledger_checkpoint_keep_out_for_a_minor_version(cli, tmp_path, signed):
    _source, private, _public = signed
    pool = tmp_path / "pool.txt"
    pool.write_text("".join(f"1380013{i:04d}\n" for i in range(200)))
    old = cli("canary", "issue", "--recipient", "acme", "--pool", pool, "--count", "8", "--out", tmp_path / "c.csv")
    assert old.exit_code == 0, old.output
    _deprecation(old, "--out FILE")
    assert (tmp_path / "c.csv").stat().st_mode & 0o777 == 0o600
    new = cli("canary", "issue", "--recipient", "globex", "--pool", pool, "--count", "8", "--to", tmp_path / "d.csv")
    assert new.exit_code == 0 and "deprecated" not in new.stderr, new.output

    ledger = tmp_path / "consent.jsonl"
    numbers = tmp_path / "n.txt"
    numbers.write_text("13800138000\n")
    assert cli("ledger", "append", ledger, "--phone", numbers, "--action", "grant", "--channel", "SMS",
               "--purpose", "marketing", "--evidence", "form-1").exit_code == 0
    old = cli("ledger", "checkpoint", ledger, "--signing-key", private, "--out", tmp_path / "cp.json")
    assert old.exit_code == 0, old.output
    _deprecation(old, "--out FILE")
    new = cli("ledger", "checkpoint", ledger, "--signing-key", private, "--to", tmp_path / "cp2.json",
              "--format", "json")
    assert new.exit_code == 0 and json.loads(new.stdout)["entries"] == 1


def test_reveal_format_keeps_the_number_formats_as_an_old_spelling(cli, tmp_path):
    (tmp_path / "l.csv").write_text(CSV, encoding="utf-8")
    assert cli("scan", tmp_path / "l.csv", "--out", tmp_path / "o", "--fail-on", "never", "--no-html",
               "--as-of", "2026-11-23").exit_code == 0
    old = cli("reveal", tmp_path / "o", "--to", tmp_path / "a.csv", "--reason", "campaign", "--rows", "all",
              "--format", "national")
    assert old.exit_code == 0, old.output
    _deprecation(old, "--format national")
    assert "13800138000" in (tmp_path / "a.csv").read_text() and "+86" not in (tmp_path / "a.csv").read_text()
    new = cli("reveal", tmp_path / "o", "--to", tmp_path / "b.csv", "--reason", "campaign", "--rows", "all",
              "--number-format", "NATIONAL", "--format", "json")
    assert new.exit_code == 0 and "deprecated" not in new.stderr, new.output
    report = json.loads(new.stdout)
    assert report["rows"] == 2 and "13800138000" not in new.stdout


def test_json_output_never_holds_a_secret_or_a_number(cli, tmp_path):
    (tmp_path / "l.csv").write_text(CSV, encoding="utf-8")
    pool = tmp_path / "pool.txt"
    pool.write_text("".join(f"1390013{i:04d}\n" for i in range(200)))
    outputs = [
        cli("keys", "create", "--format", "json"),
        cli("keys", "show", "--format", "json"),
        cli("registry", "add", tmp_path / "l.csv", "--name", "crm", "--format", "json"),
        cli("registry", "list", "--format", "json"),
        cli("canary", "issue", "--recipient", "acme", "--pool", pool, "--count", "8", "--to", tmp_path / "c.csv",
            "--format", "json"),
        cli("canary", "list", "--format", "json"),
        cli("canary", "check", tmp_path / "c.csv", "--format", "json"),
        cli("suppress", "add", tmp_path / "l.csv", "--reason", "complaint", "--format", "json"),
        cli("suppress", "list", "--format", "json"),
        cli("ledger", "append", tmp_path / "consent.jsonl", "--phone", tmp_path / "l.csv", "--action", "grant",
            "--channel", "sms", "--purpose", "marketing", "--evidence", "form-1", "--format", "json"),
        cli("ledger", "verify", tmp_path / "consent.jsonl", "--format", "json"),
    ]
    master = json.loads((tmp_path / "state" / "key.json").read_text())["master"]
    for result in outputs:
        assert result.exit_code in (0, 1), result.output
        doc = json.loads(result.stdout)
        assert master not in result.output and "1380013" not in result.output and "1390013" not in result.output
        assert doc is not None
    assert json.loads(outputs[6].stdout)["found"] is True  # canary check


def test_the_readme_lists_every_renamed_option():
    readme = (Path(scanner.__file__).parents[1] / "README.md").read_text("utf-8")
    renames = readme.split("### Renamed options", 1)[1].split("\n### ", 1)[0]
    hidden = sorted(path for path, cmd in leaf_commands() for p in cmd.params if getattr(p, "hidden", False))
    assert hidden == sorted(OUT_ALIASES)
    for path in [*OUT_ALIASES, "reveal"]:
        assert f"| `{path}` |" in renames, path


def test_a_bad_input_makes_no_new_key(cli, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1380013\n")
    for args in (["ledger", "append", tmp_path / "l.jsonl", "--phone", bad, "--action", "grant", "--channel", "sms",
                  "--purpose", "marketing", "--evidence", "e"],
                 ["canary", "issue", "--recipient", "acme", "--pool", bad, "--count", "4", "--to", tmp_path / "c.csv"]):
        result = cli(*args)
        assert result.exit_code == 2 and "line 1" in result.stderr, result.output
        assert not (tmp_path / "state").exists()
