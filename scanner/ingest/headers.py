"""Header detection and mapping onto canonical columns, and the final ``Ingested`` frame.

Mapping order: column overrides from the policy, then header synonyms (the first
column naming a canonical column wins), then, if no header names the phone, the column
whose values mostly look like phone numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from scanner.errors import InputError
from scanner.ingest.model import CANONICAL, BadRecord, Table
from scanner.ingest.synonyms import canonical_for, normalize_header

SAMPLE_ROWS = 1000
PHONE_LIKE_SHARE = 0.5
MIN_PHONE_DIGITS = 5
_SEPARATORS = r"[\s\-\u2010-\u2015().+/\u00b7]"
_DATE = r"^\s*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}"
_MAX_LISTED_HEADERS = 20
_MAX_HEADER_CHARS = 40


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
    sample = frame.head(SAMPLE_ROWS)
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


def _digit_count(value: str | None) -> int:
    return sum(ch.isdigit() for ch in value) if value else 0


@dataclass(frozen=True)
class Mapped:
    frame: pl.DataFrame
    bad_records: tuple[BadRecord, ...]
    columns: dict[str, str]
    extra_columns: tuple[str, ...]
    has_header: bool
    title_rows: int = 0


def _listed(headers: list[str]) -> str:
    """Headers for an error message: long ones cut, ones that may be data masked."""
    shown = []
    for index, header in enumerate(headers[:_MAX_LISTED_HEADERS]):
        if _digit_count(header) >= MIN_PHONE_DIGITS:
            header = f"<column {index + 1}>"
        elif len(header) > _MAX_HEADER_CHARS:
            header = header[:_MAX_HEADER_CHARS] + "…"
        shown.append(header)
    more = len(headers) - _MAX_LISTED_HEADERS
    return ", ".join(shown) + (f", … ({more} more)" if more > 0 else "")


def _clean_header(value: str | None) -> str:
    return (value or "").replace("\ufeff", "").strip()


def _override_index(headers: list[str], canonical: str, header: str, path: str | None) -> int:
    if canonical not in CANONICAL:
        raise InputError(f"column override names unknown column {canonical!r} "
                         f"(known: {', '.join(CANONICAL)})", path=path)
    wanted = header.strip()
    exact = [i for i, h in enumerate(headers) if h == wanted]
    if not exact:
        exact = [i for i, h in enumerate(headers) if normalize_header(h) == normalize_header(wanted)]
    if not exact:
        raise InputError(f"column override {canonical} = {header!r}: no such column "
                         f"(headers: {_listed(headers)})", path=path)
    return exact[0]


def _map_columns(headers: list[str], data: pl.DataFrame, overrides: Mapping[str, str],
                 path: str | None) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for canonical, header in overrides.items():
        index = _override_index(headers, canonical, header, path)
        if index in mapping.values():
            other = next(c for c, i in mapping.items() if i == index)
            raise InputError(f"column overrides {other} and {canonical} both name column "
                             f"{headers[index]!r}", path=path)
        mapping[canonical] = index
    taken = set(mapping.values())
    for index, header in enumerate(headers):
        canonical = canonical_for(header) if header else None
        if canonical and canonical not in mapping and index not in taken:
            mapping[canonical] = index
            taken.add(index)
    if "phone" not in mapping:
        free = [i for i in range(len(headers)) if i not in taken]
        found = phone_column(data.select(data.columns[i] for i in free)) if free else None
        if found is not None:
            mapping["phone"] = free[found]
    return mapping


def _has_header(first: list[str], data: pl.DataFrame, overrides: Mapping[str, str]) -> bool:
    """The first record is a header unless it already looks like data: no cell names a
    known column or an overridden header, and its phone-like cell has ≥5 digits."""
    if any(canonical_for(cell) for cell in first if cell):
        return True
    wanted = {normalize_header(h) for h in overrides.values()}
    if any(normalize_header(cell) in wanted for cell in first if cell):
        return True
    first_row = pl.DataFrame([pl.Series(f"c{i}", [v or None], dtype=pl.String) for i, v in enumerate(first)])
    index = phone_column(data) if data.height else phone_column(first_row)
    return index is None or _digit_count(first[index]) < MIN_PHONE_DIGITS


def _unique_names(mapping: dict[str, int], headers: list[str]) -> list[str]:
    by_index = {i: c for c, i in mapping.items()}
    used = {"row", *mapping}
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


def map_table(table: Table, *, overrides: Mapping[str, str] | None, max_field_bytes: int,
              path: str | None) -> Mapped:
    """Decide the header, map columns, null out bad and oversized records, number rows."""
    overrides = dict(overrides or {})
    frame, bad = table.frame, dict(table.bad)
    bad.update(_oversized(frame, bad, max_field_bytes))
    titles = 0
    if table.header is not None:
        headers, has_header, confirmed = [_clean_header(h) for h in table.header], True, True
    else:
        if frame.height == 0:
            raise InputError("empty file", path=path)
        titles = _title_rows(frame, bad)
        if titles:
            frame = frame.slice(titles)
            bad = {i - titles: reason for i, reason in bad.items() if i >= titles}
        _require_readable(frame.height, bad, path)
        if 0 in bad:
            raise InputError(f"the first line cannot be read ({bad[0]})", path=path)
        first = [_clean_header(v) for v in frame.row(0)]
        has_header = _has_header(first, frame.slice(1), overrides)
        confirmed = any(canonical_for(c) for c in first if c)
        if has_header:
            headers = first
            frame = frame.slice(1)
            bad = {i - 1: reason for i, reason in bad.items()}
        else:
            headers = [f"column_{i + 1}" for i in range(frame.width)]
    if frame.height == 0:
        raise InputError("no data rows", path=path)

    mapping = _map_columns(headers, _sample(frame, bad), overrides, path)
    if "phone" not in mapping:
        if has_header and not confirmed and table.header is None:
            raise InputError(f"no phone column found (headers: {_listed(headers)}; "
                             "no header names a known column)", path=path)
        raise InputError(f"no phone column found (headers: {_listed(headers)})", path=path)

    _require_readable(frame.height, bad, path)
    names = _unique_names(mapping, headers)
    good = _good_mask(frame.height, bad)
    frame = frame.select(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("row"),
        *(pl.when(good & (pl.col(old) != "")).then(pl.col(old)).alias(new)
          for old, new in zip(frame.columns, names)),
    )
    columns = {c: headers[mapping[c]] for c in CANONICAL if c in mapping}
    mapped_indexes = set(mapping.values())
    extra = tuple(n for i, n in enumerate(names) if i not in mapped_indexes)
    records = tuple(BadRecord(i + 1, bad[i]) for i in sorted(bad))
    return Mapped(frame, records, columns, extra, has_header, titles)


MAX_TITLE_ROWS = 3


def _title_rows(frame: pl.DataFrame, bad: dict[int, str]) -> int:
    """How many title lines stand above the header (``2026年11月客户名单`` in A1).

    Title lines hold at most one non-empty cell (or could not be split into the header's
    fields) and name no known column; the line after them must name one. They are not
    data records, so they get no row number (the report counts them).
    """
    for header_at in range(1, min(MAX_TITLE_ROWS, frame.height - 1) + 1):
        candidate = [_clean_header(v) for v in frame.row(header_at)]
        if not any(canonical_for(c) for c in candidate if c):
            continue
        above = range(header_at)
        if all(_title_like(frame.row(i), i in bad) for i in above):
            return header_at
        return 0
    return 0


def _title_like(cells: tuple, unreadable: bool) -> bool:
    values = [_clean_header(v) for v in cells if v is not None and _clean_header(v)]
    if any(canonical_for(v) for v in values):
        return False
    return unreadable or len(values) <= 1


def _require_readable(height: int, bad: dict[int, str], path: str | None) -> None:
    if height and len(bad) >= height:
        first = min(bad)
        raise InputError(f"no readable records: all {height} records are bad "
                         f"(row {first + 1}: {bad[first]})", path=path)


def _sample(frame: pl.DataFrame, bad: dict[int, str]) -> pl.DataFrame:
    """Up to SAMPLE_ROWS readable records from the top of ``frame``."""
    indexes = [i for i in range(min(frame.height, SAMPLE_ROWS + len(bad))) if i not in bad]
    return frame[indexes[:SAMPLE_ROWS]] if bad else frame.head(SAMPLE_ROWS)


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
