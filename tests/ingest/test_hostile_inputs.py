"""Hostile inputs are bounded: deep JSON, oversized spreadsheets, huge quoted fields and
very wide files give a clear one-line error or a read, never a crash or a memory blow-up."""

import json

import pytest

from scanner.errors import InputError
from scanner.ingest import read_input, workbook
from scanner.ingest.stream import MAX_COLUMNS
from scanner.ingest.structured import MAX_JSON_DEPTH
from tests.fuzz.cases import raw_workbook
from tests.ingest.ingest_support import phones


def _nested(depth: int) -> str:
    return '{"a":' * (depth - 1) + '["x"' + "]" + "}" * (depth - 1)


def test_json_nested_deeper_than_the_bound_is_refused_with_its_line(write):
    text = "[\n" + json.dumps({"phone": phones(1)[0]}) + ",\n" + "[" * 5000 + "]" * 5000 + "\n]"
    with pytest.raises(InputError, match=f"nested deeper than {MAX_JSON_DEPTH} levels at line 3"):
        read_input(write("deep.json", text))


def test_json_at_the_bound_is_read(write):
    record = {"phone": phones(1)[0], "extra": json.loads(_nested(MAX_JSON_DEPTH - 2))}
    result = read_input(write("ok.json", json.dumps([record])))
    assert result.frame["phone"].to_list() == phones(1)


def test_brackets_inside_strings_do_not_count(write):
    tricky = '"' + "[{" * 5000 + '\\"' + "[" * 100 + '"'
    text = f'[{{"phone": "{phones(1)[0]}", "note": {tricky}}}]'
    result = read_input(write("strings.json", text))
    assert result.frame.height == 1 and result.frame["note"][0].startswith("[{[{")


def test_deep_ndjson_line_is_a_bad_record_the_others_are_read(write):
    lines = [json.dumps({"phone": p}) for p in phones(3)]
    lines.insert(1, '{"phone": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = read_input(write("deep.ndjson", "\n".join(lines) + "\n"))
    assert [(b.row, b.reason) for b in result.bad_records] == [
        (2, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")]
    assert result.frame["phone"].drop_nulls().to_list() == phones(3)


def test_ndjson_lines_that_keep_an_array_open_are_bounded(write):
    # Each line alone is shallow; joined as one array they would nest 10,000 deep.
    text = '{"phone": "1"}\n' + "[1\n" * 10_000
    result = read_input(write("open.ndjson", text))
    assert len(result.bad_records) == 10_000


def test_every_ndjson_line_unreadable_names_the_first_reason(write):
    with pytest.raises(InputError, match=r"all 2 records are bad \(row 1: JSON nested deeper"):
        read_input(write("deep.ndjson", "{" * 3000 + "\n" + "{" * 3000 + "\n"))


def test_unterminated_string_of_escaped_quotes_is_read_in_linear_time(write):
    text = '[{"phone": "' + '\\"' * 2_000_000
    with pytest.raises(InputError, match="invalid JSON"):
        read_input(write("open.json", text))


def _cells(rows: int, value: bytes = b"1") -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c><c r="B%d" t="s"><v>%s</v></c></row>'
                    % (i + 1, i + 1, i + 1, value) for i in range(rows))


def test_xlsx_shared_string_over_the_cell_limit_is_refused(write):
    data = raw_workbook([b"phone", b"x" * ((1 << 20) + 1)], _cells(2))
    with pytest.raises(InputError, match=r"shared string .* longer than the cell limit \(1 MiB\)"):
        read_input(write("big.xlsx", data))


def test_xlsx_cells_pointing_at_a_long_shared_string_are_refused_before_reading(write):
    # 23 KB of zip; read, its cells would hold 5,000 copies of a 1M-character string.
    data = raw_workbook([b"phone", b"x" * ((1 << 20) - 100)], _cells(5000))
    assert len(data) < 64 << 10
    with pytest.raises(InputError, match="cells would hold more than 512 MiB of text"):
        read_input(write("bomb.xlsx", data))


def test_xlsx_value_forms_that_index_shared_strings_all_count(write):
    data = raw_workbook([b"phone", b"x" * ((1 << 20) - 100)], _cells(2500, b" +1 ") + _cells(2500, b"1"))
    with pytest.raises(InputError, match="cells would hold more than 512 MiB"):
        read_input(write("bomb.xlsx", data))


def test_xlsx_zip_bomb_is_refused_on_what_it_decompresses_to(write, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_UNCOMPRESSED", 8 << 20)  # (the bound, scaled down)
    data = raw_workbook([b"phone"], _cells(1, b"0"), padding_mib=9)
    assert len(data) < 64 << 10
    with pytest.raises(InputError, match="decompresses to more than 8 MiB"):
        read_input(write("bomb.xlsx", data))


def test_xlsx_cells_at_far_corners_are_refused_by_the_sheet_span(write):
    cells = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="200000"><c r="ZZ200000"><v>1</v></c></row>'
    with pytest.raises(InputError, match="spans 200,000 rows × 702 columns"):
        read_input(write("far.xlsx", raw_workbook([b"phone"], cells)))


def test_xlsx_within_the_bounds_is_read(write):
    numbers = phones(50)
    data = raw_workbook([b"phone", b"y" * 100_000] + [p.encode() for p in numbers],
                        b"".join(b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (i + 2, i + 2, i + 2)
                                 for i in range(50)) + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    assert read_input(write("ok.xlsx", data)).frame["phone"].to_list() == numbers


def _wide(columns: int, rows: int = 3, name: str = "c{}") -> str:
    header = ",".join(["phone"] + [name.format(i) for i in range(1, columns)])
    return "\n".join([header] + [",".join([p] + ["v"] * (columns - 1)) for p in phones(rows)]) + "\n"


def test_a_header_longer_than_the_sniffed_sample_sets_the_width(write):
    # The header line alone is longer than the 64 KiB the sniffers sample.
    text = _wide(4_000, name="extra_column_{:06d}")
    assert text.index("\n") > 64 << 10
    result = read_input(write("wide.csv", text))
    assert result.frame.width == 4_002 and not result.bad_records
    assert result.frame["phone"].to_list() == phones(3)


def test_wider_than_a_spreadsheet_is_refused_saying_so(write):
    with pytest.raises(InputError, match="100,000 columns, more than the 16,384 read"):
        read_input(write("wide.csv", _wide(100_000, rows=1)))
    record = {f"k{i}": "v" for i in range(MAX_COLUMNS)} | {"phone": phones(1)[0]}
    with pytest.raises(InputError, match="16,385 columns"):
        read_input(write("wide.json", json.dumps([record])))


def _dictionary_parquet(path, values: list[str], indices: list[int]):
    import pyarrow as pa
    import pyarrow.parquet as pq

    note = pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(values))
    phone = pa.array(phones(len(indices)))
    pq.write_table(pa.table({"phone": phone, "note": note}), path, use_dictionary=True)
    return path


def test_parquet_dictionary_bomb_is_refused_before_it_is_decoded(tmp_path):
    # 1 KB of file; decoded, 20,000 rows would each hold the same 900 KiB value.
    path = _dictionary_parquet(tmp_path / "bomb.parquet", ["y" * (900 << 10)], [0] * 20_000)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(InputError, match="decodes to more than 1000 times its size"):
        read_input(path)


def test_parquet_value_over_the_cell_limit_makes_its_rows_bad_records(tmp_path):
    path = _dictionary_parquet(tmp_path / "big.parquet", ["ok", "z" * ((1 << 20) + 1)], [0, 1, 0, 1])
    result = read_input(path)
    assert [b.row for b in result.bad_records] == [2, 4]
    assert all("exceeds the 1048576-byte limit" in b.reason for b in result.bad_records)
    assert result.frame["phone"].to_list() == [phones(4)[0], None, phones(4)[2], None]


def test_xlsx_with_bytes_missing_near_its_start_is_an_input_error(write):
    # The zip's offsets then point before its start (zipfile: "negative seek value").
    data = raw_workbook([b"phone"], _cells(3))
    with pytest.raises(InputError, match="not a readable Excel workbook"):
        read_input(write("cut.xlsx", data[:100] + data[142:]))


def test_parquet_whose_column_path_is_not_utf8_is_an_input_error():
    # Found by fuzzing: a flipped byte in a column chunk's path made pyarrow raise
    # UnicodeDecodeError while the reader looked for dictionary-encoded columns.
    from pathlib import Path

    path = Path(__file__).parent / "data" / "damaged_column_path.parquet"
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_input(str(path))


def _with_bad_text(tmp_path, nested: bool) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    offsets = pa.py_buffer(bytes([0, 0, 0, 0, 11, 0, 0, 0, 16, 0, 0, 0]))
    text = pa.Array.from_buffers(pa.string(), 2, [None, offsets, pa.py_buffer(b"13800138000\xff\xfeabc")])
    if nested:
        text = pa.ListArray.from_arrays(pa.array([0, 1, 2], pa.int32()), text)
    path = tmp_path / f"bad_text_{nested}.parquet"
    pq.write_table(pa.table({"phone": pa.array(phones(2)), "note": text}), path)
    return str(path)


@pytest.mark.parametrize("nested", [False, True], ids=["column", "list-of-text"])
def test_parquet_text_that_is_not_utf8_is_an_input_error(tmp_path, nested):
    # pyarrow writes and reads such text unchecked; polars' own conversion then panics
    with pytest.raises(InputError, match="column 2 holds text that is not valid UTF-8"):
        read_input(_with_bad_text(tmp_path, nested))


def test_parquet_found_by_fuzzing_with_non_utf8_text_in_a_list_is_an_input_error():
    # a flipped byte inside a list column's strings (the default fuzz sample, seed 20261207)
    from pathlib import Path

    path = Path(__file__).parent / "data" / "non_utf8_list_text.parquet"
    with pytest.raises(InputError, match="not valid UTF-8"):
        read_input(str(path))
