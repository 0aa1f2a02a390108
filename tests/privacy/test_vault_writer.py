"""VaultWriter: a vault written a batch at a time is the vault write_vault writes, and it
leaves nothing behind (no plaintext spool, no partial vault) when the scan fails."""

from __future__ import annotations

import os
import stat

import polars as pl
import pytest

from scanner.errors import VaultError
from scanner.privacy.vault import VaultTampered, VaultWriter, read_vault, read_vault_header, write_vault
from tests.privacy.test_vault import KEYS, _chunks, _mapping

COLUMNS = ["row", "phone_token", "e164", "name"]


def _batches(frame: pl.DataFrame, sizes: list[int]) -> list[pl.DataFrame]:
    out, start = [], 0
    for size in sizes:
        out.append(frame.slice(start, size))
        start += size
    assert start >= frame.height
    return out


@pytest.mark.parametrize("sizes", [[1] * 37, [0, 3, 0, 10, 24], [37], [10, 10, 10, 7], [9, 11, 17]])
def test_many_adds_read_back_as_one_write(tmp_path, sizes):
    mapping = _mapping(37, names=True)
    one = tmp_path / "one.bin"
    header_one = write_vault(one, mapping, scan_id="s1", keys=KEYS, chunk_rows=10)
    many = tmp_path / "many.bin"
    with VaultWriter(many, scan_id="s1", keys=KEYS, columns=COLUMNS, chunk_rows=10) as writer:
        for batch in _batches(mapping, sizes):
            writer.add(batch.select(reversed(batch.columns)))  # column order does not matter
    assert read_vault(many, scan_id="s1", keys=KEYS).equals(read_vault(one, scan_id="s1", keys=KEYS))
    assert read_vault(many, scan_id="s1", keys=KEYS).equals(mapping)
    header = writer.header
    assert header == read_vault_header(many)
    same = ("format", "key_id", "vault_key_id", "scan_id", "chunks", "rows", "columns", "payload")
    assert {k: header[k] for k in same} == {k: header_one[k] for k in same}
    assert header["chunks"] == 4 and header["rows"] == 37
    assert [len(r) for r in _chunks(many)[1]] and len(_chunks(many)[1]) == 4
    assert stat.S_IMODE(os.stat(many).st_mode) == 0o600


def test_empty_writer_gives_the_empty_vault(tmp_path):
    path = tmp_path / "vault.bin"
    with VaultWriter(path, scan_id="s1", keys=KEYS, columns=COLUMNS[:3]) as writer:
        pass
    assert writer.header["chunks"] == 1 and writer.header["rows"] == 0
    assert read_vault(path, scan_id="s1", keys=KEYS).equals(_mapping(0))


def test_failure_inside_the_block_leaves_nothing(tmp_path):
    path = tmp_path / "out" / "vault.bin"
    with pytest.raises(RuntimeError, match="scan failed"):
        with VaultWriter(path, scan_id="s1", keys=KEYS, columns=COLUMNS[:3], chunk_rows=5) as writer:
            writer.add(_mapping(12))
            raise RuntimeError("scan failed")
    assert list(path.parent.iterdir()) == []
    assert writer._spool is None


def test_failure_replaces_no_existing_vault(tmp_path):
    path = tmp_path / "vault.bin"
    write_vault(path, _mapping(3), scan_id="old", keys=KEYS)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        with VaultWriter(path, scan_id="new", keys=KEYS, columns=COLUMNS[:3]) as writer:
            writer.add(_mapping(3))
            writer.add(_mapping(3).drop("e164"))  # wrong columns: refused
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["vault.bin"]


def test_spool_never_holds_a_plaintext_number(tmp_path):
    path = tmp_path / "vault.bin"
    mapping = _mapping(200, names=True)
    with VaultWriter(path, scan_id="s1", keys=KEYS, columns=COLUMNS, chunk_rows=50) as writer:
        writer.add(mapping)
        spool = writer._spool
        spool.flush()
        raw = os.pread(spool.fileno(), 1 << 20, 0)
        assert stat.S_IMODE(os.fstat(spool.fileno()).st_mode) == 0o600
        # next to the vault (same file system) and without a name in the directory
        assert os.fstat(spool.fileno()).st_dev == os.stat(tmp_path).st_dev
        assert list(tmp_path.iterdir()) == []
    assert len(raw) > 4 * 50 * 8  # four sealed chunks
    for needle in (b"+86138", b"86138000", "王1".encode(), b"PAR1", f"{7:032x}".encode()):
        assert needle not in raw
    assert b"+86138" not in path.read_bytes()


def test_tampered_spool_writes_no_vault(tmp_path):
    path = tmp_path / "vault.bin"
    with pytest.raises(VaultError, match="spool"):
        with VaultWriter(path, scan_id="s1", keys=KEYS, columns=COLUMNS[:3], chunk_rows=5) as writer:
            writer.add(_mapping(12))
            writer._spool.flush()
            byte = os.pread(writer._spool.fileno(), 1, 30)
            os.pwrite(writer._spool.fileno(), bytes([byte[0] ^ 1]), 30)
    assert list(tmp_path.iterdir()) == []


def test_streamed_vault_is_refused_when_tampered(tmp_path):
    path = tmp_path / "vault.bin"
    with VaultWriter(path, scan_id="s1", keys=KEYS, columns=COLUMNS[:3], chunk_rows=10) as writer:
        for batch in _batches(_mapping(30), [7, 7, 7, 9]):
            writer.add(batch)
    prefix, records = _chunks(path)
    assert len(records) == 3
    for forged in (prefix + records[1] + records[0] + records[2], prefix + b"".join(records[:2]),
                   path.read_bytes()[:-1] + bytes([path.read_bytes()[-1] ^ 1])):
        path.write_bytes(forged)
        with pytest.raises(VaultTampered):
            read_vault(path, scan_id="s1", keys=KEYS)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        VaultWriter(tmp_path / "v.bin", scan_id="s", keys=KEYS, columns=["row", "e164"])
    with pytest.raises(ValueError):
        VaultWriter(tmp_path / "v.bin", scan_id="s", keys=KEYS, columns=COLUMNS, chunk_rows=0)
    writer = VaultWriter(tmp_path / "v.bin", scan_id="s", keys=KEYS, columns=COLUMNS)
    with pytest.raises(ValueError):
        writer.add(_mapping(1, names=True))  # not entered
    assert list(tmp_path.iterdir()) == []
