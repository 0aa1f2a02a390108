"""The output folder as a whole: staged, committed by manifest.json, refused by readers when it
is partial, mixed or edited; a crash at any step of the commit leaves the old scan or the new
one as far as a reader can tell; the user's own files are never touched."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from scanner.api import scan
from scanner.policy import load_policy
from scanner.errors import InputError, KeyMaterialError, VerificationFailed
from scanner.manifest import (
    MANIFEST, build_manifest, canonical, manifest_bytes, manifest_mac, verify_folder,
)
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.reveal import reveal
from scanner.report import folder as folder_mod
from scanner.report.folder import STAGING_PREFIX, OutputFolder, sweep_leftovers

AS_OF = "2026-11-23T12:00:00+08:00"
HEADER = "name,phone,source,consent,consent_channel,consent_purpose,consent_date\n"
LIST_A = HEADER + "王小明,13800138000,web-form,yes,sms,marketing,2026-01-01\n李四,13912345678,web-form,yes,sms,marketing,2026-01-01\n"
LIST_B = LIST_A + "张三,13700137000,web-form,yes,sms,marketing,2026-01-01\n赵六,+8618912345678,web-form,no,sms,marketing,2026-01-01\n"
POLICY = Path(__file__).resolve().parent.parent / "sample_data" / "policy.toml"


def _scan(tmp_path, keys, text, out, vault=True, html=True):
    source = tmp_path / f"list-{len(text)}.csv"
    source.write_text(text, "utf-8")
    policy = load_policy(POLICY)
    if not vault:
        policy = dataclasses.replace(policy, privacy=dataclasses.replace(policy.privacy, vault=False))
    result = scan(source, policy, keys=keys, as_of=AS_OF, registry=False, state_dir=tmp_path / "state")
    return result, result.write(out, html=html)


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _revealed(tmp_path, out, keys):
    to = tmp_path / "revealed.csv"
    reveal(out, to=to, reason="test", keys=keys, state_dir=tmp_path / "state", rows="all")
    return sorted(pl.read_csv(to, infer_schema=False)["phone"].to_list())


@pytest.fixture
def scanned(tmp_path, keys):
    out = tmp_path / "out"
    result, written = _scan(tmp_path, keys, LIST_A, out)
    return out, result, written


def test_a_scan_commits_a_manifest_of_every_file(tmp_path, keys, scanned):
    out, result, written = scanned
    assert set(written) == {"rows", "contactable", "vault", "report", "html", "manifest"}
    manifest = verify_folder(out, keys)
    assert manifest.scan_id == result.report["scan"]["id"] and manifest.key_id == keys.key_id
    assert sorted(manifest.names()) == ["contactable.csv", "report.html", "report.json", "rows.parquet",
                                        "vault.bin"]
    doc = json.loads((out / MANIFEST).read_text())
    for entry in doc["files"]:
        assert entry["size"] == (out / entry["name"]).stat().st_size
    assert sorted(p.name for p in out.iterdir()) == sorted([*manifest.names(), MANIFEST])  # no staging left
    assert all((p.stat().st_mode & 0o777) == 0o600 for p in out.iterdir())
    assert _revealed(tmp_path, out, keys) == ["+8613800138000", "+8613912345678"]


def test_edited_verdicts_are_refused_naming_the_file(tmp_path, keys, scanned):
    out, _, _ = scanned
    rows = pl.read_parquet(out / "rows.parquet")
    rows.with_columns(verdict=pl.lit("accept")).write_parquet(out / "rows.parquet")
    with pytest.raises(VerificationFailed, match="rows.parquet does not match manifest.json") as err:
        _revealed(tmp_path, out, keys)
    assert err.value.exit_code == 1 and str(out / "rows.parquet") in err.value.one_line()
    assert not (tmp_path / "revealed.csv").exists()


def test_manifest_mac_tampering_refused(tmp_path, keys, scanned):
    out, _, _ = scanned
    doc = json.loads((out / MANIFEST).read_text())
    pl.read_parquet(out / "rows.parquet").with_columns(verdict=pl.lit("accept")).write_parquet(out / "rows.parquet")
    rows = next(f for f in doc["files"] if f["name"] == "rows.parquet")
    rows["size"] = (out / "rows.parquet").stat().st_size  # the editor fixes the entry, not the MAC
    rows["sha256"] = folder_mod.build_manifest(out, ["rows.parquet"], scan_id="x", keys=keys).files[0].sha256
    (out / MANIFEST).write_text(json.dumps(doc))
    with pytest.raises(VerificationFailed, match="manifest.json does not verify"):
        verify_folder(out, keys)
    for mangled in ("", "{}", "[1]", json.dumps({**doc, "extra": 1}), json.dumps({**doc, "mac": 5})):
        (out / MANIFEST).write_text(mangled)
        with pytest.raises(VerificationFailed, match="manifest.json"):
            verify_folder(out, keys)


def test_missing_file_and_missing_manifest(tmp_path, keys, scanned):
    out, _, _ = scanned
    saved = (out / "contactable.csv").read_bytes()
    (out / "contactable.csv").unlink()
    with pytest.raises(VerificationFailed, match="contactable.csv is missing"):
        verify_folder(out, keys)
    (out / "contactable.csv").write_bytes(saved)
    verify_folder(out, keys)
    (out / MANIFEST).unlink()
    with pytest.raises(VerificationFailed, match="manifest.json is missing") as err:
        _revealed(tmp_path, out, keys)
    assert err.value.exit_code == 1
    with pytest.raises(InputError, match="no scan output here"):
        verify_folder(tmp_path, keys)  # a folder that never held a scan: exit 2
    with pytest.raises(InputError, match="not found"):
        _revealed(tmp_path, tmp_path / "nowhere", keys)


def test_mixed_folder_refused(tmp_path, keys, scanned):
    out, _, _ = scanned
    other = tmp_path / "other"
    _scan(tmp_path, keys, LIST_B, other)
    for name in ("rows.parquet", "vault.bin", "report.json", "contactable.csv"):
        assert (out / name).read_bytes() != (other / name).read_bytes()
        mixed = tmp_path / f"mixed-{name}"
        shutil.copytree(out, mixed)
        shutil.copyfile(other / name, mixed / name)
        with pytest.raises(VerificationFailed, match=f"{name} does not match manifest.json"):
            _revealed(tmp_path, mixed, keys)
    # the other scan's manifest beside this scan's files: every file differs
    shutil.copyfile(other / MANIFEST, out / MANIFEST)
    with pytest.raises(VerificationFailed, match="does not match manifest.json"):
        verify_folder(out, keys)


def test_wrong_scan_id_and_wrong_key(tmp_path, keys, scanned):
    out, result, _ = scanned
    names = ["contactable.csv", "report.html", "report.json", "rows.parquet", "vault.bin"]
    forged = build_manifest(out, names, scan_id="0" * 32, keys=keys)  # MACed, but not this scan's id
    (out / MANIFEST).write_bytes(manifest_bytes(forged, keys))
    with pytest.raises(VerificationFailed, match="report.json's scan id is not the manifest's"):
        verify_folder(out, keys)
    doc = json.loads(manifest_bytes(build_manifest(out, names, scan_id=result.report["scan"]["id"], keys=keys),
                                    keys))
    doc["scan_id"] = "0" * 32  # without the key: the MAC no longer verifies
    (out / MANIFEST).write_text(json.dumps(doc))
    with pytest.raises(VerificationFailed, match="does not verify"):
        verify_folder(out, keys)
    stranger = KeyMaterial.from_master(b"\x07" * 32)
    with pytest.raises(KeyMaterialError, match=f"written with key {keys.key_id}, you have key {stranger.key_id}"):
        verify_folder(out, stranger)


def test_extra_scan_file_refused_foreign_files_ignored(tmp_path, keys, scanned):
    out, _, _ = scanned
    _scan(tmp_path, keys, LIST_A, out, html=False)  # a scan without the page
    (out / "my-notes.txt").write_text("mine")
    (out / "report.html").write_text("<html>not from this scan</html>")
    with pytest.raises(VerificationFailed, match="report.html is not part of the scan"):
        verify_folder(out, keys)
    (out / "report.html").unlink()
    verify_folder(out, keys)
    (out / "rows.parquet").rename(tmp_path / "rows.parquet")
    (out / "rows.parquet").symlink_to(tmp_path / "rows.parquet")
    with pytest.raises(VerificationFailed, match="rows.parquet is missing or not a regular file"):
        verify_folder(out, keys)


def test_rescan_replaces_only_own_files_and_removes_stale_ones(tmp_path, keys, scanned):
    out, _, _ = scanned
    (out / "my-notes.txt").write_text("mine")
    (out / ".rows.parquet.abc123.tmp").write_bytes(b"x" * 100)  # a killed older run's temp files
    (out / ".contactable.csv.zz.tmp").write_bytes(b"y")
    dead = out / f"{STAGING_PREFIX}999999999.abcdef"  # a killed scan's staging folder
    dead.mkdir()
    (dead / "rows.parquet").write_bytes(b"z")
    alive = out / f"{STAGING_PREFIX}1.abcdef"  # pid 1 is alive: a scan in progress, left alone
    alive.mkdir()
    _, written = _scan(tmp_path, keys, LIST_B, out, vault=False)
    assert "vault" not in written and not (out / "vault.bin").exists()  # stale vault removed
    assert (out / "my-notes.txt").read_text() == "mine"
    assert not dead.exists() and alive.exists()
    assert not list(out.glob("*.tmp"))
    assert "vault.bin" not in verify_folder(out, keys).names()
    alive.rmdir()


def test_failure_before_commit_leaves_out_untouched(tmp_path, keys, scanned, monkeypatch):
    """The hook for a failed check on the staged files (e.g. the exposure check): anything
    raised before the commit removes the staging area; --out is byte-identical."""
    out, _, _ = scanned
    (out / "my-notes.txt").write_text("mine")
    before = _files(out)
    from scanner.report import write

    def failing_check(*args, **kwargs):
        raise InputError("a plaintext number in column 'source'")

    monkeypatch.setattr(write, "_add_exposure", failing_check)
    with pytest.raises(InputError):
        _scan(tmp_path, keys, LIST_B, out)
    assert _files(out) == before
    fresh = tmp_path / "fresh" / "out"
    with pytest.raises(InputError):
        _scan(tmp_path, keys, LIST_B, fresh)
    assert not fresh.exists()  # not even an empty folder


def test_a_folder_where_a_scan_file_should_be_is_refused_before_anything_changes(tmp_path, keys, scanned):
    out, _, _ = scanned
    before = _files(out)
    os.replace(out / "contactable.csv", tmp_path / "c.csv")
    (out / "contactable.csv").mkdir()
    snapshot = {k: v for k, v in before.items() if k != "contactable.csv"}
    with pytest.raises(InputError, match="contactable.csv in the output folder is a folder"):
        _scan(tmp_path, keys, LIST_B, out)
    assert {k: v for k, v in _files(out).items() if k != "contactable.csv"} == snapshot
    with pytest.raises(InputError, match="not a folder"):
        _scan(tmp_path, keys, LIST_B, tmp_path / "c.csv")


@pytest.mark.parametrize("crash_at", range(12))
def test_crash_at_every_step_of_the_commit(tmp_path, keys, scanned, monkeypatch, crash_at):
    """The commit's file operations (unlink, replace, fsync) cut after ``crash_at`` of them, as
    a SIGKILL would: a reader accepts the folder only as the old scan or the new one."""
    out, _, _ = scanned
    old_numbers = _revealed(tmp_path, out, keys)
    old_files = _files(out)
    calls = []

    class Killed(BaseException):
        pass

    def cut(fn):
        def wrapped(*args, **kwargs):
            if len(calls) >= crash_at:
                raise Killed
            calls.append(fn.__name__)
            return fn(*args, **kwargs)
        return wrapped

    real_commit = OutputFolder.commit

    class CutOs:  # the folder module's view of os, its commit operations cut
        replace, unlink = staticmethod(cut(os.replace)), staticmethod(cut(os.unlink))

        def __getattr__(self, name):
            return getattr(os, name)

    def commit(self, **kwargs):
        monkeypatch.setattr(folder_mod, "os", CutOs())
        monkeypatch.setattr(folder_mod, "_fsync_dir", cut(folder_mod._fsync_dir))
        return real_commit(self, **kwargs)

    monkeypatch.setattr(OutputFolder, "commit", commit)
    monkeypatch.setattr(OutputFolder, "__exit__", lambda self, *exc: None)  # killed: no clean-up runs
    try:
        _scan(tmp_path, keys, LIST_B, out)
        finished = True
    except Killed:
        finished = False
    monkeypatch.undo()
    assert finished == (crash_at >= 10)  # 10 operations: unlink, fsync, 5 replaces, fsync, replace, fsync
    try:
        numbers = _revealed(tmp_path, out, keys)
    except VerificationFailed as exc:
        numbers = None
        assert "manifest.json is missing" in str(exc)
    # before the old manifest goes: the old scan; until the new one is in: refused; then the new
    new_numbers = sorted(["+8613800138000", "+8613912345678", "+8613700137000", "+8618912345678"])
    assert numbers == (old_numbers if crash_at == 0 else None if crash_at < 9 else new_numbers)
    if crash_at == 0:
        assert _files(out) == old_files
    sweep_leftovers(out)  # the next scan's sweep (same process here: the staging folder is ours)


def test_manifest_mac_vector():
    """docs/TOKENS.md: the manifest subkey and the MAC of a fixed manifest body."""
    keys = KeyMaterial.from_master(bytes(range(32)))
    assert keys.subkey("manifest").hex() == "39b4d44291e1658b581e0f5a7fabc82cc57b415d7cf696a9d7bbdc97c16b56c8"
    body = {"schema": "contact-scanner/manifest/v1", "scan_id": "5ca0" * 8, "key_id": keys.key_id,
            "files": [{"name": "report.json", "size": 2, "sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}]}
    assert canonical(body) == (
        b'{"files":[{"name":"report.json","sha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",'
        b'"size":2}],"key_id":"b83bd481a72990bb","scan_id":"5ca05ca05ca05ca05ca05ca05ca05ca0",'
        b'"schema":"contact-scanner/manifest/v1"}')
    assert manifest_mac(body, keys) == "f08a31ffd900e55066b525b10b62dbaf0234f855dacadf776ef7b90cf9323e8e"
