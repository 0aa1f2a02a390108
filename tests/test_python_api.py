"""The Python API does what the command line does, without it: scan and register, reveal,
certify and verify, the consent ledger, canaries, keys, review and suppression. Every call
takes its state folder (or keys) explicitly; nothing here changes the working folder or
sets $CONTACT_SCANNER_HOME."""

from __future__ import annotations

import csv
import json

import polars as pl
import pytest

import scanner
from scanner.errors import KeyMaterialError, RegistryError, VerificationFailed

CSV = ("手机号,来源,是否同意,同意渠道,同意用途,同意时间\n"
       "13800138000,官网注册,是,短信,营销,2026-01-05\n"
       "13912345678,官网注册,是,短信,营销,2026-01-05\n"
       "15011112222,,,,,\n")
AS_OF = "2026-11-23"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.delenv("CONTACT_SCANNER_HOME", raising=False)
    monkeypatch.delenv("CONTACT_SCANNER_KEY", raising=False)
    source = tmp_path / "list.csv"
    source.write_text(CSV, encoding="utf-8")
    state = tmp_path / "state"
    return tmp_path, source, state


def test_keys_where_create_load_show_rotate(env):
    tmp, _source, state = env
    (tmp / "project" / ".contact-scanner").mkdir(parents=True, mode=0o700)
    (tmp / "project" / "sub").mkdir()
    found = scanner.keys.where(cwd=tmp / "project" / "sub")
    assert found.path == tmp / "project" / ".contact-scanner" and found.how == "found upward"
    assert scanner.keys.where(state, cwd=tmp).path == state

    with pytest.raises(KeyMaterialError, match="no key"):
        scanner.keys.load(state)
    assert scanner.keys.load(state, missing_ok=True) is None
    made = scanner.keys.create(state)
    with pytest.raises(KeyMaterialError, match="refusing to overwrite"):
        scanner.keys.create(state)
    keys = scanner.keys.load(state)
    assert keys.key_id == made.key_id and (state / "key.json").stat().st_mode & 0o777 == 0o600
    info = scanner.keys.show(keys)
    assert info.key_id == keys.key_id and len(info.vault_keys) == 1
    new = scanner.keys.rotate_vault(keys)
    assert scanner.keys.show(scanner.keys.load(state)).current_vault_key == new.id
    secret = json.loads((state / "key.json").read_text())["master"]
    assert secret not in repr(info) and secret not in repr(keys)


def test_scan_register_and_the_registry(env):
    _tmp, source, state = env
    result = scanner.scan(source, state_dir=state, as_of=AS_OF)
    assert result.report["rows"]["total"] == 3
    info = result.register(state, "crm", owner="own")
    assert (info.name, info.token_count, info.owner) == ("crm", 3, "own")
    with pytest.raises(RegistryError, match="already registered"):
        scanner.registry.register(result, state, name="crm")
    again = scanner.registry.register(result, state, name="crm", as_version=True)
    assert again.version == 2
    registry = scanner.Registry.open(state, key_id=result.keys.key_id)
    assert [i.name for i in registry.list()] == ["crm", "crm@v2"]
    added = scanner.registry.add(source, state, name="vendor", list_source="acme", leaked=True)
    assert added.info.leaked and added.keys.key_id == result.keys.key_id
    assert registry.remove("vendor").name == "vendor"


def test_reveal_writes_what_the_extension_names(env):
    tmp, source, state = env
    result = scanner.scan(source, state_dir=state, as_of=AS_OF)
    result.write(tmp / "out", html=False)
    keys = scanner.keys.load(state)
    done = scanner.reveal(tmp / "out", to=tmp / "send.csv", reason="campaign", keys=keys, state_dir=state,
                          rows="all", fmt="national")
    assert done.rows == 3 and done.audit_log == state / "audit.log"
    with open(tmp / "send.csv", encoding="utf-8") as fh:
        assert {r["phone"] for r in csv.DictReader(fh)} == {"13800138000", "13912345678", "15011112222"}
    workbook = scanner.reveal(tmp / "out", to=tmp / "send.xlsx", reason="campaign", keys=keys, state_dir=state)
    assert (tmp / "send.xlsx").read_bytes()[:2] == b"PK" and workbook.files == {tmp / "send.xlsx": workbook.rows}
    with pytest.raises(scanner.InputError, match="reveal writes .csv or .xlsx"):
        scanner.reveal(tmp / "out", to=tmp / "send.txt", reason="campaign", keys=keys, state_dir=state)
    assert scanner.keys.verify_audit(keys, state).verified == 2


def test_certify_then_verify(env):
    tmp, source, state = env
    pair = scanner.keys.signing(tmp / "sig")
    done = scanner.certify(source, pair.private, to=tmp / "cert.json", state_dir=state, as_of=AS_OF, lang="en")
    assert done.path.is_file() and done.page == tmp / "cert.html" and done.numbers == 3
    assert done.signer == pair.fingerprint
    checked = scanner.verify(tmp / "cert.json", source, pair.public)
    assert checked.verdict == done.verdict and checked.checked
    altered = tmp / "altered.csv"
    altered.write_text(CSV.replace("15011112222", "15011113333"), encoding="utf-8")
    with pytest.raises(VerificationFailed, match="altered list"):
        scanner.verify(done.cert, altered, pair.public)


def test_the_consent_ledger(env):
    tmp, _source, state = env
    keys = scanner.keys.load(state, create=True)
    pair = scanner.keys.signing(tmp / "sig")
    ledger = scanner.Ledger(tmp / "consent.jsonl", keys)
    done = ledger.append(["+8613800138000", "+8613912345678"], action="grant", channel="sms", purpose="marketing",
                         evidence="form-1", at="2026-01-05")
    assert (done.first, done.last, done.count) == (1, 2, 2)
    numbers = tmp / "withdrawn.txt"
    numbers.write_text("13800138000\n")
    ledger.append(numbers, action="withdraw", channel="sms", purpose="marketing", evidence="call-7")
    assert ledger.verify().entries == 3
    point = ledger.checkpoint(pair.private)
    assert point.path == tmp / "consent.jsonl.checkpoint.json" and point.entries == 3
    auditor = scanner.Ledger(tmp / "consent.jsonl")  # no key: chain and checkpoint only
    checked = auditor.verify(checkpoint=point.path, public_key=pair.public)
    assert checked.covered == 3 and not checked.macs_checked
    assert "13800138000" not in (tmp / "consent.jsonl").read_text()


def test_canaries_issue_and_check(env):
    tmp, _source, state = env
    keys = scanner.keys.load(state, create=True)
    pool = [f"+861380013{i:04d}" for i in range(300)]
    issued = scanner.canary.issue(state, keys, "acme", pool, 10, to=tmp / "acme.csv")
    assert len(issued.numbers) == 10 and (tmp / "acme.csv").stat().st_mode & 0o777 == 0o600
    with pytest.raises(scanner.InputError, match="out file exists"):
        scanner.canary.issue(state, keys, "globex", pool, 10, to=tmp / "acme.csv")
    leaked = tmp / "leaked.txt"
    leaked.write_text("\n".join(n[3:] for n in issued.numbers) + "\n13800000000\n")
    found = scanner.canary.check(leaked, state, keys)
    assert found.found and found.hits[0].recipient == "acme"
    clean = tmp / "clean.txt"
    clean.write_text("13800000000\n")
    assert not scanner.canary.check(clean, state, keys).found
    status = scanner.canary.status(state, keys)
    assert [a.recipient for a in status.assignments] == ["acme"] and status.tolerated_coalition >= 1


def test_review_and_suppress(env):
    tmp, source, state = env
    result = scanner.scan(source, state_dir=state, as_of=AS_OF)
    result.write(tmp / "out", html=False)
    keys = scanner.keys.load(state)
    sheet = scanner.review.export(tmp / "out", tmp / "review.csv", keys, rows="all")
    assert sheet.rows == 3
    frame = pl.read_csv(sheet.path, infer_schema=False).with_columns(decision=pl.lit("reject"))
    frame.write_csv(tmp / "filled.csv")
    applied = scanner.review.apply(tmp / "filled.csv", tmp / "out", keys, state_dir=state)
    assert applied.decisions["reject"] == 3

    numbers = tmp / "dnc.txt"
    numbers.write_text("13800138000\n")
    added = scanner.suppress.add(numbers, keys, state_dir=state, reason="退订", channel="sms", purpose="marketing")
    assert added.entries == 1
    assert [(g.channel, g.entries, g.live) for g in scanner.suppress.entries(state)] == [("sms", 1, True)]
    exported = scanner.suppress.export(state, keys, to=tmp / "dnc-tokens.csv")
    assert exported.rows == 1 and "13800138000" not in exported.path.read_text()
    assert scanner.suppress.remove(numbers, keys, state_dir=state, reason="re-subscribed").entries == 1


def test_the_readme_example_runs(env, monkeypatch):
    """README, "The Python API": the example as written, in a project folder."""
    from pathlib import Path

    tmp, source, _state = env
    readme = (Path(scanner.__file__).parents[1] / "README.md").read_text("utf-8")
    example = readme.split("### The Python API", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    project = tmp / "project"
    (project / ".contact-scanner").mkdir(parents=True, mode=0o700)
    monkeypatch.chdir(project)
    (project / "list.csv").write_text(CSV, encoding="utf-8")
    (project / "policy.toml").write_text('[campaign]\nchannel = "sms"\n', encoding="utf-8")
    (project / "pool.txt").write_text("".join(f"1390013{i:04d}\n" for i in range(300)))
    for name in ("numbers.txt", "suspect.csv", "complaints.csv"):
        (project / name).write_text("13800138000\n")
    scanner.keys.signing(project / "sig")
    exec(compile(example, "README.md", "exec"), {})
    assert {"scan-out", "send.xlsx", "cert.json", "consent.jsonl", "acme.csv", "review.xlsx"} <= {
        p.name for p in project.iterdir()}
