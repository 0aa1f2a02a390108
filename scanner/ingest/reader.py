"""``read_input``: a whole contact list in memory (the batches of :func:`open_input`, joined)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace

import polars as pl

from scanner.ingest.model import Ingested
from scanner.ingest.stream import open_input


def read_input(source: str | os.PathLike | pl.DataFrame | pl.LazyFrame, *,
               column_overrides: Mapping[str, str] | None = None,
               max_field_bytes: int = 1 << 20,
               sheet: str | None = None,
               inverted: Iterable[str] | None = None,
               date_formats: Mapping[str, str] | None = None,
               region: str | None = None,
               phone_min_valid: float = 0.8) -> Ingested:
    """Read a contact list: every column as text, every record numbered, nothing dropped.

    ``source`` is a path (``"-"`` reads standard input) or an in-memory frame.
    ``column_overrides`` maps canonical names to headers (the policy's ``[columns]``) and
    beats the synonym table. A record with broken quoting, the wrong field count or a
    field over ``max_field_bytes`` is kept as a row of nulls and listed in
    ``bad_records``. ``inverted`` lists the canonical columns read inverted (the policy's
    ``[columns] invert``); None leaves it to the headers. ``date_formats`` gives time
    columns an explicit format (``[columns] formats``); ``region`` (the campaign's) is the
    default region phone values are read in and tells day/month order when the values do
    not (:mod:`scanner.ingest.dates`); ``phone_min_valid`` is the policy's ``[columns]``
    setting (:mod:`scanner.ingest.roles`). Raises :class:`InputError` when the input cannot
    serve as a list.
    """
    stream = open_input(source, column_overrides=column_overrides,
                        max_field_bytes=max_field_bytes, sheet=sheet, inverted=inverted,
                        date_formats=date_formats, region=region, phone_min_valid=phone_min_valid)
    frames, bad = [], []
    for batch in stream:
        frames.append(batch.frame)
        bad.extend(batch.bad_records)
    frame = pl.concat(frames) if len(frames) > 1 else frames[0] if frames else stream.meta.frame
    return replace(stream.meta, frame=frame, bad_records=tuple(bad), sha256=stream.sha256)
