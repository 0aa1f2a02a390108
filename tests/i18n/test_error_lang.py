"""Every error message in Chinese: each typed error and command-line message is an English
template with its values, so ``--lang zh`` shows the whole line in Chinese; what stays
Latin is only codes, paths, file names, numbers, keys and options.

Two checks: statically, no error is raised with a message built in place (an f-string, a
concatenation, a ``.format()``) that the catalog could not hold, and the catalog extraction
skips no message; at run time, a table of inputs that trigger errors all over the tool
(input, policy, keys, state folder, registry, certificate, review, usage errors of click)
runs with ``--lang zh`` and each error line has no English prose left.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.i18n.catalog import ERRORS, extracted

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
#: Errors whose message is a :class:`scanner.i18n.Text` made by the function named.
MESSAGE_MAKERS = {"_invalid", "_name_taken", "_exposure_message", "canary_detail", "cause", "Text"}


def _raised_messages():
    """(file, line, message node) of every typed error made in the package."""
    typed = set(ERRORS) | {"VaultTampered", "AuditChainBroken"}
    for path in sorted((ROOT / "scanner").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in typed \
                    and node.args:
                yield path.relative_to(ROOT), node.lineno, node.args[0]


def test_every_error_message_is_a_template_the_catalog_holds():
    built = []
    for where, line, message in _raised_messages():
        if isinstance(message, ast.Constant) and isinstance(message.value, str):
            continue
        if isinstance(message, ast.Call) and getattr(message.func, "id", None) in MESSAGE_MAKERS:
            continue
        if isinstance(message, (ast.Name, ast.Attribute)):  # a Text passed on (exc.text, check.reason, problem)
            continue
        built.append(f"{where}:{line}: {ast.dump(message)[:80]}")
    assert built == []


def test_the_catalog_extraction_skips_no_message(capfd):
    extracted()
    assert "Skipping" not in capfd.readouterr().err


#: What may stay Latin in a Chinese error line: absolute paths, quoted values, options,
#: keys and [sections], file names, key ids, class names and codes, the command names (and
#: click's name for the program run in-process), the policy's table and column keys, and
#: the names of tools and formats.
PATH = re.compile(r"/[^\s：；，（）()]*")
ALLOWED = re.compile(
    r"'[^']*'|\"[^\"]*\"|`[^`]*`|--[\w-]+|\[\[?[\w.]+\]\]?|\$\w+|\b\w+(?:[.\[\]*]+\w*)+|\b\w+_\w+\b|\b[\w-]+\.\w{2,7}\b"
    r"|\b[0-9a-f]{16,}\b|\b[A-Z][a-z]+[A-Z]\w*\b|\b[A-Z0-9]{2,}(?:-\d+)?\b"
    r"|\b(?:sha256|contact-scanner|phonenumbers|polars|DuckDB|Parquet|Excel|Python|ssh|chmod|chown|go-w|uid|strftime"
    r"|IANA|ISO|base64|Ed25519|utf-8-sig|utf-8|gb18030|zip|python|scanner|scan|rules|keys|show|verify|reveal"
    r"|review|apply|registry|INPUT|OUT_DIR|SHEET|COMMAND|ARGS|OPTIONS|Asia/Shanghai|CN|en|zh|main)\b")


def _keys() -> set[str]:
    from scanner.ingest.column_map import CANONICAL
    from scanner.policy import TABLES

    commands = set(main.commands)
    for group in main.commands.values():
        commands |= set(getattr(group, "commands", {}))
    return set(TABLES) | set(CANONICAL) | commands


KEYS = _keys()


def english_words(line: str) -> list[str]:
    line = ALLOWED.sub(" ", PATH.sub(" ", line))
    return [w for w in re.findall(r"[A-Za-z]{2,}", line) if w not in KEYS]


POLICIES = {
    "unknown-key": '[campaign]\nchanel = "sms"\n', "unknown-table": "[campain]\n", "toml": "[campaign\n",
    "negative": "[consent]\nmax_age_days = -1\n", "type": '[consent]\nmax_age_days = "x"\n',
    "region": '[campaign]\nregion = "XX"\n', "nameless": "[[sources]]\naliases = []\n", "detect": "[detect]\nnope = 1\n",
    "override": '[columns]\nphone = "nope"\n',
}


def _bad_policy(tmp: Path, name: str) -> str:
    return str(tmp / f"policy-{name}.toml")


def _prepare(tmp: Path) -> None:
    """The files the cases read."""
    for name, text in POLICIES.items():
        (tmp / f"policy-{name}.toml").write_text(text, "utf-8")
    (tmp / "empty.csv").write_bytes(b"")
    (tmp / "binary.csv").write_bytes(b"\x00\x01\x02" * 100)
    (tmp / "nophone.csv").write_text("a,b\nx,y\n", "utf-8")
    (tmp / "bad.json").write_text('[{"phone": "1"} {"phone": 2}]', "utf-8")
    (tmp / "notjson.json").write_text("not json", "utf-8")
    (tmp / "sheet.txt").write_text("x", "utf-8")
    (tmp / "afile").write_text("x", "utf-8")
    (tmp / "open").mkdir(mode=0o777)
    os.chmod(tmp / "open", 0o777)
    (tmp / "key-open.json").write_text(json.dumps({"version": 1}), "utf-8")
    os.chmod(tmp / "key-open.json", 0o644)
    (tmp / "key-empty.json").write_text("", "utf-8")
    os.chmod(tmp / "key-empty.json", 0o600)


def _cases(tmp: Path) -> dict[str, list[str]]:
    crm = str(SAMPLE / "crm_export_gb18030.csv")
    scan = ["scan", crm, "--out", str(tmp / "o"), "--state-dir", str(tmp / "state"), "--no-progress"]
    return {
        "missing input": ["scan", str(tmp / "missing.csv"), "--out", str(tmp / "o")],
        "empty input": ["scan", str(tmp / "empty.csv"), "--out", str(tmp / "o"), "--state-dir", str(tmp / "state")],
        "binary input": ["scan", str(tmp / "binary.csv"), "--out", str(tmp / "o"), "--state-dir", str(tmp / "state")],
        "no phone column": ["scan", str(tmp / "nophone.csv"), "--out", str(tmp / "o"), "--state-dir",
                            str(tmp / "state")],
        "invalid JSON": ["scan", str(tmp / "bad.json"), "--out", str(tmp / "o"), "--state-dir", str(tmp / "state")],
        "policy unknown key": [*scan, "--policy", _bad_policy(tmp, 'unknown-key')],
        "policy unknown table": [*scan, "--policy", _bad_policy(tmp, "unknown-table")],
        "policy invalid TOML": [*scan, "--policy", _bad_policy(tmp, "toml")],
        "policy bad value": [*scan, "--policy", _bad_policy(tmp, "negative")],
        "policy wrong type": [*scan, "--policy", _bad_policy(tmp, 'type')],
        "policy bad region": [*scan, "--policy", _bad_policy(tmp, 'region')],
        "policy source without name": [*scan, "--policy", _bad_policy(tmp, "nameless")],
        "policy detect": [*scan, "--policy", _bad_policy(tmp, 'detect')],
        "policy column override": [*scan, "--policy", _bad_policy(tmp, 'override')],
        "bad --as-of": [*scan, "--as-of", "yesterday"],
        "state folder is a file": ["keys", "show", "--state-dir", str(tmp / "afile")],
        "state folder open to all": ["keys", "show", "--state-dir", str(tmp / "open")],
        "no key yet": ["keys", "show", "--state-dir", str(tmp / "fresh")],
        "key file open to all": ["keys", "show", "--key-file", str(tmp / "key-open.json")],
        "key file empty": ["keys", "show", "--key-file", str(tmp / "key-empty.json")],
        "not a scan folder": ["reveal", str(tmp), "--to", str(tmp / "x.csv"), "--reason", "audit",
                              "--state-dir", str(tmp / "state")],
        "reason with a number": ["reveal", str(tmp), "--to", str(tmp / "x.csv"), "--reason", "call 13800138000",
                                 "--state-dir", str(tmp / "state")],
        "unknown registered list": ["registry", "show", "nope", "--state-dir", str(tmp / "state")],
        "certificate missing": ["verify", str(tmp / "cert.json"), crm, "--public-key", str(tmp / "k.pem")],
        "certificate not JSON": ["verify", str(tmp / "notjson.json"), crm, "--public-key",
                                 str(tmp / "notjson.json")],
        "review sheet kind": ["review", "apply", str(tmp / "sheet.txt"), str(tmp / "o"), "--state-dir",
                              str(tmp / "state")],
        "unknown rule": ["rules", "ZZ999"],
        "unknown option": ["scan", "--bogus"],
        "missing argument": ["scan"],
        "bad choice": ["scan", crm, "--fail-on", "sometimes"],
        "unknown command": ["ledger", "add"],
    }


@pytest.fixture(scope="module")
def zh_errors(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("errors")
    _prepare(tmp)
    runner = CliRunner()
    assert runner.invoke(main, ["keys", "create", "--state-dir", str(tmp / "state")]).exit_code == 0
    out = {}
    for name, args in _cases(tmp).items():
        result = runner.invoke(main, ["--lang", "zh", *args])
        out[name] = (result.exit_code, result.stderr, result.output)
    return tmp, out


@pytest.mark.parametrize("name", list(_cases(Path("/nonexistent")).keys()))
def test_the_error_is_chinese_through_and_through(zh_errors, name):
    tmp, out = zh_errors
    code, stderr, output = out[name]
    assert code in (1, 2), (name, output)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, output
    error = [line for line in lines if line.startswith(("contact-scanner: 错误", "错误："))]
    assert len(error) == 1, lines
    assert re.search(r"[\u4e00-\u9fff]", error[0].split("错误", 1)[1]), error[0]
    for line in lines:  # click's usage lines too
        assert english_words(line) == [], line


def test_the_check_would_find_english_left_in_a_line():
    assert english_words("contact-scanner: 错误: /x/a.csv: 找不到文件 (file not found)") == ["file", "not", "found"]
    assert english_words("contact-scanner: 错误: /x/p.toml: campaign.chanel: 未知的键 --out 'web form'") == []
    assert english_words("未知的表 [campain]（已知：campaign, consent），phone = 'x'") == []


def test_english_errors_are_unchanged(tmp_path):
    """The templates give the same English lines as before (scripts match them)."""
    env = {"LANG": "C.UTF-8", "LC_ALL": None, "LANGUAGE": None}
    _prepare(tmp_path)
    cases = _cases(tmp_path)
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["keys", "create", "--state-dir", str(tmp_path / "state")]).exit_code == 0
    expected = {
        "no phone column": "nophone.csv: no phone column found (columns: a: text (1 distinct of 1); b: consent values "
                           "(100%)); name one with [columns] phone = \"<header>\"",
        "policy unknown key": ": campaign.chanel: unknown key",
        "policy invalid TOML": ": invalid TOML: Expected ']' at the end of a table declaration (at line 1, "
                               "column 10)",
        "invalid JSON": "bad.json: invalid JSON: Expecting ',' delimiter at line 1 column 17",
        "policy bad value": ": consent.max_age_days: must be positive",
        "unknown rule": "unknown rule code 'ZZ999'; `contact-scanner rules` lists them",
    }
    for name, tail in expected.items():
        result = runner.invoke(main, cases[name])
        assert result.stderr.startswith("contact-scanner: error: "), result.stderr
        assert result.stderr.strip().endswith(tail), (name, result.stderr)
