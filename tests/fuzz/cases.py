"""Hypothesis strategies for malformed contact lists, and a seed corpus to mutate.

A strategy draws a small :class:`Spec` (what to build: a format, its records, how to
break it); ``Spec.write`` builds the bytes. Specs stay small however large the input
they describe (a 3 MiB field, a million newlines, a zip bomb), so Hypothesis can draw
thousands of them cheaply and a failing one reads as its recipe.

Families: well-formed-ish lists in every format and encoding (CSV, TSV, TXT, JSON, NDJSON,
XLSX, Parquet) with hostile cells; byte mutations of those and of the seed corpus
(``corpus/``: real export shapes) — truncation (cutting UTF-8, UTF-16 or GB18030 text
mid-character), NUL bytes, flipped and inserted bytes, unbalanced quotes, mixed line
ends, BOMs; and hostile shapes — huge fields, quoted fields of many newlines, deep
nesting, wide files, spreadsheets whose cells point at huge shared strings, zip bombs,
Parquet files with wrong types and oversized dictionary values.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st

CORPUS = Path(__file__).with_name("corpus")
SEEDS = sorted(p.name for p in CORPUS.iterdir() if p.is_file())

HEADERS = ["phone", "手机号", "电话", "mobile", "Tel", "姓名", "name", "来源", "source", "同意",
           "consent", "是否同意", "同意时间", "consent_time", "email", "备注", "city", "", "phone",
           "Phone Number", "联系方式", "1", "13800138000"]
PHONES = ["13800138000", "+86 138 0013 8000", "0086-139-0013-9000", "1.38001E+10", "138****8000",
          "+447400123456", "(202) 555-0143", "10086", "106900000000", "1700000000", "+8613800138000;ext=12",
          "８６１３８００１３８０００", "0", "-1", "NaN", "1e308", "12345678901234567890123456789"]
NASTY = ["", " ", '"', '""', "'", ",", "\t", ";", "|", "\n", "\r", "\r\n", "\x00", "\ufeff", "\ufffd",
         "\u2028", "\x1b[31m", "é", "张三", "😀", "\ud7ff", "=cmd|' /C calc'!A0", "null", "true",
         "[1,2]", '{"a":1}', "\\", '\\"', "0x1F", "-0", "١٢٣", "𝟏𝟑𝟖"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gb18030", "latin-1", "big5"]
LINE_ENDS = ["\n", "\r\n", "\r"]
INSERTS = [b"\x00", b'"', b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xe4\xb8", b"\x81\x30",
           b"\xd8\x00", b"\r", b"\n", b"\r\n", b",", b"\t", b"{", b"[", b"PK\x03\x04", b"PAR1",
           b"\x80", b"\xc0\xaf", b'",,"', b'\n"\n']


@dataclass(frozen=True)
class Spec:
    """A recipe for one input: ``kind`` and its parameters, then byte ``mutations``."""

    kind: str
    suffix: str
    params: tuple
    mutations: tuple = ()

    def write(self, path: Path) -> None:
        data = BUILDERS[self.kind](*self.params)
        for mutation in self.mutations:
            data = _mutate(data, *mutation)
        path.write_bytes(data)

    def describe(self) -> str:
        params = tuple(p if not isinstance(p, (list, tuple)) or len(repr(p)) < 200 else f"<{len(p)} items>"
                       for p in self.params)
        return f"{self.kind}{params}{self.suffix} mutations={list(self.mutations)}"


def _mutate(data: bytes, op: str, at: float, arg) -> bytes:
    cut = int(len(data) * at)
    if op == "truncate":
        return data[:cut]
    if op == "insert":
        return data[:cut] + arg + data[cut:]
    if op == "flip":
        return data[:cut] + bytes([(data[cut] ^ arg) or 1]) + data[cut + 1:] if cut < len(data) else data
    if op == "repeat":  # a slice of the input, over and over (long lines, many records)
        piece = data[cut:cut + 64] or data[:64]
        return data[:cut] + piece * arg + data[cut:]
    if op == "drop":
        return data[:cut] + data[cut + arg:]
    raise ValueError(op)


mutations = st.lists(st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1), st.none()),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(INSERTS)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("repeat"), st.floats(0, 1), st.integers(2, 5000)),
    st.tuples(st.just("drop"), st.floats(0, 1), st.integers(1, 64)),
), max_size=3).map(tuple)

cells = st.one_of(
    st.sampled_from(PHONES), st.sampled_from(NASTY), st.none(),
    st.text(max_size=12), st.integers(-10**20, 10**20).map(str),
    st.lists(st.sampled_from(NASTY + PHONES), max_size=4).map("".join),
)


@st.composite
def tables(draw, max_rows: int = 30):
    width = draw(st.integers(1, 7))
    header = draw(st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=8)), min_size=width,
                           max_size=width))
    rows = draw(st.lists(st.lists(cells, min_size=max(0, width - 1), max_size=width + 1), max_size=max_rows))
    return tuple(header), tuple(tuple(r) for r in rows)


def _quote(cell: str | None, delimiter: str, quote_all: bool) -> str:
    cell = cell or ""
    if quote_all or any(c in cell for c in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def build_delimited(header, rows, delimiter, ends, encoding, quote_all, with_header):
    lines = ([header] if with_header else []) + list(rows)
    text = "".join(delimiter.join(_quote(c, delimiter, quote_all) for c in line) + ends[i % len(ends)]
                   for i, line in enumerate(lines))
    return text.encode(encoding, errors="replace")


def _json_value(cell, style):
    if cell is None:
        return None
    if style == 1 and cell.isdigit():
        return int(cell)
    if style == 2:
        return {"value": cell, "list": [cell, None, True]}
    if style == 3:
        return [cell]
    return cell


def build_json(header, rows, layout, style, depth, encoding):
    records = [{h or "": _json_value(c, (style + j) % 5) for j, (h, c) in enumerate(zip(header, row))}
               for row in rows]
    if depth and records:
        records[len(records) // 2]["deep"] = "@DEEP@"
    if layout == "ndjson":
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    elif layout == "wrapped":
        text = json.dumps({"code": 0, "data": records}, ensure_ascii=False, indent=1)
    elif layout == "scalars":
        text = json.dumps([c for row in rows for c in row], ensure_ascii=False)
    else:
        text = json.dumps(records, ensure_ascii=False)
    text = text.replace('"@DEEP@"', "[" * depth + "1" + "]" * depth)
    return text.encode(encoding, errors="replace")


def build_xlsx(header, rows, as_numbers, title):
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    offset = 1 if title else 0
    if title:
        sheet.write_string(0, 0, title)
    for j, h in enumerate(header):
        sheet.write_string(offset, j, h)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row[:len(header) + 1]):
            if cell is None:
                continue
            digits = cell.lstrip("+-")
            if as_numbers and digits.isdigit() and len(digits) < 16:
                sheet.write_number(i + offset + 1, j, int(cell))
            elif as_numbers and cell in ("true", "null"):
                sheet.write_boolean(i + offset + 1, j, cell == "true")
            else:
                sheet.write_string(i + offset + 1, j, cell.replace("\x00", ""))
    book.close()
    return buffer.getvalue()


def _zip(entries: dict[str, bytes | tuple[int, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


_CONTENT_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                  b'content-types"><Default Extension="xml" ContentType="application/xml"/>'
                  b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                  b'officedocument.spreadsheetml.sheet.main+xml"/></Types>')
_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
         b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
         b'2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
             b'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             b'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                  b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                  b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                  b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')


def raw_workbook(shared: list[bytes], cells: bytes, padding_mib: int = 0) -> bytes:
    """A hand-made XLSX: ``shared`` strings and one sheet whose ``<sheetData>`` holds
    ``cells`` followed by ``padding_mib`` MiB of blanks (which compress about 1000 to 1)."""
    items = b"".join(b"<si><t>" + item + b"</t></si>" for item in shared)
    strings = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               + items + b"</sst>")
    sheet = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
             b'main"><sheetData>' + cells + b"</sheetData>" + b" " * (padding_mib << 20) + b"</worksheet>")
    return _zip({"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _RELS, "xl/workbook.xml": _WORKBOOK,
                 "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS, "xl/sharedStrings.xml": strings,
                 "xl/worksheets/sheet1.xml": sheet})


@lru_cache(maxsize=8)
def build_xlsx_bomb(string_chars: int, references: int, padding_mib: int) -> bytes:
    """One shared string of ``string_chars`` characters that ``references`` cells point
    at, and ``padding_mib`` MiB of blanks in the sheet (a zip bomb)."""
    cells = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c><c r="B%d" t="s"><v>1</v></c></row>'
                     % (i + 1, i + 1, i + 1) for i in range(references))
    return raw_workbook([b"phone", b"x" * string_chars], cells, padding_mib)


def build_parquet(header, rows, types, dictionary_mib):
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {}
    for j, h in enumerate(header):
        values = [row[j] if j < len(row) else None for row in rows]
        kind = types[j % len(types)]
        name = f"{h}_{j}" if h in columns or not h else h
        if kind == "int":
            columns[name] = pa.array([int(v) if v and v.lstrip("-").isdigit() and len(v) < 18 else None
                                      for v in values], pa.int64())
        elif kind == "float":
            columns[name] = pa.array([float(len(v or "")) / 3 for v in values], pa.float64())
        elif kind == "binary":
            columns[name] = pa.array([(v or "").encode("utf-8", "replace") for v in values], pa.binary())
        elif kind == "list":
            columns[name] = pa.array([[v, v] for v in values], pa.list_(pa.string()))
        elif kind == "struct":
            columns[name] = pa.array([{"v": v, "n": len(v or "")} for v in values])
        elif kind == "date":
            columns[name] = pa.array([len(v or "") * 1000 for v in values], pa.date32())
        elif kind == "decimal":
            import decimal
            columns[name] = pa.array([decimal.Decimal(len(v or "")) for v in values], pa.decimal128(20, 2))
        elif kind == "bool":
            columns[name] = pa.array([bool(v) for v in values])
        else:
            columns[name] = pa.array(values, pa.string())
    if dictionary_mib:  # one huge value, every row pointing at it through the dictionary
        columns["note"] = pa.array(["y" * (dictionary_mib << 20)] * max(len(rows), 1), pa.string())
        if not rows:
            columns = {k: (v if len(v) else pa.nulls(1, v.type)) for k, v in columns.items()}
    table = pa.table(columns) if columns else pa.table({"x": pa.array([], pa.string())})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, use_dictionary=True)
    return buffer.getvalue()


def build_parquet_bomb(value_bytes, rows, value_count):
    """``rows`` rows pointing, through a dictionary, at ``value_count`` values of
    ``value_bytes`` bytes each (a few KB of file, gigabytes once decoded)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = pa.array([chr(65 + k) * value_bytes for k in range(value_count)])
    note = pa.DictionaryArray.from_arrays(pa.array([i % value_count for i in range(rows)], pa.int32()), values)
    phone = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array(["13800138000"]))
    buffer = io.BytesIO()
    pq.write_table(pa.table({"phone": phone, "note": note}), buffer, use_dictionary=True)
    return buffer.getvalue()


def build_seed(name):
    return (CORPUS / name).read_bytes()


def build_huge_field(size, fill, quoted, encoding):
    field = (fill * (size // max(len(fill), 1) + 1))[:size]
    cell = '"' + field.replace('"', '""') + '"' if quoted else field
    text = f"phone,note\n13800138000,{cell}\n13900139000,ok\n"
    return text.encode(encoding, errors="replace")


def build_newlines(count, ending, closed):
    body = ending * count
    return ("phone,note\n13800138000,\"" + body + ('"' if closed else "") + "\n13900139000,x\n").encode()


def build_wide(columns, rows, delimiter):
    header = delimiter.join(["phone"] + [f"c{i}" for i in range(1, columns)])
    lines = [delimiter.join([f"1380013800{r % 10}"] + ["v"] * (columns - 1)) for r in range(rows)]
    return ("\n".join([header] + lines) + "\n").encode()


def build_zip_garbage(entries):
    return _zip({name: zlib.compress(data) for name, data in entries})


BUILDERS = {
    "delimited": build_delimited, "json": build_json, "xlsx": build_xlsx, "xlsx_bomb": build_xlsx_bomb,
    "parquet": build_parquet, "parquet_bomb": build_parquet_bomb, "seed": build_seed, "huge_field": build_huge_field,
    "newlines": build_newlines, "wide": build_wide, "zip": build_zip_garbage,
}


@st.composite
def delimited_specs(draw):
    header, rows = draw(tables())
    delimiter = draw(st.sampled_from([",", "\t", ";", "|", "\x00"]))
    ends = tuple(draw(st.lists(st.sampled_from(LINE_ENDS), min_size=1, max_size=3)))
    suffix = draw(st.sampled_from([".csv", ".tsv", ".txt", ".dat"]))
    params = (header, rows, delimiter, ends, draw(st.sampled_from(ENCODINGS)), draw(st.booleans()),
              draw(st.booleans()))
    return Spec("delimited", suffix, params, draw(mutations))


@st.composite
def json_specs(draw):
    header, rows = draw(tables())
    layout = draw(st.sampled_from(["array", "ndjson", "wrapped", "scalars"]))
    depth = draw(st.sampled_from([0, 0, 0, 3, 62, 63, 64, 65, 1000, 100_000]))
    suffix = ".ndjson" if layout == "ndjson" else draw(st.sampled_from([".json", ".jsonl", ".txt"]))
    params = (header, rows, layout, draw(st.integers(0, 4)), depth,
              draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"])))
    return Spec("json", suffix, params, draw(mutations))


@st.composite
def xlsx_specs(draw):
    header, rows = draw(tables())
    title = draw(st.sampled_from([None, "", "2026年11月客户名单"]))
    return Spec("xlsx", ".xlsx", (header, rows, draw(st.booleans()), title),
                draw(mutations.filter(lambda m: len(m) <= 1)))


@st.composite
def parquet_specs(draw):
    header, rows = draw(tables())
    types = tuple(draw(st.lists(st.sampled_from(
        ["string", "int", "float", "binary", "list", "struct", "date", "decimal", "bool"]), min_size=1, max_size=4)))
    dictionary_mib = draw(st.sampled_from([0] * 12 + [2]))
    return Spec("parquet", ".parquet", (header, rows, types, dictionary_mib),
                draw(mutations.filter(lambda m: len(m) <= 1)))


@st.composite
def seed_specs(draw):
    name = draw(st.sampled_from(SEEDS))
    return Spec("seed", Path(name).suffix, (name,), draw(mutations))


def hostile_specs(scale: int = 1):
    """Inputs at the bounds; ``scale`` 2 adds the slowest (3.5M newlines, 16,384 columns,
    a zip bomb past the decompression bound), for the long runs."""
    big = scale > 1
    return st.one_of(
        st.builds(lambda size, fill, quoted, enc: Spec("huge_field", ".csv", (size, fill, quoted, enc)),
                  st.sampled_from([(1 << 20) - 20, (1 << 20) + 1, 3 << 20]),
                  st.sampled_from(["x", "\n", "\r\n", '"', "张", "a,b", "\x00"]), st.booleans(),
                  st.sampled_from(["utf-8", "gb18030", "utf-16"])),
        st.builds(lambda count, ending, closed: Spec("newlines", ".csv", (count, ending, closed)),
                  st.sampled_from([1000] * 10 + [200_000] * 5 + ([1_000_000, 3_500_000] if big else [])),
                  st.sampled_from(["\n", "\r\n", "ab\n", '"\n']), st.booleans()),
        st.builds(lambda columns, rows, d: Spec("wide", ".csv", (columns, rows, d)),
                  st.sampled_from([300] * 10 + [2000] * 5 + [20_000] * 3 + ([11_000, 16_384, 100_000] if big else [])),
                  st.integers(0, 5), st.sampled_from([",", "\t"])),
        st.builds(lambda chars, refs, pad, m: Spec("xlsx_bomb", ".xlsx", (chars, refs, pad), m),
                  st.sampled_from([10, 100_000, 1 << 20, (1 << 20) + 1]), st.sampled_from([1, 50, 5000]),
                  st.sampled_from([0] * 8 + [16] * 4 + ([1100] if big else [])), mutations.filter(lambda m: len(m) <= 1)),
        st.builds(lambda size, rows, count, m: Spec("parquet_bomb", ".parquet", (size, rows, count), m),
                  st.sampled_from([100, 900 << 10, (1 << 20) + 1]), st.sampled_from([10, 3000, 100_000]),
                  st.integers(1, 3), mutations.filter(lambda m: len(m) <= 1)),
        st.builds(lambda entries: Spec("zip", ".xlsx", (tuple(entries),)),
                  st.lists(st.tuples(st.sampled_from(["xl/workbook.xml", "[Content_Types].xml", "a",
                                                      "xl/worksheets/sheet1.xml"]),
                                     st.binary(max_size=64)), max_size=4)),
    )


def specs(scale: int = 1):
    """Every family, the plain formats weighted as the most common inputs."""
    return st.one_of(delimited_specs(), json_specs(), seed_specs(), xlsx_specs(), parquet_specs(),
                     hostile_specs(scale))


def draw_specs(count: int, seed: int, scale: int = 1) -> list[Spec]:
    """``count`` specs drawn by Hypothesis from :func:`specs` (the same ones for a seed)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded

    drawn: list[Spec] = []

    @seeded(seed)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(specs(scale))
    def collect(spec: Spec) -> None:
        drawn.append(spec)

    collect()
    return drawn
