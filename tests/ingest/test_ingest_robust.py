"""Nothing is lost: bad records are kept as null rows with a reason; rows stay contiguous."""

import csv
import io

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest_support import phones
from scanner.errors import InputError
from scanner.ingest import read_input
from scanner.ingest import delimited

SECRET = "13800138077"  # a value that must never appear in a message


def assert_contiguous(result, n):
    assert result.frame.height == n
    assert result.frame["row"].to_list() == list(range(1, n + 1))
    for bad in result.bad_records:
        cells = result.frame.row(bad.row - 1)[2:]
        assert cells == (None,) * len(cells)
        assert SECRET not in bad.reason


def test_broken_quoting_keeps_the_other_rows(write):
    text = ("phone,name,note\n"
            "13800100000,Ann,ok\n"
            f'{SECRET},"Bob,unterminated\n'
            "13800100002,Cy,ok\n"
            "13800100003,Di,ok\n")
    result = read_input(write("l.csv", text))
    assert_contiguous(result, 4)
    assert [(b.row, b.reason) for b in result.bad_records] == [(2, "broken quoting (unterminated quote)")]
    assert result.frame["phone"].to_list() == ["13800100000", None, "13800100002", "13800100003"]


def test_garbage_after_closing_quote_is_broken_quoting(write):
    text = f'phone,name\n13800100000,"Ann"x\n{SECRET},Bob\n'
    result = read_input(write("l.csv", text))
    assert [(b.row, b.reason) for b in result.bad_records] == [(1, "broken quoting")]
    assert result.frame["phone"].to_list() == [None, SECRET]


def test_multiline_quoted_field_is_one_record(write):
    text = 'phone,address\r\n13800100000,"Room 1\r\nBuilding ""B"""\r\n\r\n13800100001,plain\r\n'
    result = read_input(write("l.csv", text))
    assert_contiguous(result, 2)
    assert result.bad_records == ()
    assert result.frame["address"].to_list() == ['Room 1\nBuilding "B"', "plain"]


def test_literal_quotes_inside_unquoted_fields_survive(write):
    text = 'phone,item\n13800100000,5" screen\n13800100001,7" tablet\n13800100002,none\n'
    result = read_input(write("l.csv", text))
    assert result.bad_records == ()
    assert result.frame["item"].to_list() == ['5" screen', '7" tablet', "none"]


def test_ragged_rows_are_bad_records(write):
    text = "phone,name,source\n13800100000,A,web\n13800100001,B\n13800100002,C,web,extra\n\n13800100003,D,web\n"
    result = read_input(write("l.csv", text))
    assert_contiguous(result, 4)
    assert [(b.row, b.reason) for b in result.bad_records] == [
        (2, "2 fields, expected 3"), (3, "4 fields, expected 3")]
    assert result.frame["phone"].to_list() == ["13800100000", None, None, "13800100003"]


def test_blank_and_whitespace_lines_are_skipped_and_not_counted(write):
    text = "\n\nphone,name\n\n13800100000,A\n   \n\t\n13800100001,B\n\n"
    result = read_input(write("l.csv", text))
    assert_contiguous(result, 2)
    assert result.bad_records == ()


def test_empty_cells_are_null(write):
    result = read_input(write("l.csv", 'phone,name,x\n13800100000,,""\n,,\n'))
    assert result.frame.rows() == [(1, 2, "13800100000", None, None), (2, 3, None, None, None)]
    assert result.bad_records == ()


def test_huge_field_makes_its_record_bad(write):
    big = "9" * (3 << 20)
    text = f"phone,note\n13800100000,a\n13800100001,{big}\n13800100002,c\n"
    result = read_input(write("l.csv", text), max_field_bytes=1 << 20)
    assert_contiguous(result, 3)
    assert [(b.row, b.reason) for b in result.bad_records] == [
        (2, f"field of {3 << 20} bytes exceeds the 1048576-byte limit")]


def test_unterminated_quote_stops_at_the_field_limit(write):
    lines = ["phone,note", '13800100000,"open'] + [f"{p},x" for p in phones(2000, 1)]
    result = read_input(write("l.csv", "\n".join(lines) + "\n"), max_field_bytes=4096)
    assert_contiguous(result, 2001)
    assert [b.row for b in result.bad_records] == [1]


@pytest.mark.parametrize(("quote", "reason"), [
    ('"', "broken quoting"), ("", f"field of {2 << 20} bytes exceeds the 1048576-byte limit")])
def test_a_file_that_is_one_huge_field_is_an_error(write, quote, reason):
    path = write("l.txt", quote + "1" * (2 << 20) + "\n")
    with pytest.raises(InputError, match=r"no readable records: all 1 records are bad \(row 1: "
                                         + reason):
        read_input(path, max_field_bytes=1 << 20)


def test_all_records_bad_is_an_error(write):
    text = f"phone,name\n{SECRET}\n{SECRET},a,b\n"
    with pytest.raises(InputError, match=r"all 2 records are bad \(row 1, line 2: 1 fields, expected 2\)") as info:
        read_input(write("l.csv", text))
    assert SECRET not in info.value.one_line()


@pytest.mark.parametrize("content", [b"", b"   \n\n\t\r\n"])
def test_empty_file(write, content):
    with pytest.raises(InputError, match="empty file"):
        read_input(write("l.csv", content))


def test_classic_mac_line_endings(write):
    result = read_input(write("l.csv", "phone\r13800100000\r13800100001\r"))
    assert result.frame["phone"].to_list() == ["13800100000", "13800100001"]


@pytest.mark.parametrize("make", ["missing", "directory"])
def test_missing_file_or_directory(tmp_path, make):
    path = tmp_path / "list.csv"
    if make == "directory":
        path.mkdir()
    with pytest.raises(InputError) as info:
        read_input(path)
    assert info.value.path == str(path)
    assert ("not found" if make == "missing" else "directory") in info.value.message


def test_unreadable_file(tmp_path):
    import os
    path = tmp_path / "list.csv"
    path.write_text("phone\n13800100000\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as a user who can read mode-000 files")
    with pytest.raises(InputError, match="permission denied"):
        read_input(path)


BAD_INPUTS = [
    ("no phone", f"name\n{SECRET}x\n".encode()),
    ("undecodable", f"phone\n{SECRET}\n{SECRET}\xff\n".encode("latin-1")),
    ("all bad", f'phone,name\n"{SECRET}\n'.encode()),
    ("json", f'[{{"phone": "{SECRET}"}} x]'.encode()),
    ("header only", f"{SECRET}x,name\n".encode()),
]


@pytest.mark.parametrize(("label", "data"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_error_messages_never_contain_cell_values(write, label, data):
    with pytest.raises(InputError) as info:
        read_input(write("l.csv", data))
    assert SECRET not in info.value.one_line()
    assert SECRET not in str(info.value)


# -- the fast path and the robust parser agree on clean files ------------------------------

cell = st.text(alphabet=st.sampled_from(list('ab 1,"\n;中') + ["\t"]), max_size=6)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=8),
       crlf=st.booleans())
def test_fast_path_and_robust_parser_agree(rows, crlf):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n" if crlf else "\n").writerows([["h1", "h2", "h3"], *rows])
    text = buffer.getvalue()
    utf8 = text.encode()
    robust = delimited.robust_read(text, ",", 3, 1 << 20)
    fast = delimited.vectorized_read(utf8, ",", 3, 1 << 20)
    if fast is not None:
        assert fast.frame.fill_null("").rows() == robust.frame.fill_null("").rows()
    assert robust.bad == {}
    expected = [r for r in [["h1", "h2", "h3"], *rows] if "".join(r).strip() or len(r) > 1]
    assert robust.frame.fill_null("").rows() == [tuple(r) for r in expected]


def test_vectorized_path_handles_clean_and_dirty_lines():
    text = "phone,name\n" + "".join(f'{p},"N, {i}"\n' for i, p in enumerate(phones(50)))
    assert delimited.vectorized_read(text.encode(), ",", 2, 1 << 20).bad == {}
    ragged = delimited.vectorized_read(b"phone,name\n1,2\n3\n4,5,6\n", ",", 2, 1 << 20)
    assert ragged.bad == {2: "1 fields, expected 2", 3: "3 fields, expected 2"}
    broken = delimited.vectorized_read(b'phone,name\n1,"2\n3,4\n', ",", 2, 1 << 20)
    assert broken.bad == {1: "broken quoting (unterminated quote)"}
    assert broken.frame.rows() == [("phone", "name"), (None, None), ("3", "4")]


dirty_line = st.text(alphabet=st.sampled_from(list('ab1,"; ') + ["\t", "\r"]), max_size=8)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(dirty_line, min_size=1, max_size=10), width=st.integers(1, 3))
def test_vectorized_and_robust_parsers_agree_on_dirty_input(lines, width):
    text = "\n".join(lines) + "\n"
    robust = delimited.robust_read(text, ",", width, 1 << 20)
    fast = delimited.vectorized_read(text.encode(), ",", width, 1 << 20)
    if fast is not None:  # empty cells: "" or null here, null after header mapping
        assert fast.frame.fill_null("").rows() == robust.frame.fill_null("").rows()
        assert fast.bad == robust.bad


def test_large_clean_file_reads_every_row(tmp_path):
    path = tmp_path / "big.csv"
    n = 50_000
    path.write_text("phone,name\n" + "".join(f"138{i:08d},n{i}\n" for i in range(n)))
    result = read_input(path)
    assert_contiguous(result, n)
    assert result.frame["phone"][-1] == f"138{n - 1:08d}"
    assert isinstance(result.frame, pl.DataFrame)
