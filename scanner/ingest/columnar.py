"""Parquet text columns read as dictionaries, so that their decoded size is known first.

A dictionary-encoded column stores each distinct value once: a few hundred bytes of file
can give a million rows the same 1 MiB value, a terabyte once decoded. Read as
dictionaries (:func:`open_bounded`), a batch is weighed before it is decoded
(:func:`decoded_pieces`): a value over the cell limit is never decoded (its rows become
bad records, as a CSV field over the limit does), a batch is decoded a piece of at most
:data:`PIECE_BYTES` of text at a time, and a file whose text decodes to more than
:data:`EXPANSION` times its size (and more than :data:`FLOOR_BYTES`) is refused.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from scanner.errors import InputError

PIECE_BYTES = 64 << 20
EXPANSION = 1000
FLOOR_BYTES = 256 << 20


def open_bounded(source, parquet, path: str | None = None):
    """``parquet`` (a ``pq.ParquetFile``) reopened with its dictionary-encoded text columns
    read as dictionaries; ``parquet`` itself when there are none or that is not possible.
    (Plain-encoded columns stay plain: read as dictionaries, every value would be hashed.)"""
    import pyarrow.parquet as pq

    schema = parquet.schema_arrow
    if len(set(schema.names)) != len(schema.names):
        return parquet
    try:
        meta = parquet.metadata
        encoded = {meta.row_group(g).column(c).path_in_schema
                   for g in range(meta.num_row_groups) for c in range(meta.num_columns)
                   if any("DICTIONARY" in e for e in meta.row_group(g).column(c).encodings)}
    except Exception as exc:  # noqa: BLE001 - damaged metadata (a column path that is not UTF-8, ...)
        raise InputError("not a readable Parquet file ({error} in its metadata)", error=type(exc).__name__,
                         path=path) from None
    names = [f.name for f in schema if _textual(f.type) and f.name in encoded]
    if not names:
        return parquet
    try:
        if hasattr(source, "seek"):
            source.seek(0)
        return pq.ParquetFile(source, read_dictionary=names)
    except Exception:  # noqa: BLE001 - read as it was opened
        return parquet


def _textual(kind: pa.DataType) -> bool:
    return (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind))


class Budget:
    """The decoded text a file may still give (see the module's bound)."""

    def __init__(self, file_size: int, path: str | None):
        self.left = max(FLOOR_BYTES, EXPANSION * file_size)
        self.path = path

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise InputError("the Parquet file's text decodes to more than {times} times its size "
                             "(values repeated through its dictionaries)", path=self.path, times=EXPANSION)


def decoded_pieces(batch: pa.RecordBatch, limit: int, budget: Budget) -> Iterator[tuple[pa.RecordBatch, dict[int, str]]]:
    """``batch`` with its dictionary columns decoded, in pieces of bounded text, each with
    the rows (0-based in the piece) that held a value over ``limit`` bytes, and why."""
    if not any(pa.types.is_dictionary(c.type) for c in batch.columns):
        yield batch, {}
        return
    sizes = pa.repeat(pa.scalar(0, pa.int64()), batch.num_rows)
    largest = sizes
    columns = []
    for column in batch.columns:
        if pa.types.is_dictionary(column.type):
            lengths = pc.binary_length(column.dictionary).cast(pa.int64())
            per_row = pc.fill_null(pc.take(lengths, column.indices), 0)
            sizes = pc.add(sizes, per_row)
            largest = pc.max_element_wise(largest, per_row)
            kept = pc.if_else(pc.greater(lengths, limit), pa.scalar(None, column.dictionary.type),
                              column.dictionary)
            column = pa.DictionaryArray.from_arrays(column.indices, kept)
        columns.append(column)
    batch = pa.RecordBatch.from_arrays(columns, schema=pa.schema(
        [pa.field(f.name, c.type) for f, c in zip(batch.schema, columns)]))
    kept_sizes = pc.if_else(pc.greater(largest, limit), 0, sizes)
    total = pc.sum(kept_sizes).as_py() or 0
    budget.spend(total)
    for start, stop in _cuts(kept_sizes, total):
        piece = batch.slice(start, stop - start)
        over = pc.greater(largest.slice(start, stop - start), limit)
        bad = {}
        if pc.any(over).as_py():
            for i in pc.indices_nonzero(over).to_pylist():
                bad[i] = f"field of {largest[start + i].as_py()} bytes exceeds the {limit}-byte limit"
        yield _decoded(piece), bad


def _cuts(sizes: pa.Array, total: int) -> list[tuple[int, int]]:
    """Row ranges holding at most about PIECE_BYTES of text each (one row at the least)."""
    if total <= PIECE_BYTES:
        return [(0, len(sizes))]
    bucket = pc.divide(pc.cumulative_sum(sizes), PIECE_BYTES).to_pylist()
    cuts, start = [], 0
    for i in range(1, len(bucket)):
        if bucket[i] != bucket[i - 1]:
            cuts.append((start, i))
            start = i
    cuts.append((start, len(bucket)))
    return cuts


def _decoded(batch: pa.RecordBatch) -> pa.RecordBatch:
    columns = [c.dictionary_decode() if pa.types.is_dictionary(c.type) else c for c in batch.columns]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def check_text(batch: pa.RecordBatch, path: str | None) -> None:
    """Refuse a batch holding text that is not UTF-8, at any depth (a damaged file: Parquet
    text is UTF-8 by definition, and nothing downstream can read such a value)."""
    for position, column in enumerate(batch.columns, start=1):
        try:
            column.validate(full=True)
        except pa.ArrowException:
            raise InputError("not a readable Parquet file (column {position} holds text that is not valid UTF-8)",
                             path=path, position=position) from None
