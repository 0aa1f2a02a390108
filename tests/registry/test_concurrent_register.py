"""Scans registering at the same time (real processes): no registration is lost, and none
exits 2 after writing its outputs; a name taken later is a warning, the outputs stay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from scanner.api import ScanResult
from scanner.cli import main
from scanner.privacy.keys import ENV_KEY, HOME_ENV, KEY_FILE_NAME, write_new_key
from scanner.registry import open_registry

ROOT = Path(__file__).resolve().parents[2]
SCANS = 4


def _lists(tmp: Path) -> list[Path]:
    paths = []
    for i in range(SCANS):
        path = tmp / f"list{i}.csv"
        prefix = ("138", "139", "186", "150")[i]
        rows = [f"{prefix}{j:08d}" for j in range(20 + i)]  # list i: 20 + i numbers of its own
        path.write_text("phone\n" + "\n".join(rows) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def _run_together(tmp: Path, names: list[str]) -> list[tuple[int, str, Path]]:
    env = {k: v for k, v in os.environ.items() if k not in (HOME_ENV, ENV_KEY)}
    procs = []
    for i, (path, name) in enumerate(zip(_lists(tmp), names)):
        out = tmp / f"out{i}"
        procs.append((subprocess.Popen(
            [sys.executable, "-m", "scanner", "scan", str(path), "--out", str(out), "--state-dir",
             str(tmp / "st"), "--register", name, "--fail-on", "never", "--no-progress"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True), out))
    return [(p.wait(timeout=300), p.stderr.read(), out) for p, out in procs]


def _registered(state: Path) -> dict[str, int]:
    return {i.name: i.token_count for i in open_registry(state).list()}


def _check_outcomes(results) -> None:
    for code, stderr, out in results:
        assert "Traceback" not in stderr, stderr
        if code == 2:  # refused: only before anything was written
            assert not out.exists(), stderr
        else:
            assert code == 0 and (out / "report.json").exists(), stderr


def test_four_scans_register_different_names(tmp_path):
    write_new_key(tmp_path / "st" / KEY_FILE_NAME)
    names = [f"vendor-{i}" for i in range(SCANS)]
    results = _run_together(tmp_path, names)
    _check_outcomes(results)
    assert [code for code, _, _ in results] == [0] * SCANS
    assert _registered(tmp_path / "st") == {f"vendor-{i}": 20 + i for i in range(SCANS)}


def test_four_scans_register_the_same_name(tmp_path):
    """Four scans registering one name at once: four versions, none lost."""
    write_new_key(tmp_path / "st" / KEY_FILE_NAME)
    results = _run_together(tmp_path, ["same"] * SCANS)
    _check_outcomes(results)
    assert [code for code, _, _ in results] == [0] * SCANS
    registered = _registered(tmp_path / "st")
    assert sorted(registered) == ["same", "same@v2", "same@v3", "same@v4"]
    assert sorted(registered.values()) == [20 + i for i in range(SCANS)]
    infos = open_registry(tmp_path / "st").list()
    assert sorted(i.version for i in infos) == [1, 2, 3, 4] and {i.family for i in infos} == {"same"}


def test_name_taken_before_the_scan_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_new_key(tmp_path / "st" / KEY_FILE_NAME)
    [first, second, *_] = _lists(tmp_path)
    args = ["--state-dir", "st", "--fail-on", "never", "--no-progress"]
    assert CliRunner().invoke(main, ["scan", str(first), "--out", "a", "--register", "x", *args]).exit_code == 0
    # (a scan registering a taken name adds a version: tests/review; `registry add` refuses)
    refused = CliRunner().invoke(main, ["registry", "add", str(second), "--name", "x", "--state-dir", "st"])
    assert refused.exit_code == 2 and "already registered" in refused.stderr
    other_key = write_new_key(tmp_path / "other" / KEY_FILE_NAME)
    refused = CliRunner().invoke(main, ["scan", str(second), "--out", "b", "--register", "y", *args,
                                        "--key-file", str(other_key.file)])
    assert refused.exit_code == 2 and "tokens of different keys never match" in refused.stderr
    assert not (tmp_path / "b").exists()
    assert _registered(tmp_path / "st") == {"x": 20}


def test_name_taken_while_writing_becomes_a_version(tmp_path, monkeypatch):
    """Another process registers the name between the scan's check and its registration."""
    monkeypatch.chdir(tmp_path)
    keys = write_new_key(tmp_path / "st" / KEY_FILE_NAME)
    [first, second, *_] = _lists(tmp_path)
    real_write = ScanResult.write

    def write_while_another_registers(self, out_dir, *a, **kw):
        # the scan registers once its outputs are staged, inside write
        other = CliRunner().invoke(main, ["registry", "add", str(second), "--name", "x", "--state-dir", "st"])
        assert other.exit_code == 0, other.output
        return real_write(self, out_dir, *a, **kw)

    monkeypatch.setattr(ScanResult, "write", write_while_another_registers)
    result = CliRunner().invoke(main, ["scan", str(first), "--out", "a", "--register", "x",
                                       "--state-dir", "st", "--no-progress"])
    assert "registered 'x@v2' (version 2 of 'x')" in result.stderr
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    # the exit code follows the verdict (no consent column: the list fails)
    assert report["list"]["verdict"] == "fail" and result.exit_code == 1
    assert report["scan"]["key_id"] == keys.key_id
    assert _registered(tmp_path / "st") == {"x": 21, "x@v2": 20}
