"""Atomic, private, formula-safe output files."""

from __future__ import annotations

import os
import stat

import polars as pl
import pytest

from scanner.errors import InputError
from scanner.privacy.safe_files import (
    atomic_write_bytes,
    atomic_write_csv,
    atomic_writer,
    neutralize_formulas,
)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_write_bytes_mode_0600_and_replaces(tmp_path):
    target = tmp_path / "sub" / "out.bin"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert _mode(target) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]


def test_atomic_writer_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_writer(target) as fh:
            fh.write(b"half")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("+8613800138000", "+8613800138000"),  # E.164 stays importable
        ("13800138000", "13800138000"),
        ("王*", "王*"),
        (None, None),
    ],
)
def test_neutralize_formulas(cell, written):
    out = neutralize_formulas(pl.DataFrame({"v": [cell]}, schema={"v": pl.String}))
    assert out["v"][0] == written


def test_keep_columns_written_verbatim():
    frame = pl.DataFrame({"a": ["=x"], "b": ["=x"]})
    out = neutralize_formulas(frame, keep_columns=["b"])
    assert out.row(0) == ("'=x", "=x")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_atomic_write_csv_encodings(tmp_path, encoding):
    target = tmp_path / "out.csv"
    frame = pl.DataFrame({"row": [1, 2], "name": ["王*", "=HYPERLINK(\"x\")"]})
    atomic_write_csv(target, frame, encoding=encoding)
    assert _mode(target) == 0o600
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    text = raw.decode("utf-8-sig" if encoding != "gbk" else "gbk")
    assert text.splitlines()[1] == "1,王*"
    assert text.splitlines()[2].startswith("2,\"'=HYPERLINK")


def test_atomic_write_csv_unencodable_names_row_not_value(tmp_path):
    frame = pl.DataFrame({"row": [1, 2], "name": ["王", "\U0001F600x"]})
    with pytest.raises(InputError) as info:
        atomic_write_csv(tmp_path / "out.csv", frame, encoding="gbk")
    message = info.value.one_line()
    assert "row 2" in message and "'name'" in message and "\U0001F600" not in message
    assert not list(tmp_path.iterdir())
