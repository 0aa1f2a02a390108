"""Title rows, the header line and the layout of an input's rows.

The column roles themselves come from :mod:`scanner.ingest.column_map` (policy overrides,
then header meaning and value profiles together). The first line is data, not a header,
when one of its cells is a valid phone number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
import dataclasses
from dataclasses import dataclass

import polars as pl

from scanner.errors import InputError
from scanner.i18n import Text
from scanner.ingest.model import CANONICAL, BadRecord, Table, phone_column_name
from scanner.ingest.column_map import (
    MIN_HEADER_DIGITS as MIN_PHONE_DIGITS, ColumnReport, digit_count, display_headers, map_columns,
    no_phone_column,
)
from scanner.ingest.header_words import meaning
from scanner.ingest.profiles import HEAD_ROWS, PHONEISH, profile_columns, sample_indexes
from scanner.ingest.synonyms import normalize_header

# Records the layout is decided on (after title rows and the header): the profiled sample
# is drawn from them (scanner.ingest.profiles).
SAMPLE_ROWS = 10_000
PHONE_LIKE_SHARE = 0.5
_SEPARATORS = r"[\s\-\u2010-\u2015().+/\u00b7]"
_DATE = r"^\s*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}"


def _digits_only() -> pl.Expr:
    return pl.all().str.replace_all(_SEPARATORS, "")


def phone_column(frame: pl.DataFrame) -> int | None:
    """Index of the column whose values mostly look like phone numbers, or None.

    A value looks like a phone number when, without separators, it is 5–20 digits (and
    is not a date). A column qualifies when at least half its non-empty sampled values
    do; among those, most values of 7–15 digits wins, then most phone-like, then the
    leftmost.
    """
    if frame.width == 0 or frame.height == 0:
        return None
    sample = frame.head(HEAD_ROWS)
    digits = sample.select(_digits_only())
    not_date = sample.select(~pl.all().str.contains(_DATE).fill_null(False))
    like = digits.select(pl.all().str.contains(rf"^\d{{{MIN_PHONE_DIGITS},20}}$").fill_null(False))
    typical = digits.select(pl.all().str.contains(r"^\d{7,15}$").fill_null(False))
    counts = sample.select(pl.all().is_not_null().sum()).row(0)
    likes = _and_sum(like, not_date)
    typicals = _and_sum(typical, not_date)
    best, best_key = None, None
    for index, (n, k, t) in enumerate(zip(counts, likes, typicals)):
        if k == 0 or k < PHONE_LIKE_SHARE * n:
            continue
        key = (t, k, -index)
        if best_key is None or key > best_key:
            best, best_key = index, key
    return best


def _and_sum(a: pl.DataFrame, b: pl.DataFrame) -> tuple[int, ...]:
    return tuple((x & y).sum() for x, y in zip(a.get_columns(), b.get_columns()))


@dataclass(frozen=True)
class Layout:
    """How the records of an input become rows, decided once on its first records.

    ``names`` is the output name of each positional column (canonical names for mapped
    columns); ``title_rows`` and the header line are not data records.
    """

    names: tuple[str, ...]
    columns: dict[str, str]
    extra_columns: tuple[str, ...]
    has_header: bool
    title_rows: int = 0
    phone_columns: tuple[str, ...] = ("phone",)
    inverted: frozenset[str] = frozenset()   # see ``Ingested.inverted``
    report: ColumnReport | None = None


class FirstRecordsBad(Exception):
    """Every one of the first records is bad, the header line among them: only the rest
    of the input tells "no readable records" from "the first line cannot be read"."""

    def __init__(self, records: int, reason: str):
        super().__init__(reason)
        self.records = records
        self.reason = reason


def no_readable_records(records: int, row: int, reason: str, path: str | None,
                        line: int | None = None) -> InputError:
    where = (Text("row {row}", row=row) if line is None or line == row
             else Text("row {row}, line {at}", row=row, at=line))
    return InputError("no readable records: all {records} records are bad ({where}: {reason})",
                      path=path, records=records, where=where, reason=reason_text(reason))


def first_line_unreadable(reason: str, path: str | None) -> InputError:
    return InputError("the first line cannot be read ({reason})", path=path, reason=reason_text(reason))


#: A bad record's reason (report.json keeps it in English) as a message to translate.
_REASONS = ((re.compile(r"quoted field over the (\d+)-byte limit"), "quoted field over the {limit}-byte limit",
             ("limit",)),
            (re.compile(r"(\d+) fields, expected (\d+)"), "{found} fields, expected {width}", ("found", "width")))
N_REASONS = (Text("broken quoting"), Text("broken quoting (unterminated quote)"),
             Text("quoted field over the {limit}-byte limit"), Text("{found} fields, expected {width}"))


def reason_text(reason: str) -> Text:
    for pattern, template, names in _REASONS:
        found = pattern.fullmatch(reason)
        if found:
            return Text(template, **dict(zip(names, map(int, found.groups()))))
    return Text(reason)


def _clean_header(value: str | None) -> str:
    return (value or "").replace("\ufeff", "").strip()


def _names_role(cell: str | None) -> bool:
    """Whether a cell reads as a header naming a role (strong evidence only)."""
    return bool(cell) and meaning(cell).role is not None and meaning(cell).strength >= 0.8


def _has_header(first: list[str], data: pl.DataFrame, overrides: Mapping[str, str | Sequence[str]],
                region: str) -> bool:
    """The first record is a header unless it looks like data: a cell holding a valid
    phone number makes it data; otherwise a cell naming a role or an overridden header
    makes it a header; otherwise it is data when its cell in the column of phone-like
    values has ≥5 digits."""
    wanted = {normalize_header(h) for v in overrides.values() for h in ([v] if isinstance(v, str) else v)}
    if any(normalize_header(cell) in wanted for cell in first if cell):
        return True
    if _holds_phone_number(first, region):
        return False
    if any(_names_role(cell) for cell in first if cell):
        return True
    first_row = pl.DataFrame([pl.Series(f"c{i}", [v or None], dtype=pl.String) for i, v in enumerate(first)])
    index = phone_column(data) if data.height else phone_column(first_row)
    return index is None or digit_count(first[index]) < MIN_PHONE_DIGITS


def _holds_phone_number(cells: list[str], region: str) -> bool:
    """Whether a cell is a phone number and nothing else (digits and separators only),
    valid and of a person's type by the exact normalizer. (``客户13800138000`` is a header
    holding a number, shown as ``column_N``.)"""
    candidates = [c for c in cells if c and digit_count(c) >= MIN_PHONE_DIGITS and re.fullmatch(PHONEISH, c)]
    if not candidates:
        return False
    frame = pl.DataFrame({"c": candidates}, schema={"c": pl.String}).transpose()
    profiles = profile_columns(frame, region, frozenset(range(frame.width)))
    return any(p.phone_plausible == 1.0 for p in profiles)


def _unique_names(mapping: dict[str, int], headers: list[str]) -> list[str]:
    by_index = {i: c for c, i in mapping.items()}
    used = {"row", "line", *mapping}
    names = []
    for index, header in enumerate(headers):
        if index in by_index:
            names.append(by_index[index])
            continue
        base = header or f"column_{index + 1}"
        name, suffix = base, 2
        while name in used:
            name, suffix = f"{base}_{suffix}", suffix + 1
        used.add(name)
        names.append(name)
    return names


def decide_layout(table: Table, *, overrides: Mapping[str, str | Sequence[str]] | None,
                  path: str | None, complete: bool = True, region: str = "CN",
                  phone_min_valid: float = 0.8) -> tuple[Layout, Table]:
    """Decide title rows, the header and the column mapping from an input's first records.

    ``table.bad`` must already list oversized records (:func:`mark_oversized`).
    ``complete`` says ``table`` holds every record of the input; otherwise it must hold
    enough of them to decide (:func:`records_to_decide`), and the checks that need the whole
    input are left to the caller. Returns the layout and the data records of ``table``
    (title rows and header line removed).
    """
    overrides = dict(overrides or {})
    frame, bad, lines = table.frame, dict(table.bad), table.lines
    titles = 0
    if table.header is not None:
        headers, has_header = [_clean_header(h) for h in table.header], True
    else:
        if frame.height == 0:
            raise InputError("empty file", path=path)
        titles = _title_rows(frame, bad)
        lines = _drop_lines(lines, titles, frame.height)
        frame, bad = _drop(frame, bad, titles)
        if complete:
            _require_readable(frame.height, bad, path, lines)
        if 0 in bad:
            if not complete and len(bad) >= frame.height:
                raise FirstRecordsBad(frame.height, bad[0])
            raise first_line_unreadable(bad[0], path)
        first = [_clean_header(v) for v in frame.row(0)]
        has_header = _has_header(first, frame.slice(1), overrides, region)
        if has_header:
            headers = first
            lines = _drop_lines(lines, 1, frame.height)
            frame, bad = _drop(frame, bad, 1)
        else:
            headers = [f"column_{i + 1}" for i in range(frame.width)]
    if frame.height == 0:
        raise InputError("no data rows", path=path)

    window = frame.head(SAMPLE_ROWS + len(bad))  # (a gather from the whole frame may copy it)
    sample = window[sample_indexes(window, bad, SAMPLE_ROWS)]
    roles, profiles = map_columns(headers, sample, overrides, has_header=has_header, region=region,
                                  min_valid=phone_min_valid, path=path)
    if "phone" not in roles.roles:
        raise no_phone_column(headers, profiles, phone_min_valid, path)

    if complete:
        _require_readable(frame.height, bad, path, lines)
    shown = display_headers(headers)
    mapping = {c: i for c, i in roles.roles.items() if c != "phone"}
    phones = tuple(phone_column_name(k) for k in range(len(roles.phones)))
    mapping.update(zip(phones, roles.phones))
    names = _unique_names(mapping, shown)
    columns = {c: shown[mapping[c]] for c in (*CANONICAL, *phones[1:]) if c in mapping}
    mapped_indexes = set(mapping.values())
    extra = tuple(n for i, n in enumerate(names) if i not in mapped_indexes)
    report = ColumnReport.build(roles, headers, names)
    return Layout(tuple(names), columns, extra, has_header, titles, phones, roles.inverted,
                  report), Table(frame, bad=bad, lines=lines)


def records_to_decide() -> int:
    """Readable first records that decide a layout as all records would: title rows,
    the header line and a full sample."""
    return MAX_TITLE_ROWS + 1 + SAMPLE_ROWS


def apply_layout(layout: Layout, table: Table, first_row: int) -> tuple[pl.DataFrame, tuple[BadRecord, ...]]:
    """Data records as rows numbered from ``first_row``, with the ``line`` a person finds
    them on (``table.lines`` + 1; without it, the record number): bad records null,
    columns named."""
    frame, bad = table.frame, table.bad
    keep = pl.all() != ""
    if bad:
        keep = _good_mask(frame.height, bad) & keep
    # one expression over all columns: a wide file pays for one plan, not one per column
    rename = dict(zip(frame.columns, layout.names))
    rows = pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64)
    frame = frame.select(
        rows.alias("row"),
        (rows if table.lines is None else pl.lit(table.lines).cast(pl.Int64) + 1).alias("line"),
        pl.when(keep).then(pl.all()).name.map(rename.__getitem__),
    )
    line = frame.get_column("line")
    return frame, tuple(BadRecord(first_row + i, bad[i], line[i]) for i in sorted(bad))


def mark_oversized(table: Table, limit: int) -> Table:
    """``table`` with records holding a field over ``limit`` bytes listed as bad."""
    found = _oversized(table.frame, table.bad, limit)
    if not found:
        return table
    return dataclasses.replace(table, bad={**table.bad, **found})


def _drop_lines(lines: pl.Series | None, n: int, height: int) -> pl.Series | None:
    """``lines`` of ``height`` records without the first ``n`` (None: record k at k)."""
    if not n:
        return lines
    if lines is None:
        return pl.int_range(n, height, dtype=pl.UInt32, eager=True)
    return lines.slice(n)


def _drop(frame: pl.DataFrame, bad: dict[int, str], n: int) -> tuple[pl.DataFrame, dict[int, str]]:
    """Without its first ``n`` records."""
    if not n:
        return frame, bad
    return frame.slice(n), {i - n: reason for i, reason in bad.items() if i >= n}


MAX_TITLE_ROWS = 3


def _title_rows(frame: pl.DataFrame, bad: dict[int, str]) -> int:
    """How many title lines stand above the header (``2026年11月客户名单`` in A1).

    Title lines hold at most one non-empty cell (or could not be split into the header's
    fields) and name no known column; the line after them must name one. They are not
    data records, so they get no row number (the report counts them).
    """
    for header_at in range(1, min(MAX_TITLE_ROWS, frame.height - 1) + 1):
        candidate = [_clean_header(v) for v in frame.row(header_at)]
        if not any(_names_role(c) for c in candidate if c):
            continue
        above = range(header_at)
        if all(_title_like(frame.row(i), i in bad) for i in above):
            return header_at
        return 0
    return 0


def _title_like(cells: tuple, unreadable: bool) -> bool:
    values = [_clean_header(v) for v in cells if v is not None and _clean_header(v)]
    if any(_names_role(v) for v in values):
        return False
    return unreadable or len(values) <= 1


def _require_readable(height: int, bad: dict[int, str], path: str | None, lines: pl.Series | None = None) -> None:
    if height and len(bad) >= height:
        first = min(bad)
        raise no_readable_records(height, first + 1, bad[first], path,
                                  line=None if lines is None else int(lines[first]) + 1)


def _good_mask(height: int, bad: dict[int, str]) -> pl.Series:
    mask = pl.repeat(True, height, dtype=pl.Boolean, eager=True).alias("good")
    if bad:
        mask = mask.scatter(sorted(bad), False)
    return mask


def _oversized(frame: pl.DataFrame, bad: dict[int, str], limit: int) -> dict[int, str]:
    """Records holding a field of more than ``limit`` bytes (checked only when possible)."""
    if frame.estimated_size() <= limit or frame.width == 0:
        return {}
    sizes = frame.select(pl.max_horizontal(pl.all().str.len_bytes()).alias("size"))
    found = sizes.with_row_index("i").filter(pl.col("size") > limit)
    return {i: f"field of {size} bytes exceeds the {limit}-byte limit"
            for i, size in found.iter_rows() if i not in bad}
