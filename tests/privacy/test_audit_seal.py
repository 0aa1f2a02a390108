"""A broken audit chain stops reveals (exit 1, naming `keys verify-audit`) until it is sealed;
a seal records the break, starts a new segment and cannot be forged or moved."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.errors import VerificationFailed
from scanner.privacy.audit import (
    AuditChainBroken, append_audit, read_audit_log, seal_audit_log, verify_audit_log,
)
from scanner.privacy.keys import KEY_FILE_NAME, KeyMaterial, write_new_key

CSV = "phone,consent,consent_time\n13800138000,yes,2026-01-01\n+8613912345678,yes,2026-01-02\n"


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture()
def scanned(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    state = tmp_path / "st"
    write_new_key(state / KEY_FILE_NAME)
    (tmp_path / "list.csv").write_text(CSV, encoding="utf-8")
    result = cli("scan", "list.csv", "--out", "out", "--state-dir", state, "--fail-on", "never")
    assert result.exit_code == 0, result.output
    return tmp_path, state


def reveal(state, to):
    return cli("reveal", "out", "--to", to, "--reason", "SMS import", "--rows", "all", "--state-dir", state)


def test_broken_chain_refuses_reveal_until_sealed(scanned):
    tmp, state = scanned
    for n in range(3):
        assert reveal(state, f"r{n}.csv").exit_code == 0
    log = state / "audit.log"
    lines = log.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["rows"] = 0  # someone hides what was revealed
    lines[1] = json.dumps(edited, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    log.write_text("\n".join(lines) + "\n")

    refused = reveal(state, "r9.csv")
    assert refused.exit_code == 1 and not (tmp / "r9.csv").exists()
    assert "keys verify-audit" in refused.stderr and "row 2" in refused.stderr
    assert len(log.read_text().splitlines()) == 3  # nothing appended
    assert cli("keys", "verify-audit", "--state-dir", state).exit_code == 1

    sealed = cli("keys", "verify-audit", "--seal", "--state-dir", state)
    assert sealed.exit_code == 0, sealed.output
    assert "sealed: line 2" in sealed.stdout
    after = cli("keys", "verify-audit", "--state-dir", state)
    assert after.exit_code == 0 and "1 sealed break(s): line 2 (sealed at line 4" in after.stdout
    seal = read_audit_log(state)[3]
    assert seal["action"] == "seal" and seal["breaks"][0]["line"] == 2

    again = reveal(state, "r9.csv")
    assert again.exit_code == 0, again.output
    entries = read_audit_log(state)
    assert len(entries) == 5 and entries[4]["prev"] == seal["mac"]
    assert cli("keys", "verify-audit", "--state-dir", state).exit_code == 0


def test_torn_last_line_is_sealed_and_appends_continue(scanned):
    tmp, state = scanned
    assert reveal(state, "a.csv").exit_code == 0
    log = state / "audit.log"
    with log.open("ab") as fh:
        fh.write(b'{"v":1,"action":"reveal","rea')  # a crash mid-append: no newline
    assert reveal(state, "b.csv").exit_code == 1
    assert cli("keys", "verify-audit", "--seal", "--state-dir", state).exit_code == 0
    assert reveal(state, "b.csv").exit_code == 0
    raw = log.read_bytes().split(b"\n")
    assert raw[1] == b'{"v":1,"action":"reveal","rea'  # the torn line kept as evidence
    assert json.loads(raw[2])["action"] == "seal" and json.loads(raw[3])["action"] == "reveal"
    result = cli("keys", "verify-audit", "--state-dir", state)
    assert result.exit_code == 0 and "1 sealed break(s): line 2" in result.stdout


def test_seal_is_bound_to_what_it_sealed(tmp_path):
    keys = write_new_key(tmp_path / KEY_FILE_NAME)
    for n in range(3):
        append_audit(tmp_path, keys, {"action": "reveal", "rows": n})
    log = tmp_path / "audit.log"
    lines = log.read_text().splitlines()
    log.write_text("\n".join([lines[0], lines[2]]) + "\n")  # an entry removed
    with pytest.raises(AuditChainBroken, match="chain broken"):
        verify_audit_log(tmp_path, keys)
    assert seal_audit_log(tmp_path, keys)["sealed_now"] == [
        {"line": 2, "problem": "chain broken (an entry was edited, removed or reordered)"}]
    assert verify_audit_log(tmp_path, keys)["sealed_breaks"][0]["line"] == 2
    # editing the sealed part later is a new break, at the seal
    text = log.read_text().replace('"rows":0', '"rows":7', 1)
    log.write_text(text)
    with pytest.raises(AuditChainBroken) as broken:
        verify_audit_log(tmp_path, keys)
    assert (3, "lines before this seal changed after it was sealed") in broken.value.breaks


def test_seal_needs_the_key(tmp_path):
    keys = write_new_key(tmp_path / KEY_FILE_NAME)
    append_audit(tmp_path, keys, {"action": "reveal"})
    append_audit(tmp_path, keys, {"action": "reveal"})
    log = tmp_path / "audit.log"
    first, second = log.read_text().splitlines()
    log.write_text(second + "\n")  # the first entry removed
    intruder = KeyMaterial.from_master(bytes(32))
    seal_audit_log(tmp_path, intruder)  # a seal made with a key that is not this log's
    with pytest.raises(VerificationFailed) as broken:
        verify_audit_log(tmp_path, keys)
    assert broken.value.breaks[-1] == (
        2, "a seal made with another key (it cannot be verified with this one)")
    with pytest.raises(AuditChainBroken):
        append_audit(tmp_path, keys, {"action": "reveal"})
    forged = json.loads(log.read_text().splitlines()[-1])
    forged["key_id"] = keys.key_id  # claims the right key, but its MAC is wrong
    log.write_text(second + "\n" + json.dumps(forged) + "\n")
    with pytest.raises(AuditChainBroken) as broken:
        verify_audit_log(tmp_path, keys)
    assert broken.value.breaks[-1] == (2, "seal entry does not verify (edited)")


def test_intact_log_is_not_sealed(tmp_path):
    keys = write_new_key(tmp_path / KEY_FILE_NAME)
    append_audit(tmp_path, keys, {"action": "reveal"})
    before = (tmp_path / "audit.log").read_bytes()
    result = seal_audit_log(tmp_path, keys)
    assert result["sealed_now"] == [] and result["entries"] == 1
    assert (tmp_path / "audit.log").read_bytes() == before
