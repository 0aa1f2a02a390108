"""Vault round trip and every way a vault must be refused (docs/PRIVACY.md)."""

from __future__ import annotations

import json
import os
import stat
import struct

import polars as pl
import pytest

from scanner.errors import VaultError
from scanner.privacy.keys import KeyMaterial, rotate_vault_key, write_new_key
from scanner.privacy.vault import (
    MAGIC,
    VaultTampered,
    read_vault,
    read_vault_header,
    write_vault,
)

KEYS = KeyMaterial.from_master(bytes(range(32)))
OTHER = KeyMaterial.from_master(bytes([7]) * 32)


def _mapping(n: int, names: bool = False) -> pl.DataFrame:
    frame = pl.DataFrame({
        "row": pl.Series(range(1, n + 1), dtype=pl.Int64),
        "phone_token": [f"{i:032x}" for i in range(n)],
        "e164": [f"+86138{i:08d}" for i in range(n)],
    })
    if names:
        frame = frame.with_columns(name=pl.Series([f"王{i}" for i in range(n)]))
    return frame


def _chunks(path) -> tuple[bytes, list[bytes]]:
    """Split a vault file into (prefix, [chunk records]) for surgery."""
    data = path.read_bytes()
    (hlen,) = struct.unpack(">I", data[8:12])
    pos = 12 + hlen
    prefix, records = data[:pos], []
    while pos < len(data):
        (length,) = struct.unpack(">Q", data[pos:pos + 8])
        end = pos + 8 + 12 + length
        records.append(data[pos:end])
        pos = end
    return prefix, records


@pytest.mark.parametrize(("n", "chunk_rows", "names"), [(0, 10, False), (1, 10, True), (25, 10, False), (30, 10, True)])
def test_round_trip(tmp_path, n, chunk_rows, names):
    path = tmp_path / "vault.bin"
    mapping = _mapping(n, names)
    header = write_vault(path, mapping, scan_id="s1", keys=KEYS, chunk_rows=chunk_rows)
    assert header["chunks"] == max(1, -(-n // chunk_rows))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_vault(path, scan_id="s1", keys=KEYS).equals(mapping)
    assert read_vault(path, scan_id=None, keys=KEYS).equals(mapping)
    public = read_vault_header(path)
    assert public["key_id"] == KEYS.key_id and public["rows"] == n
    assert b"+86138" not in path.read_bytes()  # encrypted


def test_nonces_unique(tmp_path):
    path = tmp_path / "vault.bin"
    write_vault(path, _mapping(50), scan_id="s1", keys=KEYS, chunk_rows=5)
    _, records = _chunks(path)
    nonces = {r[8:20] for r in records}
    assert len(nonces) == len(records) == 10


@pytest.fixture()
def vault(tmp_path):
    path = tmp_path / "vault.bin"
    write_vault(path, _mapping(30), scan_id="s1", keys=KEYS, chunk_rows=10)
    return path


def _refused(path, *, scan_id="s1", keys=KEYS, exit_code=1) -> str:
    with pytest.raises(VaultError) as info:
        read_vault(path, scan_id=scan_id, keys=keys)
    assert info.value.exit_code == exit_code
    assert isinstance(info.value, VaultTampered) == (exit_code == 1)
    message = info.value.one_line()
    assert "\n" not in message and "+86" not in message
    return message


def test_flipped_byte_anywhere_is_refused(vault):
    data = vault.read_bytes()
    header_len = struct.unpack(">I", data[8:12])[0]
    # a byte in the header JSON, a nonce, a ciphertext, a tag
    for offset in (12 + header_len // 2, 12 + header_len + 8 + 3, len(data) // 2, len(data) - 1):
        corrupted = bytearray(data)
        corrupted[offset] ^= 0x01
        vault.write_bytes(bytes(corrupted))
        with pytest.raises(VaultError):
            read_vault(vault, scan_id="s1", keys=KEYS)


def test_ciphertext_flip_message(vault):
    data = bytearray(vault.read_bytes())
    data[-5] ^= 0x80
    vault.write_bytes(bytes(data))
    assert "failed authentication" in _refused(vault)


def test_truncated(vault):
    prefix, records = _chunks(vault)
    vault.write_bytes(prefix + b"".join(records[:2]))
    assert "truncated" in _refused(vault)
    vault.write_bytes(prefix + b"".join(records)[:-7])
    assert "truncated" in _refused(vault)
    vault.write_bytes(prefix[:20])
    assert "truncated" in _refused(vault)


def test_dropping_last_chunk_and_rewriting_count_is_refused(vault):
    prefix, records = _chunks(vault)
    header = json.loads(prefix[12:])
    header["chunks"] = 2
    header_bytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    forged = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
    vault.write_bytes(forged + b"".join(records[:2]))
    assert "failed authentication" in _refused(vault)


def test_reordered_chunks(vault):
    prefix, records = _chunks(vault)
    vault.write_bytes(prefix + records[1] + records[0] + records[2])
    assert "chunk 0 of 3 failed authentication" in _refused(vault)


def test_trailing_data(vault):
    vault.write_bytes(vault.read_bytes() + b"x")
    assert "trailing data" in _refused(vault)


def test_spliced_from_another_vault_of_same_scan(tmp_path, vault):
    other = tmp_path / "other.bin"
    write_vault(other, _mapping(30), scan_id="s1", keys=KEYS, chunk_rows=10)
    prefix, records = _chunks(vault)
    _, foreign = _chunks(other)
    vault.write_bytes(prefix + records[0] + foreign[1] + records[2])
    assert "chunk 1 of 3 failed authentication" in _refused(vault)


def test_vault_from_another_scan(vault):
    assert "belongs to scan s1, not to scan s2" in _refused(vault, scan_id="s2")


def test_wrong_key_names_both_ids(vault):
    message = _refused(vault, keys=OTHER, exit_code=2)
    assert f"written with key {KEYS.key_id}, you have key {OTHER.key_id}" in message


def test_not_a_vault_and_missing(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"PAR1 definitely not a vault")
    assert "not a contact-scanner vault" in _refused(junk, exit_code=2)
    assert "not found" in _refused(tmp_path / "missing.bin", exit_code=2)


def test_rotation_keeps_old_vaults_readable(tmp_path):
    key_path = tmp_path / "key.json"
    original = write_new_key(key_path)
    old = tmp_path / "old.bin"
    write_vault(old, _mapping(5), scan_id="a", keys=original)
    new_key = rotate_vault_key(key_path)
    from scanner.privacy.keys import read_key_file

    rotated = read_key_file(key_path)
    assert rotated.key_id == original.key_id and rotated.current_vault_key().id == new_key.id
    assert [k.retired for k in rotated.vault_keys()] == [True, False]
    new = tmp_path / "new.bin"
    write_vault(new, _mapping(5), scan_id="b", keys=rotated)
    assert read_vault_header(new)["vault_key_id"] == new_key.id
    assert read_vault(old, scan_id="a", keys=rotated).height == 5
    assert read_vault(new, scan_id="b", keys=rotated).height == 5
    # the master alone (no keyring) cannot open the new vault: clear message, exit 2
    message = _refused(new, scan_id="b", keys=original, exit_code=2)
    assert f"vault key {new_key.id}" in message and "not in the keyring" in message


def test_bad_mapping_columns(tmp_path):
    with pytest.raises(ValueError):
        write_vault(tmp_path / "v.bin", pl.DataFrame({"row": [1]}), scan_id="s", keys=KEYS)
