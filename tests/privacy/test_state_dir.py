"""The state folder is found like git finds .git; every command says which folder and key it
used; a key is created only where no state folder exists; unsafe folders and keys are refused."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.errors import KeyMaterialError
from scanner.privacy import keys as keys_module
from scanner.privacy.keys import ENV_KEY, HOME_ENV, KEY_FILE_NAME, read_key_file, write_new_key
from scanner.privacy.state import find_state_dir, per_user_dir

CSV = "phone,name,source\n13800138000,张三,官网注册\n+8613912345678,李四,门店登记\n"


@pytest.fixture()
def world(tmp_path, monkeypatch):
    """No override: the search runs from the current directory, the per-user folder is in tmp."""
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    project = tmp_path / "project"
    (project / "sub" / "deeper").mkdir(parents=True)
    (project / "list.csv").write_text(CSV, encoding="utf-8")
    return tmp_path, project


def cli(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def state_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("contact-scanner: state folder ")]


def test_resolution_order(world, monkeypatch):
    tmp, project = world
    outer, inner = project / ".contact-scanner", project / "sub" / ".contact-scanner"
    inner.mkdir(parents=True)
    outer.mkdir()
    deeper = project / "sub" / "deeper"
    assert find_state_dir(cwd=deeper).path == inner  # the nearest one wins
    assert find_state_dir(cwd=deeper).how == "found upward"
    assert find_state_dir(cwd=project).path == outer
    assert find_state_dir(cwd=tmp).path == tmp / "xdg" / "contact-scanner" == per_user_dir()
    assert find_state_dir(cwd=tmp).how == "per-user folder"
    monkeypatch.setenv(HOME_ENV, str(tmp / "env-home"))
    assert find_state_dir(cwd=deeper).path == tmp / "env-home"
    assert find_state_dir(tmp / "explicit", cwd=deeper).path == tmp / "explicit"
    assert find_state_dir(tmp / "explicit").how == "--state-dir"


def test_scan_from_a_subfolder_uses_the_project_key(world, monkeypatch):
    tmp, project = world
    created = cli("keys", "create", "--state-dir", project / ".contact-scanner")
    assert created.exit_code == 0, created.output
    key_id = read_key_file(project / ".contact-scanner" / KEY_FILE_NAME).key_id
    monkeypatch.chdir(project / "sub" / "deeper")
    result = cli("scan", project / "list.csv", "--out", tmp / "out", "--no-progress", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    [line] = state_lines(result)
    assert str(project / ".contact-scanner") in line and "(found upward)" in line and key_id in line
    assert json.loads((tmp / "out" / "report.json").read_text())["scan"]["key_id"] == key_id
    assert not (tmp / "xdg").exists()  # no second key anywhere
    assert "created" not in result.stderr


def test_new_key_only_where_no_state_folder_exists(world, monkeypatch):
    tmp, project = world
    monkeypatch.chdir(project)
    first = cli("scan", "list.csv", "--out", tmp / "out1", "--no-progress", "--fail-on", "never")
    assert first.exit_code == 0, first.output
    home = tmp / "xdg" / "contact-scanner"
    key_id = read_key_file(home / KEY_FILE_NAME).key_id
    # the notice names the folder and asks for a backup, in one line
    [notice] = [line for line in first.stderr.splitlines() if "created" in line]
    assert str(home) in notice and "back this key up" in notice and key_id in notice
    assert (home.stat().st_mode & 0o777) == 0o700
    # run again from elsewhere: the same per-user key, no new one
    monkeypatch.chdir(tmp)
    second = cli("scan", project / "list.csv", "--out", tmp / "out2", "--no-progress", "--fail-on", "never")
    assert second.exit_code == 0 and "created" not in second.stderr
    [line] = state_lines(second)
    assert f"{home} (per-user folder)" in line and key_id in line


def test_state_folder_that_lost_its_key_is_not_given_a_new_one(world, monkeypatch):
    tmp, project = world
    state = project / ".contact-scanner"
    state.mkdir(mode=0o700)
    (state / "audit.log").write_text("")  # state without a key: the key was lost
    monkeypatch.chdir(project)
    result = cli("scan", "list.csv", "--out", tmp / "out", "--no-progress", "--fail-on", "never")
    assert result.exit_code == 2
    assert not (state / KEY_FILE_NAME).exists() and not (tmp / "out").exists()
    [line] = result.stderr.strip().splitlines()
    assert "no key.json" in line and "restore the key from your backup" in line
    # an empty .contact-scanner/ is a new state folder: the key is made there
    (state / "audit.log").unlink()
    made = cli("scan", "list.csv", "--out", tmp / "out", "--no-progress", "--fail-on", "never")
    assert made.exit_code == 0 and (state / KEY_FILE_NAME).exists()


def test_every_command_names_its_state_folder_and_key(tmp_path, monkeypatch):
    state = tmp_path / "st"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "list.csv").write_text(CSV, encoding="utf-8")
    key_id = write_new_key(state / KEY_FILE_NAME).key_id
    runs = [
        ("scan", "list.csv", "--out", "out", "--state-dir", state, "--no-progress", "--fail-on", "never"),
        ("keys", "show", "--state-dir", state),
        ("keys", "verify-audit", "--state-dir", state),
        ("registry", "add", "list.csv", "--name", "a", "--state-dir", state),
        ("registry", "list", "--state-dir", state),
        ("canary", "list", "--state-dir", state),
        ("reveal", "out", "--to", "x.csv", "--reason", "import", "--state-dir", state),
    ]
    for args in runs:
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)
        [line] = state_lines(result)
        assert f"{state} (--state-dir)" in line, args
        if args[:2] != ("registry", "list"):
            assert f"key {key_id} from {state / KEY_FILE_NAME}" in line, args
    env_home = cli("keys", "show", env={HOME_ENV: str(state)})
    assert f"{state} (${HOME_ENV})" in state_lines(env_home)[0]


def test_state_dir_option_declared_once():
    """--state-dir comes from one declaration (options.state_options) everywhere."""
    root = Path(__file__).resolve().parents[2] / "scanner"
    declared = re.compile(r'option\(\s*"--state-dir"')
    hits = [p for p in root.rglob("*.py") if declared.search(p.read_text("utf-8"))]
    assert [p.relative_to(root).as_posix() for p in hits] == ["commands/options.py"]


def test_audit_log_lives_beside_the_key_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "list.csv").write_text(CSV, encoding="utf-8")
    other = tmp_path / "x"
    write_new_key(other / KEY_FILE_NAME)
    here = tmp_path / "work" / ".contact-scanner"
    write_new_key(here / KEY_FILE_NAME)
    scanned = cli("scan", "list.csv", "--out", "out", "--key-file", other / KEY_FILE_NAME, "--no-progress", "--fail-on", "never")
    assert scanned.exit_code == 0, scanned.output
    monkeypatch.delenv(HOME_ENV)
    monkeypatch.chdir(tmp_path / "work")
    result = cli("reveal", "../out", "--to", "../x.csv", "--reason", "import",
                 "--key-file", "../x/key.json")
    assert result.exit_code == 0, result.output
    assert len((other / "audit.log").read_text().splitlines()) == 1
    assert not (here / "audit.log").exists()
    assert f"audited in {Path('../x') / 'audit.log'}" in result.stdout


# -- ssh-like refusals ------------------------------------------------------------------


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.strip().splitlines() if line not in state_lines(result)]
    assert len(lines) == 1 and "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture()
def state(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "list.csv").write_text(CSV, encoding="utf-8")
    folder = tmp_path / "st"
    write_new_key(folder / KEY_FILE_NAME)
    return folder


def test_symlinked_key_refused(state, tmp_path):
    real = tmp_path / "real-key.json"
    (state / KEY_FILE_NAME).rename(real)
    (state / KEY_FILE_NAME).symlink_to(real)
    line = _one_error_line(cli("keys", "show", "--state-dir", state))
    assert "symbolic link" in line and "replace the link" in line
    line = _one_error_line(cli("scan", "list.csv", "--out", "out", "--state-dir", state))
    assert "symbolic link" in line and not (tmp_path / "out").exists()
    assert real.exists()  # never replaced or followed into


def test_foreign_key_owner_refused(state, tmp_path):
    os.chown(state / KEY_FILE_NAME, 4242, -1)
    line = _one_error_line(cli("scan", "list.csv", "--out", "out", "--state-dir", state))
    assert "belongs to uid 4242" in line and "chown" in line
    assert not (tmp_path / "out").exists()


def test_foreign_state_folder_refused(state, tmp_path):
    os.chown(state, 4242, -1)
    line = _one_error_line(cli("keys", "show", "--state-dir", state))
    assert "state folder belongs to uid 4242" in line


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_writable_state_folder_refused(state, tmp_path, mode):
    os.chmod(state, mode)
    line = _one_error_line(cli("scan", "list.csv", "--out", "out", "--state-dir", state))
    assert "writable by group or others" in line and f"chmod go-w {state}" in line
    assert not (tmp_path / "out").exists()
    os.chmod(state, 0o755)  # readable by others is fine (the key itself is 0600)
    assert cli("keys", "show", "--state-dir", state).exit_code == 0


def test_symlinked_audit_log_refused(state, tmp_path):
    assert cli("scan", "list.csv", "--out", "out", "--state-dir", state, "--fail-on", "never").exit_code == 0
    target = tmp_path / "elsewhere.log"
    target.write_text("")
    (state / "audit.log").symlink_to(target)
    line = _one_error_line(cli("reveal", "out", "--to", "x.csv", "--reason", "import", "--state-dir", state))
    assert "audit log is a symbolic link" in line
    assert target.read_text() == "" and not (tmp_path / "x.csv").exists()


# -- empty, damaged and atomic key files -----------------------------------------------------


@pytest.mark.parametrize("content, words", [
    (b"", "key file is empty"),
    (b'{"version": 1, "key_id": "ab", "mas', "damaged (truncated or edited JSON)"),
    (b"\xff\xfe\x00junk", "damaged (not text)"),
])
def test_empty_or_damaged_key_one_line(state, content, words):
    (state / KEY_FILE_NAME).write_bytes(content)
    os.chmod(state / KEY_FILE_NAME, 0o600)
    line = _one_error_line(cli("keys", "show", "--state-dir", state))
    assert words in line and "restore key.json from your backup" in line


def test_key_creation_failure_leaves_no_key(tmp_path, monkeypatch):
    folder = tmp_path / "st"

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keys_module.os, "fsync", full)
    with pytest.raises(KeyMaterialError, match="No space left on device"):
        write_new_key(folder / KEY_FILE_NAME)
    assert not folder.exists()  # neither a key, its temp file nor the folder made for it


def test_key_creation_never_overwrites(tmp_path):
    path = tmp_path / "st" / KEY_FILE_NAME
    first = write_new_key(path)
    before = path.read_bytes()
    with pytest.raises(KeyMaterialError, match="another process created a key"):
        write_new_key(path)
    assert path.read_bytes() == before and read_key_file(path).key_id == first.key_id
    assert sorted(p.name for p in path.parent.iterdir()) == [KEY_FILE_NAME]


def _limited():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16, 16))


def test_key_creation_on_a_real_file_size_limit(tmp_path):
    """A real write failure (RLIMIT_FSIZE, SIGXFSZ ignored): exit 2, one line, no key."""
    env = {k: v for k, v in os.environ.items() if k not in (HOME_ENV, ENV_KEY)}
    folder = tmp_path / "st"
    proc = subprocess.run([sys.executable, "-m", "scanner", "keys", "create", "--state-dir", str(folder)],
                          capture_output=True, text=True, env=env, preexec_fn=_limited, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 2, proc.stderr
    assert "cannot write the new key (File too large)" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not folder.exists()


def test_key_creation_without_hard_links(tmp_path, monkeypatch):
    """On a filesystem without hard links the key is renamed into place, still never over one."""
    def no_links(src, dst):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(keys_module.os, "link", no_links)
    path = tmp_path / "st" / KEY_FILE_NAME
    made = write_new_key(path)
    assert read_key_file(path).key_id == made.key_id
    with pytest.raises(KeyMaterialError, match="another process created a key"):
        write_new_key(path)
    assert read_key_file(path).key_id == made.key_id
    assert sorted(p.name for p in path.parent.iterdir()) == [KEY_FILE_NAME]
