"""Canary assignments in the registry database: reads never create it, v1 registries,
the one-time import of an earlier canaries.json, key binding and concurrency."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random

import duckdb
import polars as pl
import pytest

from scanner.canary import CanaryStore, detect, detect_in_state, issue
from scanner.canary import store as cstore
from scanner.errors import InputError, KeyMaterialError, RegistryError
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.tokens import token_expr
from scanner.registry import FILE_NAME, open_registry
from scanner.registry import schema as rschema

POOL = [f"+86139{i:08d}" for i in range(10_000_000, 10_000_300)]


def phone_tokens(numbers, keys) -> pl.Series:
    return pl.DataFrame({"e164": list(numbers)}, schema={"e164": pl.String}).select(
        token_expr(keys, "phone", pl.col("e164")).alias("t"))["t"]


def legacy_doc(store: CanaryStore) -> dict:
    """What a build before registry schema v2 wrote to canaries.json."""
    return {"format": "contact-scanner/canaries", "version": 1, "key_id": store.key_id,
            "scheme": store.scheme, "subpool": sorted(store.subpool),
            "recipients": [{"name": a.recipient, "issued": a.issued, "unique": sorted(a.unique),
                            "shared": sorted(a.shared)} for a in store.assignments]}


@pytest.fixture
def legacy_state(tmp_path, keys, rng):
    """A state dir holding only an earlier canaries.json (two recipients), and their numbers."""
    scratch, state = tmp_path / "scratch", tmp_path / "state"
    issued = {n: issue(scratch, keys, n, POOL, 20, rng=rng) for n in ("acme", "globex")}
    state.mkdir()
    doc = legacy_doc(CanaryStore.open(scratch, keys))
    (state / "canaries.json").write_text(json.dumps(doc, indent=1) + "\n")
    (state / "canaries.json.lock").touch()
    return state, issued, doc


def _rows(state, table):
    con = duckdb.connect(str(state / FILE_NAME), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    finally:
        con.close()


def test_empty_state_dir_means_no_canaries_and_stays_empty(tmp_path, keys):
    store = CanaryStore.open(tmp_path, keys)
    assert store.assignments == [] and store.scheme is None and store.used_tokens() == set()
    assert detect_in_state(phone_tokens(POOL[:5], keys), tmp_path, keys) == []
    assert detect_in_state(phone_tokens(POOL[:5], keys), tmp_path / "missing", keys) == []
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path / "missing").exists()


def test_scan_of_an_empty_state_dir_creates_nothing(tmp_path, scan_frame):
    result = scan_frame([{"phone": "13800138000"}, {"phone": "13900139000"}], state_dir=tmp_path)
    signal = next(s for s in result.report["list"]["purchased"]["signals"] if s["code"] == "LS017")
    assert signal["fired"] is False
    assert list(tmp_path.iterdir()) == []


def test_reading_an_existing_registry_does_not_change_it(tmp_path, keys, rng):
    issue(tmp_path, keys, "acme", POOL, 20, rng=rng)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert len(CanaryStore.open(tmp_path, keys).assignments) == 1
    detect_in_state(phone_tokens(POOL, keys), tmp_path, keys)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_round_trip_through_the_registry(tmp_path, keys, rng):
    first = issue(tmp_path, keys, "acme", POOL, 20, rng=rng)
    issue(tmp_path, keys, "globex", POOL, 12, rng=rng)
    store = CanaryStore.open(tmp_path, keys)
    assert [a.recipient for a in store.assignments] == ["acme", "globex"]
    acme = store.recipient("acme")
    assert acme.unique | acme.shared == set(phone_tokens(first.numbers, keys).to_list())
    assert store.scheme == {"name": "random-overlap/v1", "coalition": 3, "subpool": len(store.subpool),
                            "shared_per_copy": 15}
    assert store.tokens_frame().height == 32
    assert (_rows(tmp_path, "canary_recipients"), _rows(tmp_path, "canary_unique"),
            _rows(tmp_path, "canary_shared")) == (2, 5 + 3, 15 + 9)
    # the registry's list tables are untouched and still usable
    reg = open_registry(tmp_path, key_id=keys.key_id)
    assert reg.list() == []
    reg.add("crm", phone_tokens(POOL[:10], keys))
    assert [i.name for i in reg.list()] == ["crm"]
    assert len(CanaryStore.open(tmp_path, keys).assignments) == 2


def test_v1_registry_means_no_canaries_until_the_first_issue_upgrades_it(tmp_path, keys, rng, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(rschema, "SCHEMA_VERSION", 1)
        m.setattr(rschema, "MIGRATIONS", rschema.MIGRATIONS[:1])
        open_registry(tmp_path, key_id=keys.key_id).add("crm", phone_tokens(POOL[200:], keys))
    before = (tmp_path / FILE_NAME).read_bytes()
    assert CanaryStore.open(tmp_path, keys).assignments == []
    assert detect_in_state(phone_tokens(POOL, keys), tmp_path, keys) == []
    assert (tmp_path / FILE_NAME).read_bytes() == before
    issued = issue(tmp_path, keys, "acme", POOL, 20, rng=rng)
    hits = detect_in_state(phone_tokens(issued.numbers, keys), tmp_path, keys)
    assert hits[0].recipient == "acme" and hits[0].certain
    assert [i.name for i in open_registry(tmp_path, key_id=keys.key_id).list()] == ["crm"]


def test_key_binding(tmp_path, keys, rng):
    other = KeyMaterial.from_master(bytes(32))
    # a registry of another key without canaries: no canaries to mismatch, but no issue either
    open_registry(tmp_path, key_id=other.key_id).add("crm", phone_tokens(POOL[:10], other))
    assert CanaryStore.open(tmp_path, keys).assignments == []
    with pytest.raises(RegistryError, match="built with key"):
        issue(tmp_path, keys, "acme", POOL, 20, rng=rng)
    assert _rows(tmp_path, "canary_recipients") == 0
    issue(tmp_path / "s", keys, "acme", POOL, 20, rng=rng)
    with pytest.raises(KeyMaterialError, match="made under key"):
        detect_in_state(phone_tokens(POOL, other), tmp_path / "s", other)


def test_failed_issue_writes_nothing(tmp_path, keys, rng):
    issue(tmp_path, keys, "acme", POOL, 20, rng=rng)
    before = CanaryStore.open(tmp_path, keys)
    with pytest.raises(InputError, match="unused valid numbers"):
        issue(tmp_path, keys, "big", POOL, 1000, rng=rng)
    with pytest.raises(InputError, match="recipient name"):
        issue(tmp_path, keys, "bad\nname", POOL, 4, rng=rng)
    after = CanaryStore.open(tmp_path, keys)
    assert after.assignments == before.assignments and after.subpool == before.subpool


def test_earlier_canaries_json_is_read_then_imported_once(legacy_state, keys, rng):
    state, issued, doc = legacy_state
    # reads use the file as it is and create nothing
    store = CanaryStore.open(state, keys)
    assert [a.recipient for a in store.assignments] == ["acme", "globex"]
    hits = detect_in_state(phone_tokens(issued["globex"].numbers, keys), state, keys)
    assert hits[0].recipient == "globex" and hits[0].certain
    assert not (state / FILE_NAME).exists()
    # the first write imports it with the new recipient, then retires the file
    third = issue(state, keys, "initech", POOL, 20, rng=rng)
    assert not (state / "canaries.json").exists() and not (state / "canaries.json.lock").exists()
    assert json.loads((state / "canaries.json.migrated").read_text()) == doc
    store = CanaryStore.open(state, keys)
    assert [a.recipient for a in store.assignments] == ["acme", "globex", "initech"]
    old = CanaryStore(state, keys.key_id, doc)
    assert store.assignments[:2] == old.assignments
    assert store.subpool == old.subpool and store.scheme == doc["scheme"]
    assert not (store.recipient("initech").unique & (old.used_tokens()))
    for name, result in [*issued.items(), ("initech", third)]:
        top = detect_in_state(phone_tokens(result.numbers, keys), state, keys)[0]
        assert top.recipient == name and top.certain
    blob = (state / FILE_NAME).read_bytes()
    assert not any(n[3:].encode() in blob for n in POOL)
    # never imported twice
    issue(state, keys, "hooli", POOL, 8, rng=rng)
    assert _rows(state, "canary_recipients") == 4


def test_a_failed_first_write_leaves_the_earlier_file_in_place(legacy_state, keys, rng):
    state, _, doc = legacy_state
    with pytest.raises(InputError, match="already has canaries"):
        issue(state, keys, "acme", POOL, 20, rng=rng)
    assert json.loads((state / "canaries.json").read_text()) == doc
    assert not (state / "canaries.json.migrated").exists()
    assert _rows(state, "canary_recipients") == 0  # the import was rolled back with it
    assert len(CanaryStore.open(state, keys).assignments) == 2


def test_earlier_file_already_imported_is_just_retired(legacy_state, keys, rng):
    """A crash between the import's commit and the rename leaves both behind."""
    state, _, doc = legacy_state
    issue(state, keys, "initech", POOL, 20, rng=rng)
    os.replace(state / "canaries.json.migrated", state / "canaries.json")
    assert [a.recipient for a in CanaryStore.open(state, keys).assignments] == ["acme", "globex", "initech"]
    issue(state, keys, "hooli", POOL, 8, rng=rng)
    assert not (state / "canaries.json").exists() and (state / "canaries.json.migrated").exists()
    assert _rows(state, "canary_recipients") == 4


def test_earlier_file_contradicting_the_registry_is_refused(legacy_state, keys, rng):
    state, _, doc = legacy_state
    os.replace(state / "canaries.json", state / "aside.json")
    issue(state, keys, "initech", POOL, 20, rng=rng)  # a registry with a scheme of its own
    os.replace(state / "aside.json", state / "canaries.json")
    for action in (lambda: CanaryStore.open(state, keys),
                   lambda: issue(state, keys, "hooli", POOL, 8, rng=rng),
                   lambda: detect_in_state(phone_tokens(POOL, keys), state, keys)):
        with pytest.raises(RegistryError, match="differ from those in the registry"):
            action()
    assert json.loads((state / "canaries.json").read_text()) == doc
    assert _rows(state, "canary_recipients") == 1


@pytest.mark.parametrize("content, error", [
    ("{not json", "not valid JSON"),
    ('{"format": "other"}', "not a contact-scanner canary store"),
    ('{"format": "contact-scanner/canaries", "version": 1, "key_id": "KEY", "scheme": null, '
     '"recipients": [{"name": "x"}]}', "malformed"),
])
def test_broken_earlier_file_is_reported_and_kept(tmp_path, keys, rng, content, error):
    content = content.replace("KEY", keys.key_id)
    (tmp_path / "canaries.json").write_text(content)
    with pytest.raises(RegistryError, match=error):
        CanaryStore.open(tmp_path, keys)
    with pytest.raises(RegistryError, match=error):
        issue(tmp_path, keys, "acme", POOL, 20, rng=rng)
    assert (tmp_path / "canaries.json").read_text() == content


def test_earlier_file_of_another_key_is_refused(legacy_state, rng):
    state, _, _ = legacy_state
    other = KeyMaterial.from_master(bytes(32))
    with pytest.raises(KeyMaterialError, match="made under key"):
        CanaryStore.open(state, other)
    with pytest.raises(KeyMaterialError):
        issue(state, other, "x", POOL, 20, rng=rng)
    assert (state / "canaries.json").exists()


def _issue_in_process(state_dir, name, seed):
    keys = KeyMaterial.from_master(bytes(range(32)))
    issue(state_dir, keys, name, POOL, 12, rng=random.Random(seed))


def test_concurrent_issues_all_land_with_distinct_unique_canaries(tmp_path, keys):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_issue_in_process, args=(str(tmp_path), f"r{i}", i)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(90)
        assert p.exitcode == 0
    store = CanaryStore.open(tmp_path, keys)
    assert sorted(a.recipient for a in store.assignments) == ["r0", "r1", "r2", "r3"]
    uniques = [t for a in store.assignments for t in a.unique]
    assert len(uniques) == len(set(uniques)) and not set(uniques) & store.subpool
    assert all(a.shared <= store.subpool for a in store.assignments)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_detect_uses_the_loaded_store(tmp_path, keys, rng):
    issued = issue(tmp_path, keys, "acme", POOL, 20, rng=rng)
    assert detect(phone_tokens(issued.numbers[:2], keys), CanaryStore.open(tmp_path, keys))
    assert cstore.LEGACY_FILE_NAME == "canaries.json"
