"""Reading what a scan wrote, a part at a time: files as lines or Parquet columns, a
Parquet file's statistics and metadata, the rows output's columns in chunks, and the
outputs' own row index (never searched)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

import polars as pl


TEXT_BLOCK_BYTES = 64 << 20  # a non-Parquet file is searched this many bytes (whole lines) at a time
STREAMING = "streaming"

Rows = pl.DataFrame | pl.LazyFrame


def file_text(path: Path) -> Iterator[pl.Series]:
    """A file's cells, a part at a time (Parquet: one column, any type, read as text by
    :func:`digit_runs`; else: whole lines, about :data:`TEXT_BLOCK_BYTES` at a time)."""
    if path.suffix == ".parquet":
        for column in pl.read_parquet_schema(path):
            values = pl.read_parquet(path, columns=[column]).to_series()
            if not is_row_index(values):
                yield values
        return
    pending, first, row_field = b"", True, 0
    with open(path, "rb") as fh:
        while block := fh.read(TEXT_BLOCK_BYTES):
            if first:  # a CSV written by the tool leads with its row index (see is_row_index)
                first, row_field = False, _index_fields(block) if path.suffix == ".csv" else 0
            # cut after a b"\n": never inside a UTF-8 sequence, a line or a "\r\n"
            cut = block.rfind(b"\n") + 1
            if not cut:
                pending += block
                continue
            yield _lines(pending + block[:cut], row_field)
            pending = block[cut:]
    if pending:
        yield _lines(pending, row_field)


def parquet_metadata(path: Path) -> tuple[pl.Series, pl.Series]:
    """A Parquet file's own texts besides its cells: (the min/max statistics of every column
    chunk but the row index's, the schema's names and the key-value metadata, decoded
    where it is base64 as Arrow's schema is)."""
    import base64
    import binascii

    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    stats = []
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            if chunk.path_in_schema in ROW_INDEXES or chunk.statistics is None or not chunk.statistics.has_min_max:
                continue
            stats += [str(chunk.statistics.min), str(chunk.statistics.max)]
    texts = [*meta.schema.names, str(meta.created_by or "")]
    for key, value in (meta.metadata or {}).items():
        texts.append(key.decode("utf-8", "replace"))
        texts.append(value.decode("utf-8", "replace"))
        try:
            texts.append(base64.b64decode(value, validate=True).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            pass
    return pl.Series(stats, dtype=pl.String), pl.Series(texts, dtype=pl.String)


#: The parts of a Parquet file searched besides its cells.
PARQUET_PARTS = ("column statistics", "schema and key-value metadata")


def _index_fields(block: bytes) -> int:
    """How many index fields (``row``, then ``line``) a CSV the tool wrote leads with."""
    for k in range(len(ROW_INDEXES), 0, -1):
        if block.startswith(",".join(ROW_INDEXES[:k]).encode() + b","):
            return k
    return 0


def _lines(raw: bytes, row_field: int = 0) -> pl.Series:
    lines = pl.Series(raw.decode("utf-8", errors="replace").splitlines(), dtype=pl.String)
    return lines.str.replace("^" + "[0-9]+," * row_field, "," * row_field) if row_field else lines


def column_of(rows: Rows, column: str) -> pl.Series:
    """One column of the rows output (of a LazyFrame: read alone)."""
    if isinstance(rows, pl.LazyFrame):
        return rows.select(column).collect(engine=STREAMING).to_series()
    return rows.get_column(column)


ROW_INDEX = "row"
#: Index columns the outputs lead with: ``row`` and the input's ``line`` (both positive and
#: strictly increasing; neither holds a number of the list).
ROW_INDEXES = (ROW_INDEX, "line")


def is_row_index(values: pl.Series) -> bool:
    """The outputs' own ``row`` column: positive integers, strictly increasing. It numbers
    the input's rows and holds no number of the list, though in a list of millions of rows
    its values are as long as some numbers' national digits (7+): not searched."""
    if values.name not in ROW_INDEXES or not values.dtype.is_integer() or values.null_count():
        return False
    return values.len() == 0 or (values.min() >= 1 and bool((values.diff().drop_nulls() > 0).all()))


#: A LazyFrame's column is read this many rows at a time (memory on lists of 100M rows),
#: and searched by SEARCHERS threads (so at most SEARCHERS chunks of one column at once).
CHUNK_ROWS = 1 << 20


def column_values(rows: Rows, column: str) -> Iterator[pl.Series]:
    """One column's cells to search, produced only when read: of a LazyFrame,
    :data:`CHUNK_ROWS` at a time (one column of a list of 100M rows is gigabytes as text)."""
    return (read() for read, searched, _ in column_parts(rows, column) if searched)


def column_parts(rows: Rows, column: str, names: bool = False) -> Iterator[tuple[Callable[[], pl.Series], bool, bool]]:
    """One column's cells a part at a time (:func:`column_values`), as a function that
    reads the part, with whether its runs are searched (not those of a row index,
    :func:`is_row_index`) and whether its names are counted (with ``names``: once each,
    the row index's too). Read in chunks, a row index is known only when read whole; then,
    if it is none, read again to be searched."""
    if isinstance(rows, pl.DataFrame):
        values = rows.get_column(column)
        yield (lambda: values), not is_row_index(values), True
        return
    height = row_count(rows)

    def read(offset: int) -> pl.Series:
        return rows.select(column).slice(offset, CHUNK_ROWS).collect(engine=STREAMING).to_series()

    def chunks() -> Iterator[pl.Series]:
        return (read(offset) for offset in range(0, height, CHUNK_ROWS))

    if column not in ROW_INDEXES:
        yield from ((partial(read, offset), True, True) for offset in range(0, height, CHUNK_ROWS))
        return
    if names:  # the names are counted on the way
        last = 0
        for values in chunks():
            last = None if last is None else _index_after(values, last)
            yield partial(_itself, values), False, True
        index = last is not None
    else:
        index = _chunks_are_row_index(chunks())
    if not index:
        yield from ((partial(read, offset), True, not names) for offset in range(0, height, CHUNK_ROWS))


def _itself(values: pl.Series) -> pl.Series:
    return values


def _chunks_are_row_index(chunks: Iterable[pl.Series]) -> bool:
    """:func:`is_row_index` over a column read in consecutive chunks."""
    last = 0
    for values in chunks:
        last = _index_after(values, last)
        if last is None:
            return False
    return True


def _index_after(values: pl.Series, last: int) -> int | None:
    """The last row number when ``values`` go on with a row index whose last was ``last``."""
    if not is_row_index(values):
        return None
    if not values.len():
        return last
    return values[-1] if values[0] > last else None


def row_count(rows: Rows) -> int:
    return rows.height if isinstance(rows, pl.DataFrame) else rows.select(pl.len()).collect(engine=STREAMING).item()


def reads_back_as(path: Path, rows: Rows) -> bool:
    """Whether the Parquet file at ``path`` holds exactly ``rows``: ``rows`` is a plain scan
    of it, or it reads back column by column as ``rows``."""
    try:
        if isinstance(rows, pl.LazyFrame) and _is_scan_of(rows, path):
            return True
        schema = rows.collect_schema()
        if list(pl.read_parquet_schema(path).items()) != list(schema.items()):
            return False
        return all(pl.read_parquet(path, columns=[c]).to_series().equals(column_of(rows, c)) for c in schema)
    except Exception:  # unreadable as Parquet: searched as bytes would be
        return False


def _is_scan_of(rows: pl.LazyFrame, path: Path) -> bool:
    """Whether ``rows`` is the plan of ``pl.scan_parquet(path)`` with default options and
    nothing on top (no projection, filter, slice, row index...): then it reads as the file."""
    try:
        plan = rows.serialize()
        return any(plan == pl.scan_parquet(p).serialize()
                   for p in dict.fromkeys([str(path), str(path.absolute()), str(path.resolve())]))
    except Exception:  # a plan that does not serialize (Python functions): compared by content
        return False
