"""A title line above the header (common in Chinese exports) is skipped, not read as data."""

import pytest
import xlsxwriter

from scanner.ingest import read_input

HEADER = ["姓名", "手机号", "来源"]
DATA = [["张三", "13800138000", "官网注册"], ["李四", "13900139000", "门店登记"]]


def _csv(tmp_path, title_line):
    p = tmp_path / "list.csv"
    lines = [title_line, ",".join(HEADER), *(",".join(r) for r in DATA)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("title", ["2026年11月客户名单", "2026年11月客户名单,,", '"客户名单, 内部",,'])
def test_csv_title_line_is_skipped(tmp_path, title):
    ing = read_input(_csv(tmp_path, title))
    assert ing.title_rows == 1
    assert ing.columns == {"phone": "手机号", "name": "姓名", "source": "来源"}
    assert ing.frame.get_column("row").to_list() == [1, 2]
    assert ing.bad_records == ()


def test_xlsx_title_cell_is_skipped(tmp_path):
    path = tmp_path / "list.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["客户名单导出"])
    ws.write_row(1, 0, HEADER)
    for i, r in enumerate(DATA, start=2):
        ws.write_row(i, 0, r)
    wb.close()
    ing = read_input(path)
    assert ing.title_rows == 1 and ing.frame.height == 2
    assert ing.frame.get_column("phone").to_list() == ["13800138000", "13900139000"]


def test_a_data_row_is_never_taken_for_a_title(tmp_path):
    p = tmp_path / "plain.csv"
    p.write_text("手机号\n13800138000\n13900139000\n", encoding="utf-8")
    ing = read_input(p)
    assert ing.title_rows == 0 and ing.frame.height == 2
