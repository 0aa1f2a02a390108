"""Quoted fields spanning many lines: read as one record under the size limit, one bad
record over it (never split into rows of their own), the same whatever the batch size."""

import pytest

from scanner.ingest import open_input, read_input
from scanner.ingest.sniff import first_record_width, sniff_delimiter


def _read(path, batch_bytes, limit):
    s = open_input(path, batch_bytes=batch_bytes, max_field_bytes=limit)
    batches = list(s)
    rows = [r for b in batches for r in b.frame.iter_rows(named=True)]
    return rows, [(b.row, b.reason) for batch in batches for b in batch.bad_records]


def test_a_field_longer_than_the_csv_modules_own_limit_is_read(write):
    # 300,000 newlines: over the csv module's 128 KiB field limit, under the 1 MiB cell limit
    path = write("l.csv", 'phone,note\n13800138000,"' + "\n" * 300_000 + 'x"\n13700137000,ok\n')
    result = read_input(path)
    assert result.bad_records == ()
    assert result.frame["phone"].to_list() == ["13800138000", "13700137000"]
    assert result.frame["note"][0] == "\n" * 300_000 + "x"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_a_field_over_the_limit_is_one_bad_record_and_the_others_are_read(write, newline, delimiter):
    text = (f"phone{delimiter}note{newline}13800138000{delimiter}\""
            + f"a{newline}" * 40_000 + f'"{newline}13700137000{delimiter}ok{newline}'
            + f"13600136000{delimiter}\"{newline}ok\"{newline}")
    path = write("l.tsv" if delimiter == "\t" else "l.csv", text)
    whole = _read(path, 1 << 30, 1 << 16)
    rows, bad = whole
    assert [r["phone"] for r in rows] == [None, "13700137000", "13600136000"]
    assert bad == [(1, "quoted field over the 65536-byte limit")]
    for size in (4096, 10_000):
        assert _read(path, size, 1 << 16) == whole


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
def test_oversized_fields_in_other_encodings(write, encoding):
    text = '手机号,备注\r\n13800138000,"' + "张三\r\n" * 20_000 + '"\r\n13700137000,李四\r\n'
    path = write("l.csv", text.encode(encoding))
    whole = _read(path, 1 << 30, 1 << 16)
    assert whole[1] == [(1, "quoted field over the 65536-byte limit")]
    assert [r["phone"] for r in whole[0]] == [None, "13700137000"]
    assert _read(path, 4096, 1 << 16) == whole


def test_an_oversized_field_that_never_closes_is_its_first_line(write):
    lines = ["phone,note", '13800138000,"open'] + [f"1370013{i:04d},x" for i in range(8000)]
    path = write("l.csv", "\n".join(lines) + "\n")
    whole = _read(path, 1 << 30, 1 << 16)
    assert whole[1] == [(1, "broken quoting (unterminated quote)")]
    assert len(whole[0]) == 8001
    assert _read(path, 4096, 1 << 16) == whole


def test_the_sniffers_skip_the_lines_inside_a_quoted_field():
    head = 'phone,note\n13800138000,"' + "a\n" * 40_000
    assert sniff_delimiter(head[: 1 << 16], ",") == ","
    assert first_record_width(head, ",") == 2
