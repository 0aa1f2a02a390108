"""Every input format reads every column as text, with rows numbered 1..n."""

import datetime as dt
import json

import polars as pl
import pytest
import xlsxwriter

from scanner.errors import InputError
from scanner.ingest import CANONICAL, Ingested, read_input
from ingest_support import phones


def check_rows(result: Ingested, n: int):
    assert result.frame.columns[0] == "row"
    assert result.frame.schema["row"] == pl.Int64
    assert result.frame["row"].to_list() == list(range(1, n + 1))
    assert result.frame.schema["line"] == pl.Int64
    assert all(dtype == pl.String for dtype in list(result.frame.schema.values())[2:])


def test_csv_keeps_leading_zero_and_plus(write):
    path = write("list.csv", "phone,name,zip\n+8613800138000,Ann,01234\n013800138001,Bob,00007\n")
    result = read_input(path)
    check_rows(result, 2)
    assert result.frame["phone"].to_list() == ["+8613800138000", "013800138001"]
    assert result.frame["zip"].to_list() == ["01234", "00007"]
    assert (result.format, result.encoding, result.has_header) == ("csv", "utf-8", True)
    assert result.columns == {"phone": "phone", "name": "name"}
    assert result.extra_columns == ("zip",)
    assert result.path == str(path) and len(result.sha256) == 64
    assert result.bad_records == ()


@pytest.mark.parametrize(("delimiter", "name", "fmt"),
                         [(",", "a.csv", "csv"), ("\t", "a.tsv", "tsv"), (";", "a.csv", "csv"),
                          ("|", "a.txt", "txt"), ("\t", "noext", "tsv"), (";", "noext", "csv")])
def test_delimiter_is_sniffed(write, delimiter, name, fmt):
    lines = [delimiter.join(["mobile", "name", "source"])]
    lines += [delimiter.join([p, f"N{i}", "web, form"]) for i, p in enumerate(phones(5))]
    if delimiter == ",":
        lines[1:] = [f'{p},N{i},"web, form"' for i, p in enumerate(phones(5))]
    result = read_input(write(name, "\n".join(lines) + "\n"))
    check_rows(result, 5)
    assert result.format == fmt
    assert result.frame["phone"].to_list() == phones(5)
    assert result.frame["source"].to_list() == ["web, form"] * 5


def test_semicolon_with_decimal_commas_is_not_comma_separated(write):
    text = "telefon;betrag\n" + "".join(f"{p};1,5\n" for p in phones(4))
    result = read_input(write("eu.csv", text))
    assert result.frame.columns == ["row", "line", "phone", "betrag"]
    assert result.frame["betrag"].to_list() == ["1,5"] * 4


def test_headerless_txt_one_number_per_line(write):
    result = read_input(write("numbers.txt", "\n".join(phones(3)) + "\n\n"))
    check_rows(result, 3)
    assert (result.format, result.has_header) == ("txt", False)
    assert result.columns == {"phone": "column_1"}
    assert result.frame["phone"].to_list() == phones(3)


def test_headerless_csv_maps_phone_by_values(write):
    text = "".join(f"N{i},{p},x{i}@example.com\n" for i, p in enumerate(phones(4)))
    result = read_input(write("list.csv", text))
    assert not result.has_header
    assert result.frame.columns == ["row", "line", "column_1", "phone", "email"]  # both found by their values
    assert result.columns == {"phone": "column_2", "email": "column_3"}
    check_rows(result, 4)


def test_quoted_single_column_values_are_unquoted(write):
    result = read_input(write("n.txt", 'phone\n"13800138000"\n"+86 138 0013 8001"\n'))
    assert result.frame["phone"].to_list() == ["13800138000", "+86 138 0013 8001"]


def _xlsx(path, rows, sheet="Sheet1", extra_sheet=None):
    workbook = xlsxwriter.Workbook(str(path))
    for name, data in [(sheet, rows)] + ([extra_sheet] if extra_sheet else []):
        sheet_obj = workbook.add_worksheet(name)
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        for r, values in enumerate(data):
            for c, value in enumerate(values):
                if isinstance(value, dt.datetime):
                    sheet_obj.write_datetime(r, c, value, date_format)
                elif value is not None:
                    sheet_obj.write(r, c, value)
    workbook.close()
    return path


def test_xlsx_numeric_phone_cells_keep_all_digits(tmp_path):
    path = _xlsx(tmp_path / "list.xlsx", [
        ["手机号", "姓名", "收集时间"],
        [13800138000, "张三", dt.datetime(2024, 1, 2)],
        [13800138001.0, "李四", None],
        [None, None, None],
        ["013800138002", "王五", "2024-01-03"],
        [8613800138003, 7, None],
    ])
    result = read_input(path)
    check_rows(result, 4)
    assert result.format == "xlsx" and result.encoding is None
    values = result.frame["phone"].to_list()
    assert [v.removesuffix(".0") for v in values] == [
        "13800138000", "13800138001", "013800138002", "8613800138003"]
    assert result.frame["name"].to_list() == ["张三", "李四", "王五", "7"]
    assert result.columns == {"phone": "手机号", "name": "姓名", "collected_at": "收集时间"}
    assert result.frame["collected_at"][0].startswith("2024-01-02")


def test_xlsx_sheet_selection(tmp_path):
    path = _xlsx(tmp_path / "list.xlsx", [["x"], ["y"]],
                 extra_sheet=("联系人", [["电话"], [13800138000]]))
    result = read_input(path, sheet="联系人")
    assert result.frame["phone"].to_list() == ["13800138000"]
    with pytest.raises(InputError, match="sheet 'missing' not found"):
        read_input(path, sheet="missing")
    with pytest.raises(InputError, match="no phone column"):
        read_input(path)


def test_parquet_is_cast_to_text(tmp_path):
    path = tmp_path / "list.parquet"
    pl.DataFrame({"Phone Number": [13800138000, 13800138001], "score": [1.5, None],
                  "when": [dt.date(2024, 1, 1), None], "tags": [["a"], []]}).write_parquet(path)
    result = read_input(path)
    check_rows(result, 2)
    assert result.format == "parquet"
    assert result.frame["phone"].to_list() == ["13800138000", "13800138001"]
    assert result.frame["score"].to_list() == ["1.5", None]
    assert result.frame["when"].to_list() == ["2024-01-01", None]
    assert result.frame["tags"].to_list() == ['["a"]', "[]"]


def test_json_array_keeps_number_text(write):
    records = '[{"phone": 13800138000, "name": "A", "opt-in": true},' \
              ' {"phone": "+8613800138001", "extra": {"k": 1}}, {"phone": 1.3800138002E10}]'
    result = read_input(write("list.json", records))
    check_rows(result, 3)
    assert result.format == "json"
    assert result.frame["phone"].to_list() == ["13800138000", "+8613800138001", "1.3800138002E10"]
    assert result.frame["consent"].to_list() == ["true", None, None]
    assert result.frame.columns == ["row", "line", "phone", "name", "consent", "extra.k"]   # objects flattened
    assert result.frame["extra.k"].to_list() == [None, "1", None]


def test_json_wrapper_object(write):
    result = read_input(write("list.json", json.dumps({"code": 0, "data": [{"tel": p} for p in phones(3)]})))
    assert result.frame["phone"].to_list() == phones(3)


def test_ndjson_with_a_bad_line(write):
    lines = [json.dumps({"mobile": p}) for p in phones(3)]
    lines.insert(1, '{"mobile": "138')
    lines.insert(3, '"just a string"')
    result = read_input(write("list.ndjson", "\n".join(lines) + "\n"))
    check_rows(result, 5)
    assert result.format == "ndjson"
    assert [(b.row, b.reason) for b in result.bad_records] == [(2, "invalid JSON"), (4, "not a JSON object")]
    assert result.frame["phone"].to_list() == [phones(3)[0], None, phones(3)[1], None, phones(3)[2]]


def test_broken_json_array_one_object_per_line_resynchronizes(write):
    text = "[\n" + ",\n".join(json.dumps({"phone": p}) for p in phones(3)) + "\n]\n"
    text = text.replace('"13800100001"', '"13800100001')
    result = read_input(write("list.json", text))
    assert [(b.row, b.reason) for b in result.bad_records] == [(2, "invalid JSON")]
    assert result.frame.height == 3


def test_invalid_json_is_an_input_error(write):
    with pytest.raises(InputError, match="invalid JSON") as info:
        read_input(write("list.json", '[{"phone": "13800138000"} {"phone": 1}]'))
    assert "13800138000" not in info.value.one_line()


@pytest.mark.parametrize("lazy", [False, True])
def test_dataframe_input(lazy):
    frame = pl.DataFrame({"电话": [13800138000, None], "row": ["a", "b"], "consent": [True, False]})
    result = read_input(frame.lazy() if lazy else frame)
    check_rows(result, 2)
    assert (result.format, result.path, result.sha256, result.encoding) == ("dataframe", None, None, None)
    assert result.frame.columns == ["row", "line", "phone", "row_2", "consent"]
    assert result.frame["phone"].to_list() == ["13800138000", None]
    assert result.frame["consent"].to_list() == ["true", "false"]
    assert result.extra_columns == ("row_2",)


def test_format_detected_by_content_not_extension(tmp_path, write):
    parquet = tmp_path / "really_parquet.csv"
    pl.DataFrame({"phone": phones(2)}).write_parquet(parquet)
    assert read_input(parquet).format == "parquet"
    xlsx = _xlsx(tmp_path / "really.xlsx", [["phone"], ["13800138000"]])
    renamed = tmp_path / "export.csv"
    renamed.write_bytes(xlsx.read_bytes())
    assert read_input(renamed).format == "xlsx"
    assert read_input(write("data.txt", json.dumps([{"phone": "13800138000"}]))).format == "json"


def test_canonical_order():
    assert CANONICAL[0] == "phone" and len(CANONICAL) == 11


def test_tab_separated_txt_with_commas_in_names(write):
    text = "手机号\t姓名\t备注\n" + "".join(f"{p}\tSmith, J{i}\tx\n" for i, p in enumerate(phones(4)))
    result = read_input(write("export.txt", text))
    assert result.format == "txt"
    assert result.frame["name"].to_list() == [f"Smith, J{i}" for i in range(4)]


def test_single_line_ndjson_keeps_its_format(write):
    result = read_input(write("one.ndjson", '{"phone": "13800138000"}\n'))
    assert result.format == "ndjson" and result.frame.height == 1
