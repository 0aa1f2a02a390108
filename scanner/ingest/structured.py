"""Spreadsheets, Parquet, JSON / NDJSON and in-memory frames, read as text.

Every reader returns a :class:`Table` whose columns are all ``pl.String``; Parquet can
also be read batch by batch (:func:`parquet_tables`), the others are read whole. Numbers keep
all their digits (no rounding, no reformatting beyond the engine's plain text form);
nested JSON objects become dotted columns (``consent.status``), MongoDB extended JSON
values lose their type wrapper (``{"$date": …}``), other nested values (arrays) become
compact JSON text.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import BinaryIO

import polars as pl

from scanner.errors import InputError
from scanner.i18n import Text
from scanner.ingest import columnar
from scanner.ingest.headers import no_readable_records
from scanner.ingest.model import Table
from scanner.ingest.workbook import check_workbook


def to_string_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast every column to String; nested and binary values become JSON or hex text."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.String:
            exprs.append(col)
        elif dtype == pl.Binary:
            exprs.append(col.bin.encode("hex"))
        elif isinstance(dtype, pl.Struct):
            exprs.append(col.struct.json_encode())
        elif dtype.is_nested() or dtype == pl.Object:
            exprs.append(col.map_elements(_json_text, return_dtype=pl.String))
        else:
            exprs.append(col.cast(pl.String))
    return frame.select(exprs)


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, pl.Series):
        value = value.to_list()
    return json.dumps(value, ensure_ascii=False, default=str)


def _positional(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.rename({old: f"c{i}" for i, old in enumerate(frame.columns)})


def read_frame(frame: pl.DataFrame | pl.LazyFrame) -> Table:
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    header = list(frame.columns)
    return Table(_positional(to_string_frame(frame)), header=header)


def read_parquet(data: bytes, path: str | None) -> Table:
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any failure means an unreadable file
        raise _unreadable_parquet(exc, path) from None
    return read_frame(frame)


def _unreadable_parquet(exc: Exception, path: str | None) -> InputError:
    return InputError("not a readable Parquet file ({error})", path=path, error=type(exc).__name__)


def parquet_tables(source: str | BinaryIO, path: str | None, batch_bytes: int,
                   cell_limit: int = 1 << 20) -> Iterator[tuple[Table, bool]] | None:
    """A Parquet file's record batches of about ``batch_bytes`` as (table, last) pairs,
    converted as :func:`read_parquet` converts the whole file (polars reads Arrow batches
    with the dtypes it gives the file). Text columns are read as dictionaries and decoded
    within the bounds of :mod:`~scanner.ingest.columnar` (a value over ``cell_limit``
    makes its row a bad record). None when pyarrow cannot open the file: read it whole
    with :func:`read_parquet` then (it also reads types pyarrow lacks, like Int128, and
    words the error for a file nothing can read)."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(source)
        size = os.path.getsize(source) if isinstance(source, str) else parquet.metadata.serialized_size
    except Exception:  # noqa: BLE001
        return None
    budget = columnar.Budget(size, path)
    return _parquet_batches(parquet, columnar.open_bounded(source, parquet, path), path, batch_bytes,
                            cell_limit, budget)


def _parquet_batches(parquet, reader, path: str | None, batch_bytes: int, cell_limit: int,
                     budget: columnar.Budget) -> Iterator[tuple[Table, bool]]:
    """``reader`` is ``parquet`` with its text columns read as dictionaries (or itself)."""
    meta = parquet.metadata
    total = meta.num_rows
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    rows = max(1, batch_bytes * max(total, 1) // max(size, 1))
    header = list(parquet.schema_arrow.names)
    seen = 0
    try:
        for batch in reader.iter_batches(batch_size=rows):
            for piece, bad in columnar.decoded_pieces(batch, cell_limit, budget):
                columnar.check_text(piece, path)
                frame = pl.from_arrow(piece)
                seen += frame.height
                yield Table(_positional(to_string_frame(frame)), header=header, bad=bad), seen >= total
        if not total:
            frame = pl.from_arrow(parquet.schema_arrow.empty_table())
            yield Table(_positional(to_string_frame(frame)), header=header), True
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt row group
        raise _unreadable_parquet(exc, path) from None


def read_excel(data: bytes, path: str | None, sheet: str | None, cell_limit: int = 1 << 20) -> Table:
    """First sheet (or ``sheet``) with every cell as text; fully blank rows are dropped
    (``lines``: each record's sheet row, 0-based).
    An XLSX over the bounds of :func:`~scanner.ingest.workbook.check_workbook` is refused
    before it is read."""
    import fastexcel

    if data.startswith(b"PK\x03\x04"):
        check_workbook(data, path, cell_limit)
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except Exception as exc:  # noqa: BLE001
        raise InputError("not a readable Excel workbook ({error})", path=path, error=type(exc).__name__) from None
    if sheet is not None and sheet not in names:
        raise InputError("sheet {sheet!r} not found (sheets: {names})", path=path, sheet=sheet, names=", ".join(names))
    if not names:
        raise InputError("the workbook has no sheets", path=path)
    try:
        # (skip_rows=0 keeps the empty rows above the first value: index i is sheet row i + 1)
        frame = reader.load_sheet(sheet if sheet is not None else 0, header_row=None, skip_rows=0,
                                  dtypes="string").to_polars()
    except Exception as exc:  # noqa: BLE001
        raise InputError("cannot read sheet {sheet!r} ({error})", sheet=sheet or names[0], error=type(exc).__name__,
                         path=path) from None
    frame = _positional(to_string_frame(frame))
    if frame.width == 0:
        return Table(frame)
    blank = frame.select(pl.all_horizontal(pl.all().is_null() | (pl.all().str.strip_chars() == ""))).to_series()
    return Table(frame.filter(~blank), lines=blank.not_().arg_true().cast(pl.UInt32))


def _cell(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def _records_table(records: Iterable[object]) -> Table:
    """Objects become rows (columns: union of keys in order of first appearance, nested
    objects flattened to dotted columns: ``{"consent": {"status": …}}`` gives
    ``consent.status``); anything else becomes a bad record."""
    records = list(records)
    bad = {index: "not a JSON object" for index, record in enumerate(records) if not isinstance(record, dict)}
    flat = _flat_columns(records)
    header = [name for name, _ in flat]
    columns = {}
    for k, (_, values) in enumerate(flat):
        try:
            series = pl.Series(f"c{k}", values, dtype=pl.String)
        except (TypeError, pl.exceptions.PolarsError):
            series = pl.Series(f"c{k}", [_cell(v) for v in values], dtype=pl.String)
        columns[f"c{k}"] = series
    frame = pl.DataFrame(columns) if columns else pl.DataFrame({"c0": [None] * len(records)},
                                                               schema={"c0": pl.String})
    return Table(frame, header=header or ["column_1"], bad=bad)


def _flat_columns(rows: list, prefix: str = "") -> list[tuple[str, list]]:
    """(dotted name, values) of every key of ``rows`` (objects or None), in order of first
    appearance; a key holding objects gives a column per key inside them (and keeps its
    own column for the rows where it holds something else). Nesting is bounded by
    :data:`MAX_JSON_DEPTH` before parsing."""
    keys: dict[str, None] = {}
    for row in rows:
        if isinstance(row, dict):
            keys.update(dict.fromkeys(row))
    out: list[tuple[str, list]] = []
    for key in keys:
        name = prefix + key
        values = [_unwrapped(row.get(key)) if isinstance(row, dict) else None for row in rows]
        if not any(isinstance(v, dict) for v in values):
            out.append((name, values))
            continue
        inner = _flat_columns([v if isinstance(v, dict) else None for v in values], name + ".")
        others = [None if isinstance(v, dict) else v for v in values]
        if not inner or any(v is not None for v in others):
            out.append((name, values if not inner else others))
        out.extend(inner)
    return out


def _unwrapped(value: object) -> object:
    """A value of MongoDB extended JSON without its type wrapper (``{"$date": …}``,
    ``{"$numberLong": "…"}``, ``{"$oid": …}``); any other value as it is."""
    while isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if not key.startswith("$"):
            break
        value = inner
    return value


class _Invalid(Exception):
    """A JSON text that cannot be read; carries a message without content."""


#: Deepest nesting of arrays and objects read. The json module descends by recursion
#: (and so would any code walking the values), so deeper texts are refused before parsing.
MAX_JSON_DEPTH = 64
# A string, to its closing quote or else to the end (always a match, so scans stay linear).
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)'
_NOT_BRACKETS = re.compile(_STRING + r'|[^\[\]{}"]+', re.DOTALL)
_BRACKETS = re.compile(_STRING + r'|[\[\]{}]', re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_STEPS = str.maketrans({b: "\x01" if s > 0 else "\xff" for b, s in _STEP.items()})


class _TooDeep(Exception):
    """A JSON text nested deeper than MAX_JSON_DEPTH."""


def _nesting(text: str) -> int:
    """The deepest nesting a parser reading ``text`` from its start can reach: the
    highest running count of open brackets outside strings (an upper bound where the text
    is not valid JSON). Iterative and at C speed: the brackets outside strings become
    +1/-1 bytes whose running sum is taken."""
    brackets = _NOT_BRACKETS.sub("", text).translate(_STEPS)
    steps = memoryview(brackets.encode("latin-1")).cast("b")
    return max(accumulate(steps), default=0)


def _loads(text: str) -> object:
    # Numbers keep their exact text: 13800138000 stays "13800138000", 1.38E10 stays "1.38E10".
    if _nesting(text) > MAX_JSON_DEPTH:
        raise _TooDeep
    return json.loads(text, parse_int=str, parse_float=str)


def _too_deep(text: str, path: str | None) -> InputError:
    """The error for a document nested too deep, naming the line where it goes too deep."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        depth += _STEP.get(match.group(), 0)
        if depth > MAX_JSON_DEPTH:
            line = text.count("\n", 0, match.start()) + 1
            break
    else:  # (not reached: called only for such a text)
        line = 1
    return InputError("JSON nested deeper than {depth} levels at line {at}", path=path, depth=MAX_JSON_DEPTH, at=line)


def _invalid(exc: json.JSONDecodeError) -> Text:
    # json's words for the fault are in the catalog (scanner/i18n/messages.py LIBRARY)
    return Text("invalid JSON: {problem} at line {at} column {column}", problem=Text(exc.msg), at=exc.lineno,
                column=exc.colno)


def read_json(text: str, path: str | None) -> tuple[Table, str]:
    """A JSON array of objects, a wrapper object holding one, or NDJSON; (table, format)."""
    try:
        document = _loads(text)
    except (json.JSONDecodeError, _TooDeep) as exc:
        if text.lstrip("\ufeff \t\r\n").startswith("{"):
            return _some_readable(_read_ndjson(text), path), "ndjson"
        records = _array_lines(text)
        if records is None:
            if isinstance(exc, _TooDeep):
                raise _too_deep(text, path) from None
            raise InputError(_invalid(exc), path=path) from None
        return records, "json"
    if isinstance(document, dict):
        document = _wrapped_records(document)
    if not isinstance(document, list):
        raise InputError("JSON input is not an array of objects", path=path)
    return _some_readable(_records_table(document), path), "json"


def _some_readable(table: Table, path: str | None) -> Table:
    """``table``, unless no record in it is readable (then there are no columns either)."""
    if table.bad and len(table.bad) >= table.frame.height:
        first = min(table.bad)
        raise no_readable_records(table.frame.height, first + 1, table.bad[first], path)
    return table


def _wrapped_records(document: dict) -> object:
    """``{"data": [{...}, ...]}`` → the list; any other object is one record."""
    for value in document.values():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return value
    return [document]


def _read_ndjson(text: str) -> Table:
    lines = [s for s in (line.strip().lstrip("\ufeff") for line in text.split("\n")) if s]
    try:  # one C-speed parse when every line is valid
        records = _loads("[" + ",".join(lines) + "]")
        if len(records) == len(lines):
            return _records_table(records)
    except (json.JSONDecodeError, _TooDeep):
        pass
    records = []
    bad: dict[int, str] = {}
    for line in lines:
        try:
            records.append(_loads(line))
        except json.JSONDecodeError:
            bad[len(records)] = "invalid JSON"
            records.append(None)
        except _TooDeep:
            bad[len(records)] = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
            records.append(None)
    table = _records_table(records)
    table.bad.update(bad)
    return table


def _array_lines(text: str) -> Table | None:
    """Resynchronize a broken JSON array written one object per line; None if it is not."""
    lines = [ln.strip() for ln in text.strip().lstrip("\ufeff").split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines or not lines[0].startswith("["):
        return None
    lines[0] = lines[0][1:].strip()
    if lines[-1].endswith("]"):
        lines[-1] = lines[-1][:-1].strip()
    items = [ln.removesuffix(",").strip() for ln in lines]
    items = [item for item in items if item]
    if len(items) < 2 or not all(item.startswith("{") for item in items):
        return None
    table = _read_ndjson("\n".join(items))
    return table if len(table.bad) < table.frame.height else None
