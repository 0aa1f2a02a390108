"""``line``: the place a person finds a record at in their own file (docs/ARCHITECTURE.md)."""

import random

import openpyxl
import polars as pl
import pytest

from scanner.ingest import open_input, read_input
from ingest_support import phones


def _lines_by_batch(path, batch_bytes):
    stream = open_input(path, batch_bytes=batch_bytes)
    return [line for batch in stream for line in batch.frame["line"].to_list()]


def _generated(seed: int, records: int = 300):
    """A CSV with a title line, blank lines, CRLF ends and multi-line quoted fields, and
    the line each record starts on (counted while writing it)."""
    rng = random.Random(seed)
    out, expected, line = ["2026年11月 客户名单\n", "phone,name,note\n"], [], 3
    for k, number in enumerate(phones(records)):
        while rng.random() < 0.15:
            out.append("\n" if rng.random() < 0.5 else "  \r\n")
            line += 1
        note = rng.choice(["x", '"two\nlines"', '"three\nwhole\nlines"', '"a, b"'])
        end = "\r\n" if rng.random() < 0.3 else "\n"
        out.append(f"{number},n{k},{note}{end}")
        expected.append(line)
        line += 1 + note.count("\n")
    return "".join(out), expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_records_line_counts_titles_blanks_and_multi_line_fields(write, seed):
    text, expected = _generated(seed)
    path = write(f"list{seed}.csv", text)
    for batch_bytes in (64, 1000, 1 << 20):
        assert _lines_by_batch(path, batch_bytes) == expected
    assert read_input(path).frame["row"].to_list() == list(range(1, len(expected) + 1))


def test_a_bad_record_names_its_line(write):
    path = write("l.csv", "phone,name\n13800138000,a\n\n13800138001,a,b\n13800138002,c\n")
    result = read_input(path)
    assert result.frame["line"].to_list() == [2, 4, 5]
    [bad] = result.bad_records
    assert (bad.row, bad.line) == (2, 4)


def test_a_sheet_row_is_excels_row_number(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B2"] = "2026年11月客户名单"
    sheet["B3"], sheet["C3"] = "手机号", "姓名"
    sheet["B4"], sheet["C4"] = "13800138000", "张三"
    sheet["B7"], sheet["C7"] = "13900139000", "李四"
    path = tmp_path / "list.xlsx"
    book.save(path)
    result = read_input(path)
    assert result.title_rows == 1
    assert result.frame.select("row", "line").rows() == [(1, 4), (2, 7)]


def test_parquet_and_frames_number_records(tmp_path):
    frame = pl.DataFrame({"phone": phones(3), "name": ["a", "b", "c"]})
    frame.write_parquet(tmp_path / "l.parquet")
    assert read_input(tmp_path / "l.parquet").frame["line"].to_list() == [1, 2, 3]
    assert read_input(frame).frame["line"].to_list() == [1, 2, 3]
