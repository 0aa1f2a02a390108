"""open_input: batch by batch gives exactly what reading the whole input gives."""

import codecs
import csv
import hashlib
import io
import json

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scanner.ingest.headers as headers
import scanner.ingest.stream as stream
import scanner.ingest.text_units as text_units
from ingest_support import phones
from scanner.errors import InputError
from scanner.ingest import IngestBatch, InputStream, open_input, read_input

WHOLE = 1 << 30  # one batch: the whole input at once
TINY = (1, 7, 64, 1000)

CN = "手机号,姓名,来源\n13800138000,张三,官网注册\n13800138001,李四,线下活动\n"
BIG_FIELD = "9" * (3 << 20)


def _rows(n, start=0, extra=""):
    return "".join(f"{p},N{i}{extra}\n" for i, p in enumerate(phones(n, start)))


# Every delimited input the other ingest tests read (as bytes), and then some.
FIXTURES = {
    "broken quoting": ("phone,name,note\n13800100000,Ann,ok\n13800100077,\"Bob,unterminated\n"
                       "13800100002,Cy,ok\n13800100003,Di,ok\n").encode(),
    "garbage after quote": b'phone,name\n13800100000,"Ann"x\n13800100077,Bob\n',
    "multi-line CRLF": b'phone,address\r\n13800100000,"Room 1\r\nBuilding ""B"""\r\n\r\n13800100001,plain\r\n',
    "literal quotes": b'phone,item\n13800100000,5" screen\n13800100001,7" tablet\n13800100002,none\n',
    "ragged": b"phone,name,source\n13800100000,A,web\n13800100001,B\n13800100002,C,web,extra\n\n13800100003,D,web\n",
    "blank lines": b"\n\nphone,name\n\n13800100000,A\n   \n\t\n13800100001,B\n\n",
    "empty cells": b'phone,name,x\n13800100000,,""\n,,\n',
    "classic mac": b"phone\r13800100000\r13800100001\r",
    # (past the first 20 lines: a lone CR there trips the width sniffer, whole or not)
    "lone CR in field": ("phone,note\n" + _rows(25) + "13800100000,a\rb\n13800100001,\"c\rd\"\n").encode(),
    "no final newline": b"phone,name\n13800100000,a\n13800100001,b",
    "utf-8": CN.encode(),
    "utf-8 BOM": codecs.BOM_UTF8 + CN.encode(),
    "gb18030": CN.encode("gb18030"),
    "utf-16-le BOM": codecs.BOM_UTF16_LE + CN.encode("utf-16-le"),
    "utf-16-be BOM": codecs.BOM_UTF16_BE + CN.encode("utf-16-be"),
    "utf-16-le": CN.encode("utf-16-le"),
    "utf-16-be": CN.encode("utf-16-be"),
    "utf-16 CRLF txt": codecs.BOM_UTF16_LE + "电话\t姓名\r\n13800138000\t张三\r\n".encode("utf-16-le"),
    "gb18030 broken quoting": '手机号,姓名\n13800138000,"张三\n13800138001,李四\n'.encode("gb18030"),
    "title line": ("2026年11月客户名单\n姓名,手机号,来源\n"
                   "张三,13800138000,官网注册\n李四,13900139000,门店登记\n").encode(),
    "quoted title": '"客户名单, 内部",,\n姓名,手机号,来源\n张三,13800138000,官网注册\n'.encode(),
    "headerless txt": ("\n".join(phones(3)) + "\n\n").encode(),
    "headerless csv": "".join(f"N{i},{p},x{i}@example.com\n" for i, p in enumerate(phones(4))).encode(),
    "quoted single column": b'phone\n"13800138000"\n"+86 138 0013 8001"\n',
    # quoted fields spanning many lines, over and under the (lowered) size limit
    "oversized quoted field": b'phone,note\n13800100000,"' + b"a\n" * 300 + b'"\n13800100001,ok\n',
    "oversized quoted CRLF": b'phone,note\r\n13800100000,"' + b"a\r\n" * 300 + b'"\r\n13800100001,ok\r\n',
    "oversized quoted tsv": b'phone\tnote\n13800100000\t"' + b"\n" * 600 + b'"\n13800100001\tok\n',
    "oversized quoted gb18030": ('手机号,备注\n13800138000,"' + "张三\n" * 200 + '"\n13800138001,李四\n').encode("gb18030"),
    "oversized quoted utf-16": codecs.BOM_UTF16_LE + ('手机号,备注\r\n13800138000,"' + "张\r\n" * 200
                                                      + '"\r\n13800138001,李四\r\n').encode("utf-16-le"),
    "oversized quoted, escapes and a second field": (b'phone,note,x\n13800100000,"' + b'say ""hi""\n' * 60
                                                     + b'","second\nfield"\n13800100001,ok,y\n'),
    "oversized quoted never closes": b'phone,note\n13800100000,ok\n13800100001,"' + b"b\n" * 300,
    "long quoted field under the limit": b'phone,note\n13800100000,"' + b"\n" * 200 + b'x"\n13800100001,ok\n',
    "tsv": ("mobile\tname\tsource\n"
            + "".join(f"{p}\tN{i}\tweb, form\n" for i, p in enumerate(phones(5)))).encode(),
    "semicolon decimals": ("telefon;betrag\n" + "".join(f"{p};1,5\n" for p in phones(4))).encode(),
    "tab txt with commas": ("手机号\t姓名\t备注\n"
                            + "".join(f"{p}\tSmith, J{i}\tx\n" for i, p in enumerate(phones(4)))).encode(),
    "phone by values": ("who,day,contact\n"
                        + "".join(f"N{i},2024-01-0{i + 1},{p}\n" for i, p in enumerate(phones(6)))).encode(),
    "duplicate headers": b"phone,x,x,,row\n13800138000,a,b,c,d\n",
    "unterminated to limit": ("phone,note\n13800100000,\"open\n" + _rows(2000, 1)).encode(),
    "huge field": f"phone,note\n13800100000,a\n13800100001,{BIG_FIELD}\n13800100002,c\n".encode(),
    "many rows": ("phone,name,note\n" + "".join(
        f'{p},"N, {i}",{"x" if i % 7 else chr(34) + "multi" + chr(10) + "line" + chr(34)}\n'
        for i, p in enumerate(phones(3000)))).encode(),
    "many rows, bad ones": ("phone,name\n" + "".join(
        f"{p},{'a,b' if i % 11 == 0 else chr(34) + 'open' if i % 13 == 0 else 'ok'}\n"
        for i, p in enumerate(phones(3000)))).encode(),
}
# Errors that must be the same error (same message, row and offset).
ERROR_FIXTURES = {
    "all bad": b"phone,name\n13800100077\n13800100077,a,b\n",
    "one huge field": b'"' + b"1" * (2 << 20) + b"\n",
    "header only": "手机号,姓名\n\n\n".encode(),
    "no phone": "姓名,来源\n张三,官网\n".encode(),
    "undecodable": b"phone,name\n13800138000,Ann\n13800138001,Bob\n13800138002,\xff\xfe\xfd\n",
    "corrupt utf-8": ("姓名,手机号\n" + "".join(f"张三{i},1380013800{i}\n" for i in range(5))).encode()
                     + b"\xe5\x90,13800138009\n",
    "first line undecodable": b"ph\x80\xffone\n13800138000\n",
    "NUL": b"phone\n13800138000\x00\x00\x01\x02" * 50,
    "empty": b"   \n\n\t\r\n",
    "first line unreadable": b'phone,"x\n' + _rows(5).encode(),
}
LIMIT = {"unterminated to limit": 4096, **{name: 256 for name in FIXTURES if name.startswith("oversized")}}


def _read(path, batch_bytes, **kw):
    """Everything a stream yields, joined (and the batch count)."""
    s = open_input(path, batch_bytes=batch_bytes, **kw)
    meta = s.meta
    assert meta.frame.height == 0 and meta.bad_records == () and meta.sha256 is None
    batches = list(s)
    assert all(isinstance(b, IngestBatch) and b.frame.height for b in batches)
    frame = pl.concat([b.frame for b in batches]) if batches else s.meta.frame
    assert frame.schema == meta.frame.schema
    bad = tuple(r for b in batches for r in b.bad_records)
    assert (s.rows_total, s.bad_records_total) == (frame.height, len(bad))
    m = s.meta
    return (frame, bad, m.format, m.encoding, m.columns, m.extra_columns, m.path, m.has_header,
            m.title_rows, s.sha256), len(batches)


def _outcome(path, batch_bytes, **kw):
    try:
        return _read(path, batch_bytes, **kw)[0]
    except InputError as exc:
        return exc.one_line()
    except Exception as exc:  # noqa: BLE001 - a crash must at least be the same crash
        return f"crash: {type(exc).__name__}"


def _assert_same(a, b):
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert a[0].equals(b[0]), (a[0], b[0])
    assert a[1:] == b[1:]


@pytest.fixture(params=[1000, 2], ids=["sample1000", "sample2"])
def sample_rows(request, monkeypatch):
    """With a small sample the layout is decided on the first few records and most rows
    come in later batches."""
    monkeypatch.setattr(headers, "SAMPLE_ROWS", request.param)
    return request.param


@pytest.mark.parametrize("name", list(FIXTURES))
def test_batches_equal_the_whole_read(write, name, sample_rows):
    data = FIXTURES[name]
    path = write("list.txt" if "txt" in name else "list.tsv" if name == "tsv" else "list.csv", data)
    kw = {"max_field_bytes": LIMIT.get(name, 1 << 20)}
    whole = _outcome(path, WHOLE, **kw)
    assert not isinstance(whole, str), whole
    sizes = TINY if len(data) < 4096 else (1000, 1 << 14)  # (thousands of tiny pieces: slow)
    for k in sizes:
        _assert_same(_outcome(path, k, **kw), whole)
    if sample_rows == 1000:
        result = read_input(path, **kw)
        _assert_same((result.frame, result.bad_records, result.format, result.encoding, result.columns,
                      result.extra_columns, result.path, result.has_header, result.title_rows,
                      result.sha256), whole)


@pytest.mark.parametrize("name", list(ERROR_FIXTURES))
def test_errors_equal_the_whole_read(write, name):
    path = write("list.csv", ERROR_FIXTURES[name])
    whole = _outcome(path, WHOLE, max_field_bytes=1 << 20)
    assert isinstance(whole, str), whole
    for k in (1, 64, 1000):
        assert _outcome(path, k, max_field_bytes=1 << 20) == whole


def _big_text(rows, encoding):
    text = "手机号,姓名,备注\n" + "".join(
        f'{p},张{i}𠀀,"多行\n备注 {i}"\n' if i % 97 == 0 else f"{p},李{i},é{i}\r\n"
        for i, p in enumerate(phones(rows)))
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16-le", "utf-16-be", "utf-16"])
def test_multibyte_characters_cut_between_reads(write, encoding):
    # Over the first block, read 997 bytes at a time: characters, surrogate pairs and
    # CRLFs fall across reads.
    path = write("list.csv", _big_text(4000, encoding))
    whole, _ = _read(path, WHOLE)
    assert whole[0].height == 4000 and whole[1] == ()
    for k in (997, 1 << 15):
        _assert_same(_read(path, k)[0], whole)
    if encoding in ("utf-16-le", "utf-16-be"):
        _assert_same(_read(write("bomless.csv", _big_text(4000, encoding)), 997)[0][:2], whole[:2])


def test_many_batches_with_contiguous_rows(tmp_path):
    path = tmp_path / "big.csv"
    n = 100_000
    path.write_text("phone,name,source\n" + "".join(
        f'{p},"Name, {i}",web\n' for i, p in enumerate(phones(n))))
    assert path.stat().st_size > 2 << 20
    s = open_input(path, batch_bytes=256 << 10)
    rows, count = [], 0
    for batch in s:
        count += 1
        rows.extend(batch.frame["row"].to_list())
    assert count >= 8
    assert rows == list(range(1, n + 1))
    assert s.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (s.rows_total, s.bad_records_total) == (n, 0)


def _with_bad_byte(rows, encoding="utf-8"):
    head = ("phone,name\n" + "".join(f"{p},n{i}\n" for i, p in enumerate(phones(rows)))).encode(encoding)
    return head + b"13800199999,\xff\xfe\n" + b"13800199998,x\n" * 10, len(head)


def test_undecodable_byte_mid_stream_names_global_offset_and_row(write):
    data, offset = _with_bad_byte(20_000)
    path = write("list.csv", data)
    s = open_input(path, batch_bytes=4096)
    seen = []
    with pytest.raises(InputError) as info:
        for batch in s:
            seen.extend(batch.frame["row"].to_list())
    assert seen == list(range(1, len(seen) + 1)) and len(seen) > 10_000  # read before the error
    assert info.value.line == 20_002  # the header, then 20,000 rows
    assert f"byte offset {offset + 12} " in info.value.message
    assert info.value.one_line() == _outcome(path, WHOLE)
    assert "13800199999" not in info.value.one_line()


def test_undecodable_utf16_mid_stream(write):
    text = "phone,name\n" + "".join(f"{p},名{i}\n" for i, p in enumerate(phones(5000)))
    good = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    path = write("list.csv", good + b"\x00\xdc" + "1,2\n".encode("utf-16-le"))  # a lone low surrogate
    with pytest.raises(InputError, match=rf"byte offset {len(good)} \(not valid UTF-16-LE") as info:
        for _ in open_input(path, batch_bytes=1000):
            pass
    assert info.value.line == 5002
    assert info.value.one_line() == _outcome(path, WHOLE)


def test_gb18030_after_a_long_ascii_start(write):
    # The first batch is ASCII: the encoding shows when GBK bytes arrive.
    ascii_part = "phone,name\n" + "".join(f"{p},n{i}\n" for i, p in enumerate(phones(20_000)))
    data = ascii_part.encode() + "13800199999,张三\n13800199998,李四\n".encode("gb18030")
    path = write("list.csv", data)
    s = open_input(path, batch_bytes=4096)
    assert s.meta.encoding == "utf-8"
    frame = pl.concat([b.frame for b in s])
    assert s.meta.encoding == "gb18030"
    assert frame["name"].to_list()[-2:] == ["张三", "李四"]
    assert _read(path, WHOLE)[0][3] == "gb18030"


def test_few_utf8_characters_then_a_gbk_byte_reads_ahead(write):
    # Three valid UTF-8 characters are not evidence enough: reading ahead finds the GBK
    # bytes, so the whole input is GB18030 as when read at once.
    rows = "phone,name\n" + "".join(f"{p},n{i}\n" for i, p in enumerate(phones(5000)))
    # ("éüé" as UTF-8 is also valid GB18030: C3A9 C3BC C3A9)
    data = rows.encode() + "13800199997,éüé\n".encode() + rows.encode()[11:] + "13800199999,张三\n".encode("gbk")
    path = write("list.csv", data)
    streamed, _ = _read(path, 4096)
    assert streamed[3] == "gb18030"
    _assert_same(streamed, _read(path, WHOLE)[0])


def test_first_records_all_bad_past_the_cap(write, monkeypatch):
    # The first records stop growing at the cap: whether every record is bad is known
    # only at the end, and the error comes then, as the whole read words it.
    monkeypatch.setattr(stream, "_FIRST_RECORDS_BYTES", 1024)
    data = ("phone,name\n" + "".join(f"{p},a,b\n" for p in phones(2000))).encode()
    path = write("list.csv", data)
    s = open_input(path, batch_bytes=512)
    with pytest.raises(InputError) as info:
        for _ in s:
            pass
    assert info.value.message == "no readable records: all 2000 records are bad (row 1, line 2: 3 fields, expected 2)"
    assert info.value.one_line() == _outcome(path, WHOLE)


def test_unreadable_header_past_the_cap(write, monkeypatch):
    monkeypatch.setattr(stream, "_FIRST_RECORDS_BYTES", 1024)
    bad = "".join(f'{p},"x,y\n' for p in phones(300))
    for tail, message in [("13800199999,ok\n", "the first line cannot be read"),
                          ("", "no readable records: all 301 records are bad")]:
        path = write("list.csv", ('phone,"name\n' + bad + tail).encode())
        with pytest.raises(InputError, match=message) as info:
            open_input(path, batch_bytes=256)
        assert info.value.one_line() == _outcome(path, WHOLE)


def test_meta_before_iteration_and_sha_after(write, monkeypatch):
    monkeypatch.setattr(headers, "SAMPLE_ROWS", 2)  # (else the first batch holds 1004 records)
    data = ("2026年11月客户名单\n姓名,手机号,备注\n"
            + "".join(f"张{i},{p},x\n" for i, p in enumerate(phones(50)))).encode()
    path = write("list.csv", data)
    s = open_input(path, batch_bytes=64)
    assert isinstance(s, InputStream)
    assert s.meta.frame.columns == ["row", "line", "name", "phone", "备注"] and s.meta.frame.height == 0
    assert (s.meta.title_rows, s.meta.has_header, s.meta.encoding, s.meta.format) == (1, True, "utf-8", "csv")
    assert s.sha256 is None
    batches = list(s)
    assert len(batches) > 5
    assert s.sha256 == hashlib.sha256(data).hexdigest()
    with pytest.raises(RuntimeError):
        list(s)


class _Pipe(io.RawIOBase):
    """Standard input from a pipe: readable, not seekable."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("name", ["many rows", "utf-16-le BOM", "gb18030", "title line"])
def test_standard_input_streams(write, monkeypatch, name):
    data = FIXTURES[name]
    expected = _read(write("list", data), WHOLE)[0]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(_Pipe(data))))
    got, _ = _read("-", 1000)
    _assert_same(got[:6] + got[7:], expected[:6] + expected[7:])  # all but the path


def test_parquet_streams_record_batches(tmp_path):
    path = tmp_path / "list.parquet"
    n = 15_000  # (more than the records the layout is decided on)
    pl.DataFrame({"Phone Number": [int(p) for p in phones(n)], "score": [i / 3 for i in range(n)],
                  "tags": [[str(i)] for i in range(n)]}).write_parquet(path, row_group_size=700)
    whole, _ = _read(path, WHOLE)
    got, count = _read(path, 4096)
    assert count > 5
    _assert_same(got, whole)
    assert got[0]["phone"][-1] == phones(n)[-1]
    assert got[-1] == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", ["json", "ndjson", "frame"])
def test_whole_formats_are_one_batch(write, kind):
    records = [{"phone": p, "name": f"n{i}"} for i, p in enumerate(phones(200))]
    if kind == "frame":
        source = pl.DataFrame(records)
    elif kind == "json":
        source = write("l.json", json.dumps(records))
    else:
        source = write("l.ndjson", "\n".join(json.dumps(r) for r in records))
    got, count = _read(source, 64)
    assert count == 1 and got[0].height == 200


# -- property: any small CSV, any batch size --------------------------------------------

# (no lone CR: one in the first lines trips the width sniffer, whole or not)
cell = st.one_of(st.text(alphabet=st.sampled_from(list('a1 ,"\n;中\t')), max_size=8),
                 st.sampled_from(phones(3)))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.one_of(st.lists(cell, min_size=4, max_size=4), st.lists(cell, max_size=5)),
                    min_size=1, max_size=12),
       quoted=st.booleans(), eol=st.sampled_from(["\n", "\r\n"]),
       encoding=st.sampled_from(["utf-8", "utf-16", "gb18030"]),
       k=st.sampled_from([1, 7, 64]), limit=st.sampled_from([1 << 20, 12]),
       sample=st.sampled_from([1000, 1]))
def test_any_small_csv_reads_the_same_in_batches(tmp_path_factory, rows, quoted, eol, encoding, k, limit,
                                                 sample):
    if quoted:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=eol).writerows([["phone", "name", "x", "y"], *rows])
        text = buffer.getvalue()
    else:
        text = eol.join(["phone,name,x,y"] + [",".join(r) for r in rows]) + eol
    path = tmp_path_factory.mktemp("p") / "l.csv"
    path.write_bytes(text.encode(encoding))
    saved = headers.SAMPLE_ROWS
    headers.SAMPLE_ROWS = sample
    try:
        whole = _outcome(path, WHOLE, max_field_bytes=limit)
        _assert_same(_outcome(path, k, max_field_bytes=limit), whole)
    finally:
        headers.SAMPLE_ROWS = saved


@pytest.mark.parametrize("name", list(FIXTURES))
def test_units_capped_by_lines_read_the_same(write, name, monkeypatch):
    """A unit ends after UNIT_LINES lines even when it is far under its bytes: the
    records are the same as when the whole input is one unit."""
    data = FIXTURES[name]
    path = write("list.txt" if "txt" in name else "list.tsv" if name == "tsv" else "list.csv", data)
    kw = {"max_field_bytes": LIMIT.get(name, 1 << 20)}
    whole = _outcome(path, WHOLE, **kw)
    for lines in (1, 3):
        monkeypatch.setattr(stream, "UNIT_LINES", lines)
        _assert_same(_outcome(path, WHOLE, **kw), whole)


def test_units_end_after_their_line_cap():
    units = list(text_units.units([b"a\n" * 10 + b"tail"], 1 << 20, 4))
    assert units == [(b"a\n" * 4, False), (b"a\n" * 4, False), (b"a\n" * 2, False), (b"tail", True)]
