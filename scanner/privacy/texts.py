"""The text a scan writes: every value masked, every embedded number remembered.

:class:`TextGuard` is built once per scan from the policy and the input's columns. Batch by
batch (on the spill thread) it masks the numbers embedded in the written text columns
(``source`` and the kept extra columns, under their masked names) and gathers the numbers
embedded in every other input column; the kernel hands it the numbers of phone cells that
hold more than their own (:func:`~scanner.privacy.masking.numbers_in_phone_cells`). Its
:meth:`~TextGuard.numbers` join the phone columns' numbers as the needles of the outputs'
plaintext check (:mod:`scanner.privacy.exposure`), so that check searches for every number
found anywhere in the input, not only in the phone columns.

``[columns] keep_verbatim`` names columns written as they are: no masking, and their
numbers are not needles (the user says they hold none); the other columns' numbers are
still searched for in them, so a verbatim copy of a phone column fails the scan.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Iterable

import polars as pl

from scanner.errors import InputError
from scanner.privacy.embedded import (
    NUMBERS_SCHEMA, mask_and_find, mask_report, mask_texts, numbers_in_columns, output_names,
)

#: Pending numbers merged (deduplicated) when they outgrow the merged table and this.
_MERGE_ROWS = 1 << 20


class TextGuard:
    """Masking and number gathering for one scan (see the module docstring)."""

    def __init__(self, *, region: str | None, keep: Iterable[str], keep_verbatim: Iterable[str],
                 columns: dict[str, str], extra_columns: Iterable[str], phone_columns: Iterable[str],
                 taken: Iterable[str] = (), path: str | None = None):
        self.region = region
        extra = tuple(extra_columns)
        verbatim = []
        for name in keep_verbatim:
            if name in ("source", columns.get("source")) and "source" in columns:
                verbatim.append("source")
            elif name in extra:
                verbatim.append(name)
            else:
                raise InputError("[columns] keep_verbatim names a column the input lacks: {name!r}", path=path, name=name)
        self.verbatim = tuple(dict.fromkeys(verbatim))
        #: kept extra columns (frame names): ``keep`` and the verbatim ones
        self.kept = tuple(c for c in dict.fromkeys((*keep, *self.verbatim)) if c in extra)
        self.phone_columns = tuple(phone_columns)
        #: kept column (frame name) → the name it is written under
        self.out_names = output_names(self.kept, region, taken)
        self._lock = threading.Lock()
        self._merged = pl.DataFrame(schema=NUMBERS_SCHEMA)
        self._pending: list[pl.DataFrame] = []
        self._pending_rows = 0
        self.masked_cells: Counter[str] = Counter()

    # -- numbers -----------------------------------------------------------------------

    def add_numbers(self, numbers: pl.DataFrame) -> None:
        """Remember embedded numbers (any thread)."""
        if not numbers.height:
            return
        with self._lock:
            self._pending.append(numbers.select(list(NUMBERS_SCHEMA)))
            self._pending_rows += numbers.height
            if self._pending_rows > max(self._merged.height, _MERGE_ROWS):
                self._merge()

    def _merge(self) -> None:
        self._merged = pl.concat([self._merged, *self._pending]).unique()
        self._pending, self._pending_rows = [], 0

    def numbers(self) -> pl.DataFrame:
        """Every embedded number found so far (``e164``, ``national_number``, ``digits``), distinct."""
        with self._lock:
            self._merge()
            return self._merged

    # -- batches -----------------------------------------------------------------------

    def written(self, out: pl.DataFrame, spill_columns: Iterable[str]) -> pl.DataFrame:
        """``out``'s ``spill_columns`` and kept columns as they are written: ``source`` and
        the kept columns masked (unless verbatim), kept columns under their output names."""
        frame = out.select(*spill_columns, *self.kept)
        masked = [c for c in ("source", *self.kept) if c in frame.columns and c not in self.verbatim]
        replaced = []
        for column in masked:
            values, numbers, cells = mask_and_find(frame.get_column(column), self.region)
            self.add_numbers(numbers)
            if cells:
                self.masked_cells[column] += cells
                replaced.append(values.alias(column))
        if replaced:
            frame = frame.with_columns(replaced)
        return frame.rename({c: n for c, n in self.out_names.items() if c != n})

    def gather(self, batch: pl.DataFrame) -> None:
        """The embedded numbers of ``batch``'s columns that :meth:`written` does not read
        (the phone cells come from the kernel; verbatim columns hold no needle)."""
        skip = {"row", "line", "source", *self.kept, *self.phone_columns, *self.verbatim}
        self.add_numbers(numbers_in_columns(batch, [c for c in batch.columns if c not in skip], self.region))

    # -- report ------------------------------------------------------------------------

    def header(self, text: str) -> str:
        return mask_texts([text], self.region)[text]

    def protect_report(self, report: dict[str, Any]) -> dict[str, Any]:
        """``report`` with every text masked (headers, paths, vocabulary samples, details),
        its numbers remembered, and the ``privacy`` section added."""
        report, numbers = mask_report(report, self.region)
        self.add_numbers(numbers)
        report["privacy"] = self.section()
        return report

    def section(self) -> dict[str, Any]:
        """report.json ``privacy``: what was masked, and what was kept verbatim."""
        names = mask_texts(["source", *self.kept], self.region)
        return {
            "embedded_numbers": "masked in every written text value",
            "masked_cells": {self.out_names.get(c, names.get(c, c)): n for c, n in sorted(self.masked_cells.items())},
            "keep_verbatim": [self.out_names.get(c, c) for c in self.verbatim],
        }
