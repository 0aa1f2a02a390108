"""Header synonyms (EN and ZH), overrides, phone detection by values, headerless files."""

import polars as pl
import pytest

from ingest_support import phones
from scanner.errors import InputError
from scanner.ingest import CANONICAL, SYNONYMS, canonical_for, normalize_header, read_input
from scanner.ingest.synonyms import LOOKUP


def csv_text(header, rows):
    return "\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n"


def test_synonym_table_is_unambiguous_and_complete():
    assert set(SYNONYMS) == set(CANONICAL)
    seen = {}
    for canonical, names in SYNONYMS.items():
        for name in names:
            key = normalize_header(name)
            assert seen.setdefault(key, canonical) == canonical, name
            assert LOOKUP[key] == canonical


@pytest.mark.parametrize(("header", "canonical"), [
    ("Mobile Phone", "phone"), ("MOBILE_PHONE", "phone"), ("mobile-phone*", "phone"),
    (" Tel ", "phone"), ("MSISDN", "phone"), ("手机号码", "phone"), ("联系电话", "phone"),
    ("手机号（必填）", "phone"), ("Phone (mobile)", "phone"), ("ｐｈｏｎｅ", "phone"),
    ("\ufeffphone", "phone"), ("Full Name", "name"), ("客户姓名", "name"), ("E-mail", "email"),
    ("邮箱", "email"), ("Lead Source", "source"), ("获取渠道", "source"), ("Opt-In", "consent"),
    ("是否同意", "consent"), ("Consent Channel", "consent_channel"), ("授权渠道", "consent_channel"),
    ("purpose", "consent_purpose"), ("同意用途", "consent_purpose"),
    ("Opt-in Date", "consent_time"), ("同意时间", "consent_time"), ("proof", "consent_evidence"),
    ("同意凭证", "consent_evidence"), ("Country Code", "region"), ("地区", "region"),
    ("created_at", "collected_at"), ("注册时间", "collected_at"), ("备注", None), ("", None),
])
def test_canonical_for(header, canonical):
    assert canonical_for(header) == canonical


def test_chinese_headers_map_and_extras_keep_their_header(write):
    header = ["序号", "客户姓名", "手机号码", "数据来源", "是否同意", "同意渠道", "用途", "同意时间",
              "同意凭证", "地区", "采集时间", "备注"]
    row = ["1", "张三", "13800138000", "官网", "是", "短信", "营销", "2024-01-01", "E1", "CN",
           "2024-01-01", "VIP"]
    result = read_input(write("list.csv", csv_text(header, [row])))
    assert list(result.columns) == [c for c in CANONICAL if c != "email"]
    assert result.columns["phone"] == "手机号码"
    assert result.extra_columns == ("序号", "备注")
    assert result.frame.columns == ["row", "line", "序号", "name", "phone", "source", "consent",
                                    "consent_channel", "consent_purpose", "consent_time",
                                    "consent_evidence", "region", "collected_at", "备注"]


def test_every_phone_header_is_a_phone_column_in_column_order(write):
    result = read_input(write("l.csv", csv_text(["电话", "手机", "phone"], [phones(3)])))
    assert result.columns == {"phone": "电话", "phone_2": "手机", "phone_3": "phone"}
    assert result.phone_columns == ("phone", "phone_2", "phone_3")
    assert result.frame.columns == ["row", "line", "phone", "phone_2", "phone_3"]
    assert result.extra_columns == ()


def test_duplicate_and_empty_headers_are_deduplicated(write):
    result = read_input(write("l.csv", csv_text(["phone", "x", "x", "", "row"],
                                                [["13800138000", "a", "b", "c", "d"]])))
    assert result.frame.columns == ["row", "line", "phone", "x", "x_2", "column_4", "row_2"]
    assert result.frame.row(0) == (1, 2, "13800138000", "a", "b", "c", "d")


def test_column_overrides_beat_synonyms(write):
    text = csv_text(["phone", "backup number", "who"], [["13800138000", "13900139000", "Ann"]])
    result = read_input(write("l.csv", text),
                        column_overrides={"phone": "Backup Number", "name": "who"})
    assert result.columns == {"phone": "backup number", "name": "who"}
    assert result.frame.columns == ["row", "line", "phone_2", "phone", "name"]
    assert result.frame["phone"].to_list() == ["13900139000"]
    assert result.extra_columns == ("phone_2",)


def test_override_naming_a_missing_header_is_an_error(write):
    path = write("l.csv", csv_text(["phone", "name"], [["13800138000", "Ann"]]))
    with pytest.raises(InputError, match="column override source = '来源': no such column "
                                         r"\(headers: phone, name\)"):
        read_input(path, column_overrides={"source": "来源"})
    with pytest.raises(InputError, match="unknown column 'telephone'"):
        read_input(path, column_overrides={"telephone": "phone"})
    with pytest.raises(InputError, match="both name column"):
        read_input(path, column_overrides={"phone": "phone", "name": "phone"})


def test_override_names_headerless_column(write):
    result = read_input(write("l.txt", "Ann,13800138000,13900139000\n"),
                        column_overrides={"phone": "column_3"})
    assert not result.has_header
    assert result.columns == {"phone": "column_3"}
    assert result.frame["phone"].to_list() == ["13900139000"]


def test_override_naming_an_unknown_header_makes_it_a_header(write):
    result = read_input(write("l.csv", "号码A,号码B\n13800138000,13900139000\n"),
                        column_overrides={"phone": "号码B"})
    assert result.has_header and result.frame["phone"].to_list() == ["13900139000"]


def test_phone_column_found_by_values_when_no_header_names_it(write):
    rows = [[f"N{i}", "2024-01-0" + str(i + 1), p, "110101199001011234"] for i, p in enumerate(phones(6))]
    result = read_input(write("l.csv", csv_text(["who", "day", "contact", "id"], rows)))
    assert result.has_header
    assert result.columns == {"phone": "contact"}
    assert result.frame["phone"].to_list() == phones(6)


def test_phone_column_tolerates_separators_and_blanks(write):
    values = ["+86 138-0013-8000", "(138) 0013 8001", "", "13800138003.0", "n/a", "138 0013 8004"]
    text = "a,b\n" + "".join(f"x{i},{v}\n" for i, v in enumerate(values))
    result = read_input(write("l.csv", text))
    assert result.columns == {"phone": "b"}
    assert result.frame["phone"].to_list() == ["+86 138-0013-8000", "(138) 0013 8001", None,
                                               "13800138003.0", "n/a", "138 0013 8004"]


def test_no_phone_column_lists_each_column_with_what_it_looks_like(write):
    with pytest.raises(InputError, match=r"no phone column found \(columns: 姓名: text \(1 distinct of 1\); "
                                         r"来源: text \(1 distinct of 1\)\)"):
        read_input(write("l.csv", "姓名,来源\n张三,官网\n"))


def test_no_phone_column_never_shows_a_value(write):
    text = "订单号,身份证,金额\n" + "".join(
        f"2023110{i}123456789,11010119900101{i:03d}X,{i}9.90\n" for i in range(5))
    with pytest.raises(InputError) as info:
        read_input(write("l.csv", text))
    line = info.value.one_line()
    assert "订单号: numbers, not phone numbers (0% valid)" in line and "[columns] phone" in line
    assert "2023110" not in line and "110101" not in line and "9.90" not in line


def test_no_phone_column_without_known_headers_masks_digit_headers(write):
    with pytest.raises(InputError) as info:
        read_input(write("l.csv", "a,b,c\nx,q,z\n"))
    assert "columns: a: text (1 distinct of 1); b: text" in info.value.message
    with pytest.raises(InputError) as info:
        read_input(write("l.csv", "id 1380013,note\nx,y\nx,y\n"))
    assert "1380013" not in info.value.one_line()
    assert "column_1: text" in info.value.message


def test_header_only_is_no_data_rows(write):
    with pytest.raises(InputError, match="no data rows"):
        read_input(write("l.csv", "手机号,姓名\n\n\n"))


def test_frame_columns_are_renamed_in_place():
    result = read_input(pl.DataFrame({"备注": ["x"], "Mobile": ["13800138000"]}))
    assert result.frame.columns == ["row", "line", "备注", "phone"]
    assert result.columns == {"phone": "Mobile"}
