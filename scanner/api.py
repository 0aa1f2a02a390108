"""The Python API: :func:`scan` and its :class:`ScanResult`, and :func:`normalize`.

``scan`` reads the input in batches, runs each through the row kernel and spills what it
keeps, then runs the list stage and builds the report (:mod:`scanner.pipeline.run`,
docs/ARCHITECTURE.md). A :class:`ScanResult` holds the report and reads the rows output
from the scan's private spill; :meth:`ScanResult.write` writes the output folder.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import polars as pl

from scanner.decide import ActiveRules
from scanner.errors import InputError, ScannerError  # noqa: F401 (re-exported)
from scanner.phone.normalize import normalize, parse_distinct  # noqa: F401 (re-exported)
from scanner.pipeline.batches import BATCH_BYTES, BATCH_ROWS
from scanner.pipeline.numbers import per_row_numbers, valid_tokens
from scanner.pipeline.run import Progress, run_scan
from scanner.policy import Policy
from scanner.privacy.keys import KeyMaterial
from scanner.report.build import report_json, tool_version  # noqa: F401 (re-exported)
from scanner.rowstore import RowStore, SpilledTable, findings_table, rows_plan


@dataclass
class ScanResult:
    """What a scan produced. ``rows`` and ``report`` hold no plaintext number.

    The row outputs live in a private spill directory until :meth:`write` streams them out;
    ``rows`` materializes them (convenient for small lists, costly for very large ones:
    use :meth:`iter_rows`).
    """

    report: dict[str, Any]
    policy: Policy
    keys: KeyMaterial = field(repr=False)
    # Private: the spilled row outputs, the per-row list frame and the distinct numbers
    # (these two hold numbers: never written; the numbers stay sealed in the spill, read a
    # few columns at a time).
    _store: RowStore = field(repr=False)
    _list: pl.LazyFrame = field(repr=False)
    _number_parts: SpilledTable = field(repr=False)
    _names: pl.DataFrame = field(repr=False)
    _extra_out: list[str] = field(repr=False)
    _kept: list[str] = field(repr=False)
    #: the phone columns' headers, primary first (rows.parquet's ``contact_column``)
    _phone_headers: tuple[str, ...] = field(default=("phone",), repr=False)
    #: numbers embedded in the input's text (``e164``, ``national_number``, ``digits``)
    _embedded: pl.DataFrame | None = field(default=None, repr=False)
    _rows: pl.DataFrame | None = field(default=None, repr=False)
    _findings: pl.DataFrame | None = field(default=None, repr=False)

    def rows_plan(self, part: int | None = None) -> pl.LazyFrame:
        """The rows output (or one batch's part of it) as a lazy plan over the spill."""
        if self._findings is None:
            self._findings = findings_table(self._store, ActiveRules.from_policy(self.policy))
        return rows_plan(self._store, self._findings, extra_out=self._extra_out, kept=self._kept, part=part,
                         phone_headers=self._phone_headers)

    def iter_rows(self) -> Iterator[pl.DataFrame]:
        """The rows output, one batch at a time, in row order."""
        for i in range(len(self._store.parts)):
            yield self.rows_plan(i).collect()

    @property
    def rows(self) -> pl.DataFrame:
        if self._rows is None:
            self._rows = self.rows_plan().collect()
        return self._rows

    @property
    def contactable(self) -> pl.DataFrame:
        """Accepted rows, minimal columns."""
        from scanner.report.write import contactable_of

        return contactable_of(self.rows)

    @property
    def _number_table(self) -> pl.DataFrame:
        """The distinct numbers with their per-number facts, whole (tests and tools)."""
        return self._number_parts.frame()

    @property
    def _numbers(self) -> pl.DataFrame:
        """Per row: the token -> number mapping (tests and tools; never written)."""
        return per_row_numbers(self._list.select("row", "number_key"),
                               self._number_parts.select("number_key", "phone_token", "e164", "national_number",
                                                         "country_code"))

    def distinct_numbers(self) -> pl.DataFrame:
        """The distinct numbers and names of the list (``e164``, ``national_number``, ``name``;
        columns not aligned), for the outputs' plaintext checks; never written."""
        names = self._names.get_column("name").drop_nulls()
        parts = [self._number_parts.select("e164", "national_number"), names.to_frame("name")]
        if self._embedded is not None:
            parts.append(self._embedded)
        return pl.concat(parts, how="diagonal")

    @property
    def rows_with_number(self) -> int:
        return int(self._list.select(pl.col("number_key").is_not_null().sum()).collect(engine="streaming").item())

    def unique_e164(self) -> list[str]:
        """Sorted distinct E.164 numbers of this copy (for fingerprints; never written)."""
        return sorted(self._number_parts.get_column("e164").to_list())

    def valid_tokens(self) -> pl.Series:
        """The distinct phone tokens of the valid numbers (registry, canaries)."""
        return valid_tokens(self._number_parts).sort()

    def write(self, out_dir: str | os.PathLike, before_commit: Callable[[], None] | None = None, *,
              html: bool | None = None, lang: str | None = None) -> dict[str, Path]:
        """The outputs (docs/ARCHITECTURE.md). ``html`` and ``lang`` (report.html, its
        language): by default the policy's ``[report]``, else on, in the locale's language."""
        from scanner.i18n import resolve_lang
        from scanner.report.write import write_outputs

        html = self.policy.report.html if html is None else html
        return write_outputs(self, Path(out_dir), before_commit, html=html,
                             lang=resolve_lang(lang, self.policy.report.lang))

    def register(self, state_dir: str | os.PathLike, name: str, *, source: str | None = None, leaked: bool = False,
                 owner: str = "received", as_version: bool = False):
        """Register this list's valid numbers (tokens) in ``state_dir``'s registry under
        ``name`` (:func:`scanner.registry.register`); returns its ``ListInfo``."""
        from scanner.registry.registration import register

        return register(self, state_dir, name=name, source=source, leaked=leaked, owner=owner, as_version=as_version)


def scan(
    source: str | os.PathLike | pl.DataFrame | pl.LazyFrame,
    policy: Policy | str | os.PathLike | None = None,
    *,
    state_dir: str | os.PathLike | None = None,
    key_file: str | os.PathLike | None = None,
    keys: KeyMaterial | None = None,
    suppress: Iterable[str | os.PathLike] = (),
    as_of: str | dt.datetime | dt.date | None = None,
    progress: Progress | None = None,
    notice: Callable[[str], None] | None = None,
    consent_ledger: str | os.PathLike | None = None,
    registry: Any = None,
    register_source: str | None = None,
    register_name: str | None = None,
    batch_rows: int = BATCH_ROWS,
    batch_bytes: int = BATCH_BYTES,
    purchased_model: str | None = None,
) -> ScanResult:
    """Scan a contact list (path, DataFrame or LazyFrame) under a policy.

    The registry of lists seen before and the canary store live in the state dir
    (``registry`` may pass an open registry instead; ``False`` skips it). Without
    ``state_dir``, the state folder is found as :func:`scanner.keys.where` finds it from the
    current folder.
    ``register_source`` names the source the list is about to be registered under;
    ``register_name`` the name (a new version of an own list is compared with its earlier
    versions as a change, not a copy: ``report.list.changes``).
    ``batch_bytes`` / ``batch_rows``: the input is read about ``batch_bytes`` at a time and
    at most ``batch_rows`` rows go through the row kernel at once (memory); results never
    depend on them. ``purchased_model``: the purchased-list model version to score with
    (default the current; ``verify`` re-scans under the one a certificate names).
    """
    return ScanResult(**run_scan(
        source, policy, state_dir=state_dir, key_file=key_file, keys=keys, suppress=suppress, as_of=as_of,
        progress=progress, notice=notice, consent_ledger=consent_ledger, registry=registry,
        register_source=register_source, register_name=register_name, batch_rows=batch_rows,
        batch_bytes=batch_bytes, purchased_model=purchased_model))
