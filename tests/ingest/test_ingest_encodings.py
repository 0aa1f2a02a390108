"""Encodings are detected, never asked; undecodable and binary input are clear errors."""

import codecs
import random

import pytest

from scanner.errors import InputError
from scanner.ingest import read_input

TEXT = "手机号,姓名,来源\n13800138000,张三,官网注册\n13800138001,李四,线下活动\n"


@pytest.mark.parametrize(("encoding", "prefix", "expected"), [
    ("utf-8", b"", "utf-8"),
    ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ("gb18030", b"", "gb18030"),
    ("gbk", b"", "gb18030"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
    ("utf-16-le", b"", "utf-16-le"),
    ("utf-16-be", b"", "utf-16-be"),
])
def test_encodings_are_detected(write, encoding, prefix, expected):
    result = read_input(write("list.csv", prefix + TEXT.encode(encoding)))
    assert result.encoding == expected
    assert result.columns == {"phone": "手机号", "name": "姓名", "source": "来源"}
    assert result.frame["name"].to_list() == ["张三", "李四"]
    assert result.frame["source"].to_list() == ["官网注册", "线下活动"]
    assert result.frame["phone"].to_list() == ["13800138000", "13800138001"]


def test_utf16_crlf_excel_unicode_text(write):
    text = "电话\t姓名\r\n13800138000\t张三\r\n"
    result = read_input(write("export.txt", codecs.BOM_UTF16_LE + text.encode("utf-16-le")))
    assert (result.format, result.encoding) == ("txt", "utf-16-le")
    assert result.frame["name"].to_list() == ["张三"]


def test_gb18030_with_broken_quoting_uses_transcoded_fallback(write):
    text = '手机号,姓名\n13800138000,"张三\n13800138001,李四\n'
    result = read_input(write("list.csv", text, "gb18030"))
    assert result.encoding == "gb18030"
    assert [b.row for b in result.bad_records] == [1]
    assert result.frame["name"].to_list() == [None, "李四"]


def test_undecodable_bytes_name_row_and_offset(write):
    good = "phone,name\n13800138000,Ann\n13800138001,Bob\n".encode()
    data = good + b"13800138002,\xff\xfe\xfd\n"
    with pytest.raises(InputError) as info:
        read_input(write("bad.csv", data))
    error = info.value
    assert error.line == 4
    assert f"byte offset {len(good) + 12}" in error.message
    assert error.one_line().startswith(f"{error.path}: line 4: undecodable bytes")
    assert "13800138002" not in error.one_line()


def test_utf8_file_with_one_corrupt_byte_is_not_misread_as_gbk(write):
    body = "姓名,手机号\n" + "".join(f"张三{i},1380013800{i}\n" for i in range(5))
    data = body.encode() + b"\xe5\x90,13800138009\n"
    with pytest.raises(InputError, match="not valid UTF-8") as info:
        read_input(write("list.csv", data))
    assert info.value.line == 7  # the header, then six rows


def test_undecodable_in_first_line(write):
    with pytest.raises(InputError, match="line 1: undecodable bytes") as info:
        read_input(write("bad.csv", b"ph\x80\xffone\n13800138000\n"))
    assert info.value.line == 1 and info.value.row is None


@pytest.mark.parametrize("junk", [
    random.Random(0).randbytes(4096),
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16]) * 200,
])
def test_binary_junk_is_not_a_text_file(write, junk):
    with pytest.raises(InputError, match="not a text file|undecodable|not a readable"):
        read_input(write("junk.csv", junk))


def test_binary_with_nul_bytes(write):
    with pytest.raises(InputError, match="not a text file"):
        read_input(write("junk.csv", b"phone\n13800138000\x00\x00\x01\x02" * 50))


# The UTF-8 check runs polars' validator and decodes only to find an error's offset: both
# must agree with Python's strict decoder on every byte string (surrogates, overlong forms,
# truncated sequences, code points past U+10FFFF).
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from scanner.ingest.encoding import _utf8_error  # noqa: E402

_TRICKY = [b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe4\xb8", b"\xe4\xb8\xad", b"\xef\xbb\xbf",
           b"\xf0\x9f\x98\x80", b"\x80", b"\xff", b"a", b"\n"]


def _python_error(part: bytes) -> int | None:
    try:
        part.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_TRICKY), st.binary(max_size=6)), max_size=12))
def test_utf8_check_agrees_with_python(pieces):
    part = b"".join(pieces)
    assert _utf8_error(part) == _python_error(part)
