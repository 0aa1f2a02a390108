"""Registry store: tokens only, overlap figures, DU003 mask, file safety and concurrency."""

from __future__ import annotations

import multiprocessing as mp
import os
import time

import duckdb
import polars as pl
import pytest

from scanner.errors import RegistryError
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.tokens import token_expr
from scanner.registry import FILE_NAME, open_registry
from scanner.registry import schema
from scanner.registry import tokens as registry_tokens

KEYS = KeyMaterial.from_master(bytes(32))


def tokens(numbers) -> pl.Series:
    frame = pl.DataFrame({"e164": [f"+86{n}" for n in numbers]})
    return frame.select(token_expr(KEYS, "phone", pl.col("e164")).alias("t")).to_series()


A = range(13800000000, 13800001000)
B = range(13800000500, 13800002000)


@pytest.fixture
def reg(tmp_path):
    return open_registry(tmp_path, key_id=KEYS.key_id, timeout=5)


def test_empty_registry_reads_without_creating(tmp_path, reg):
    assert reg.list() == []
    assert reg.overlaps(tokens(A)) == []
    assert reg.contains(tokens([13800000000])).to_list() == [False]
    assert not (tmp_path / FILE_NAME).exists()


def test_add_list_show_remove(tmp_path, reg):
    info = reg.add("vendor-a", tokens(A), source="vendor-x", row_count=1200, input_sha256="ab" * 32)
    assert (info.name, info.token_count, info.row_count, info.source, info.leaked) == (
        "vendor-a", 1000, 1200, "vendor-x", False)
    reg.add("crm", tokens(B), leaked=True)
    assert [i.name for i in reg.list()] == ["vendor-a", "crm"]
    assert reg.show("crm").leaked is True
    with pytest.raises(RegistryError, match="already registered"):
        reg.add("crm", tokens(A))
    reg.remove("vendor-a")
    assert [i.name for i in reg.list()] == ["crm"]
    with pytest.raises(RegistryError, match="no registered list"):
        reg.show("vendor-a")
    assert oct(os.stat(tmp_path / FILE_NAME).st_mode & 0o777) == "0o600"


def test_overlap_figures_are_exact(reg):
    reg.add("a", tokens(A), source="s1", input_sha256="cd" * 32)
    reg.add("b", tokens(B), source="s2", leaked=True)
    q = tokens(range(13800000900, 13800001100))  # 100 in a, 200 in b
    got = {m["list"]: m for m in reg.overlaps(q)}
    assert got["b"]["containment"] == 1.0 and got["b"]["shared"] == 200
    assert got["b"]["jaccard"] == pytest.approx(200 / 1500) and got["b"]["leaked"] is True
    assert got["a"]["containment"] == 0.5 and got["a"]["jaccard"] == pytest.approx(100 / 1100)
    assert not got["a"]["exact"]
    # same number set (another order, with repeats and nulls) is an exact copy
    same = pl.concat([tokens(reversed(A)), tokens(A[:10]), pl.Series([None], dtype=pl.String)])
    first = reg.overlaps(same)[0]
    assert (first["list"], first["exact"], first["containment"], first["jaccard"]) == ("a", True, 1.0, 1.0)
    # same input file, even with a different number set
    assert reg.overlaps(tokens([13900000000]), input_sha256="cd" * 32)[0]["exact"] is True


def test_sketch_shortlist_beyond_exact_limit_finds_the_same_matches(tmp_path, reg):
    reg.add("a", tokens(A))
    reg.add("b", tokens(B))
    reg.add("far", tokens(range(13900000000, 13900003000)))
    q = tokens(range(13800000900, 13800001100))
    small = open_registry(tmp_path, key_id=KEYS.key_id, exact_limit=10)
    assert small.overlaps(q) == reg.overlaps(q)
    assert [m["list"] for m in small.overlaps(q)] == ["b", "a"]


def test_contains_mask_is_aligned(reg):
    reg.add("a", tokens(A))
    q = pl.Series([None, tokens([13800000005])[0], "not-a-token", tokens([13900000000])[0],
                   tokens([13800000005])[0]])
    assert reg.contains(q).to_list() == [False, True, False, False, True]


def test_rejects_non_tokens_and_never_stores_numbers(tmp_path, reg):
    with pytest.raises(RegistryError, match="not 32-hex phone tokens"):
        reg.add("raw", pl.Series(["+8613800000000"]))
    reg.add("a", tokens(A))
    blob = (tmp_path / FILE_NAME).read_bytes()
    for n in list(A)[:50]:
        assert str(n).encode() not in blob
        assert f"+86{n}".encode() not in blob


def test_wrong_key_is_refused(tmp_path, reg):
    reg.add("a", tokens(A))
    with pytest.raises(RegistryError, match="built with key"):
        open_registry(tmp_path, key_id="0" * 16).list()


@pytest.mark.parametrize("content", [b"", b"hello", b"PK\x03\x04" + b"\x00" * 5000])
def test_foreign_or_corrupt_file_is_reported_and_left_untouched(tmp_path, content):
    path = tmp_path / FILE_NAME
    path.write_bytes(content)
    for action in (lambda r: r.list(), lambda r: r.add("a", tokens(A))):
        with pytest.raises(RegistryError, match="not a contact-scanner registry|corrupt"):
            action(open_registry(tmp_path, key_id=KEYS.key_id))
    assert path.read_bytes() == content


def test_foreign_duckdb_database_is_reported(tmp_path):
    path = tmp_path / FILE_NAME
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE other (x INTEGER)")
    con.close()
    before = path.read_bytes()
    with pytest.raises(RegistryError, match="not a contact-scanner registry"):
        open_registry(tmp_path).add("a", tokens(A))
    assert path.read_bytes() == before


def test_newer_schema_is_refused_and_older_is_migrated(tmp_path, reg, monkeypatch):
    reg.add("a", tokens(A))
    con = duckdb.connect(str(tmp_path / FILE_NAME))
    con.execute("UPDATE registry_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(RegistryError, match="newer than this build"):
        reg.list()
    con = duckdb.connect(str(tmp_path / FILE_NAME))
    con.execute("UPDATE registry_meta SET value = ? WHERE key = 'schema_version'", [str(schema.SCHEMA_VERSION)])
    con.close()
    # a later build changes a table readers use: reads ask for the upgrade, the next write applies it
    later = schema.SCHEMA_VERSION + 1
    monkeypatch.setattr(schema, "SCHEMA_VERSION", later)
    monkeypatch.setattr(schema, "MIN_READ_VERSION", later)
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS + [["ALTER TABLE lists ADD COLUMN note VARCHAR"]])
    with pytest.raises(RegistryError, match="needs an upgrade"):
        reg.list()
    reg.add("b", tokens(B))
    assert [i.name for i in reg.list()] == ["a", "b"]
    assert _meta(tmp_path)["schema_version"] == str(later)


def _meta(state_dir) -> dict:
    con = duckdb.connect(str(state_dir / FILE_NAME), read_only=True)
    try:
        return dict(con.execute("SELECT key, value FROM registry_meta").fetchall())
    finally:
        con.close()


def _tables(state_dir) -> set[str]:
    con = duckdb.connect(str(state_dir / FILE_NAME), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()


def make_v1_registry(state_dir, monkeypatch, name="a", numbers=A):
    """A registry file as a schema-v1 build wrote it (migrations are append-only)."""
    with monkeypatch.context() as m:
        m.setattr(schema, "SCHEMA_VERSION", 1)
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
        open_registry(state_dir, key_id=KEYS.key_id).add(name, tokens(numbers))
    assert _meta(state_dir)["schema_version"] == "1"


def test_v1_registry_is_read_as_is_and_upgraded_on_the_next_write(tmp_path, monkeypatch):
    assert schema.SCHEMA_VERSION == 4 and schema.MIN_READ_VERSION == 1
    make_v1_registry(tmp_path, monkeypatch)
    assert not any(t.startswith("canary_") for t in _tables(tmp_path))
    before = (tmp_path / FILE_NAME).read_bytes()
    reg = open_registry(tmp_path, key_id=KEYS.key_id)
    assert [i.name for i in reg.list()] == ["a"]
    assert reg.overlaps(tokens(A))[0]["exact"] is True
    assert reg.contains(tokens([A[0]])).to_list() == [True]
    assert (tmp_path / FILE_NAME).read_bytes() == before  # reads never upgrade
    reg.add("b", tokens(B))
    assert _meta(tmp_path)["schema_version"] == "4"
    assert {"canary_scheme", "canary_subpool", "canary_recipients", "canary_unique",
            "canary_shared", "decisions", "decision_history", "suppressions", "list_versions"} <= _tables(tmp_path)
    assert [i.name for i in reg.list()] == ["a", "b"]


def test_new_registry_has_the_current_schema(tmp_path, reg):
    reg.add("a", tokens(A))
    meta = _meta(tmp_path)
    assert (meta["schema_version"], meta["format"], meta["key_id"]) == ("4", schema.FORMAT, KEYS.key_id)
    assert "canary_unique" in _tables(tmp_path)


def test_a_failed_migration_leaves_the_old_version(tmp_path, monkeypatch):
    make_v1_registry(tmp_path, monkeypatch)
    monkeypatch.setattr(schema, "MIGRATIONS", [schema.MIGRATIONS[0], schema.MIGRATIONS[1] + ["SELECT broken("],
                                              *schema.MIGRATIONS[2:]])
    with pytest.raises(RegistryError):
        open_registry(tmp_path, key_id=KEYS.key_id).add("b", tokens(B))
    assert _meta(tmp_path)["schema_version"] == "1"
    assert not any(t.startswith("canary_") for t in _tables(tmp_path))
    monkeypatch.undo()
    open_registry(tmp_path, key_id=KEYS.key_id).add("b", tokens(B))
    assert _meta(tmp_path)["schema_version"] == str(schema.SCHEMA_VERSION)


def _hold_write_lock(path, seconds, ready):
    con = duckdb.connect(path)
    ready.set()
    time.sleep(seconds)
    con.close()


def _register(state_dir, name, start):
    open_registry(state_dir, key_id=KEYS.key_id, timeout=30).add(name, tokens(range(start, start + 20_000)))


def test_reader_waits_for_a_writer_then_succeeds_or_reports_busy(tmp_path, reg):
    reg.add("a", tokens(A))
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_write_lock, args=(str(tmp_path / FILE_NAME), 1.5, ready))
    holder.start()
    assert ready.wait(30)
    with pytest.raises(RegistryError, match="busy"):
        open_registry(tmp_path, key_id=KEYS.key_id, timeout=0.2).list()
    t0 = time.monotonic()
    assert [i.name for i in open_registry(tmp_path, key_id=KEYS.key_id, timeout=30).list()] == ["a"]
    assert time.monotonic() - t0 < 20
    holder.join()


def test_concurrent_registrations_both_land(tmp_path):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_register, args=(str(tmp_path), f"l{i}", 13800000000 + i * 100_000))
             for i in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    reg = open_registry(tmp_path, key_id=KEYS.key_id)
    assert sorted(i.name for i in reg.list()) == ["l0", "l1", "l2"]
    assert all(i.token_count == 20_000 for i in reg.list())
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_content_fingerprint_is_a_set_fingerprint():
    a = tokens(A)
    assert registry_tokens.content_fingerprint(a) == registry_tokens.content_fingerprint(pl.concat([a.reverse(), a.head(5)]))
    assert registry_tokens.content_fingerprint(a) != registry_tokens.content_fingerprint(a.head(999))
    # a sliced frame (a view into a larger buffer) hashes like a fresh one
    frame = registry_tokens.token_frame(a)
    fresh = pl.DataFrame(frame.slice(10, 100).to_dicts(), schema={"hi": pl.UInt64, "lo": pl.UInt64})
    assert registry_tokens.frame_fingerprint(frame.slice(10, 100)) == registry_tokens.frame_fingerprint(fresh)
