"""What the other commands print, in Chinese: keys, signing, registry, suppress, ledger,
canary and reveal say what they did in the language chosen, with no English prose left
(codes, paths, keys, ids and values from the input excepted, as for error lines)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from tests.i18n.test_error_lang import english_words

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
POOL = [f"1390000{i:04d}" for i in range(60)]


@pytest.fixture(scope="module")
def said(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("commands")
    state = str(tmp / "state")
    (tmp / "pool.txt").write_text("\n".join(POOL) + "\n", "utf-8")
    (tmp / "one.txt").write_text(POOL[0] + "\n", "utf-8")
    (tmp / "dnc.txt").write_text(POOL[1] + "\n", "utf-8")
    (tmp / "other.txt").write_text("13700001111\n", "utf-8")
    crm = str(SAMPLE / "crm_export_gb18030.csv")
    runs = {
        "keys create": ["keys", "create", "--state-dir", state],
        "keys show": ["keys", "show", "--state-dir", state],
        "keys rotate-vault": ["keys", "rotate-vault", "--state-dir", state],
        "keys signing": ["keys", "signing", "--out", str(tmp / "sig")],
        "scan": ["scan", crm, "--policy", str(SAMPLE / "policy.toml"), "--out", str(tmp / "out"), "--state-dir", state,
                 "--as-of", "2026-11-23", "--no-progress", "--fail-on", "never", "--no-html"],
        "reveal": ["reveal", str(tmp / "out"), "--to", str(tmp / "numbers.csv"), "--reason", "审计",
                   "--state-dir", state],
        "keys verify-audit": ["keys", "verify-audit", "--state-dir", state],
        "registry add": ["registry", "add", crm, "--name", "crm", "--policy", str(SAMPLE / "policy.toml"),
                         "--state-dir", state],
        "registry list": ["registry", "list", "--state-dir", state],
        "registry show": ["registry", "show", "crm", "--state-dir", state],
        "registry remove": ["registry", "remove", "crm", "--state-dir", state],
        "suppress add": ["suppress", "add", str(tmp / "dnc.txt"), "--reason", "退订", "--state-dir", state],
        "suppress list": ["suppress", "list", "--state-dir", state],
        "suppress export": ["suppress", "export", "--to", str(tmp / "dnc.csv"), "--state-dir", state],
        "ledger append": ["ledger", "append", str(tmp / "consent.jsonl"), "--phone", str(tmp / "one.txt"),
                          "--action", "grant", "--channel", "sms", "--purpose", "marketing", "--evidence", "form-7",
                          "--state-dir", state],
        "ledger verify": ["ledger", "verify", str(tmp / "consent.jsonl"), "--state-dir", state],
        "ledger checkpoint": ["ledger", "checkpoint", str(tmp / "consent.jsonl"), "--signing-key",
                              str(tmp / "sig" / "signing-key.pem"), "--state-dir", state],
        "canary issue": ["canary", "issue", "--recipient", "vendor-a", "--pool", str(tmp / "pool.txt"), "--count", "6",
                         "--to", str(tmp / "canaries.csv"), "--state-dir", state],
        "canary list": ["canary", "list", "--state-dir", state],
        "canary check": ["canary", "check", str(tmp / "other.txt"), "--state-dir", state],
    }
    runner = CliRunner()
    out = {}
    for name, args in runs.items():
        result = runner.invoke(main, ["--lang", "zh", *args])
        out[name] = result
    return out


NAMES = ["keys create", "keys show", "keys rotate-vault", "keys signing", "reveal", "keys verify-audit",
         "registry add", "registry list", "registry show", "registry remove", "suppress add", "suppress list",
         "suppress export", "ledger append", "ledger verify", "ledger checkpoint", "canary issue", "canary list",
         "canary check"]


@pytest.mark.parametrize("name", NAMES)
def test_the_command_says_what_it_did_in_chinese(said, name):
    result = said[name]
    assert result.exit_code == 0, (name, result.output)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines, name
    for line in lines:
        # values from the command line and the store (names, scopes, a key's origin, a scheme's name)
        line = re.sub(r"--rows \w+|\b[\w-]+/v\d+\b", " ", line)
        words = [w for w in english_words(line) if w not in ("vendor", "crm", "form", "grant", "sms", "marketing",
                                                             "all", "manual", "master")]
        assert words == [], line
