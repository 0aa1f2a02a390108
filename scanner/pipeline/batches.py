"""The input in row-kernel batches, read one batch ahead on a background thread, and the
tables gathered batch by batch (distinct values, a sample of each extra column)."""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterator

import polars as pl

from scanner import interrupt
from scanner.analyses.columns import SAMPLE as COLUMN_SAMPLE
from scanner.ingest import InputStream
from scanner.report.build import BAD_RECORDS_LISTED

#: Rows per row-kernel batch (files are also cut into batches by the reader). Three batches
#: are in flight at once (read ahead, in the kernel, being spilled), and a batch's rows
#: output is written whole: half a million rows bound that memory on wide lists and cost
#: no more CPU time than larger batches.
BATCH_ROWS = 1 << 19
#: Input bytes read at a time (about half a million rows of a typical CRM export).
BATCH_BYTES = 32 << 20


def read_ahead(items: Iterator, depth: int = 1) -> Iterator:
    """``items``, produced by a background thread up to ``depth`` ahead: the next batch is
    read and parsed while the row kernel works on this one (polars releases the GIL).
    An exception while reading is raised here, in order. Every wait gives up on a signal
    or when the consumer stops (:mod:`scanner.interrupt`)."""
    done = object()
    slots: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not interrupt.put(slots, (item, None), stop):
                    return
            interrupt.put(slots, (done, None), stop)
        except BaseException as exc:  # handed to the consumer, which raises it
            interrupt.put(slots, (done, exc), stop)

    worker = threading.Thread(target=produce, name="contact-scanner-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            got = interrupt.get(slots)
            if got is interrupt.NOTHING:
                raise interrupt.stopped_error()
            item, exc = got
            if item is done:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        # the batch being read is finished first (the input stays open until then), unless
        # the process is stopping
        while worker.is_alive() and not interrupt.stopping():
            worker.join(interrupt.POLL)


def record_batches(stream: InputStream, batch_rows: int, bad_records: list) -> Iterator[tuple[pl.DataFrame, list[int]]]:
    """The input's records in row-kernel batches of at most ``batch_rows`` rows (with their
    malformed records' rows); the first :data:`BAD_RECORDS_LISTED` bad records are also
    appended to ``bad_records`` (the report lists them; the rows carry IN001)."""
    for part in read_ahead(iter(stream)):
        bad_records.extend(part.bad_records[: max(0, BAD_RECORDS_LISTED - len(bad_records))])
        bad = [b.row for b in part.bad_records]
        frame = part.frame
        for start in range(0, frame.height, batch_rows):
            piece = frame.slice(start, batch_rows)
            first, last = piece.item(0, "row"), piece.item(piece.height - 1, "row")
            yield piece, [r for r in bad if first <= r <= last]



class DistinctTable:
    """A table of distinct values gathered batch by batch: ``merge`` (dedup or sum) runs on
    the pending parts whenever they outgrow the merged table, so memory follows the distinct
    values, not the batches, and the total work stays within a log factor of one merge."""

    def __init__(self, merge: Callable[[pl.DataFrame], pl.DataFrame]):
        self.merge = merge
        self.merged: pl.DataFrame | None = None
        self.pending: list[pl.DataFrame] = []
        self.pending_rows = 0

    def add(self, part: pl.DataFrame) -> None:
        self.pending.append(part)
        self.pending_rows += part.height
        if self.pending_rows > max(self.merged.height if self.merged is not None else 0, 1 << 20):
            self.merged = self.table()

    def table(self) -> pl.DataFrame:
        parts = ([self.merged] if self.merged is not None else []) + self.pending
        self.merged, self.pending, self.pending_rows = self.merge(pl.concat(parts)), [], 0
        return self.merged


class ColumnSampler:
    """The first :data:`~scanner.analyses.columns.SAMPLE` non-empty values of each extra
    column, with their rows, collected across batches (what the column checks read)."""

    def __init__(self, columns: list[str]):
        self.columns = columns
        self.needed = dict.fromkeys(columns, COLUMN_SAMPLE)
        self.parts: list[pl.DataFrame] = []

    def add(self, batch: pl.DataFrame) -> None:
        open_ = [c for c, n in self.needed.items() if n > 0]
        if not open_:
            return
        present = {c: pl.col(c).str.strip_chars().str.len_chars().fill_null(0) > 0 for c in open_}
        wanted = pl.any_horizontal([p & (p.cum_sum() <= self.needed[c]) for c, p in present.items()])
        counts = batch.select([p.sum().alias(c) for c, p in present.items()]).row(0, named=True)
        self.parts.append(batch.filter(wanted).select("row", *self.columns))
        for c in open_:
            self.needed[c] -= min(self.needed[c], counts[c])

    def frame(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema={"row": pl.Int64, **dict.fromkeys(self.columns, pl.String)})
        return pl.concat(self.parts)


