"""The column mapping of one input: ``[columns]`` overrides, then roles from header
meaning and value profiles (:mod:`roles`), and the report's account of it.

Header text reaches the report, the terminal and messages only through
:func:`display_headers`: a header cell holding a number (five digits or more) is shown as
``column_N``, never as written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from scanner.errors import InputError
from scanner.i18n import Joined, Text
from scanner.ingest.model import CANONICAL, is_phone_column
from scanner.ingest.profiles import Profile, profile_columns
from scanner.ingest.roles import RoleMapping, assign_roles
from scanner.ingest.synonyms import normalize_header

MIN_HEADER_DIGITS = 5
_MAX_LISTED = 20
_MAX_HEADER_CHARS = 40


def digit_count(value: str | None) -> int:
    return sum(ch.isdigit() for ch in value) if value else 0


def display_headers(headers: Sequence[str]) -> list[str]:
    """Headers as they may be shown: one holding a number becomes ``column_N``."""
    return [f"column_{i + 1}" if digit_count(h) >= MIN_HEADER_DIGITS else h
            for i, h in enumerate(headers)]


def listed(headers: Sequence[str]) -> str:
    """Headers for an error message: long ones cut, ones that may be data masked."""
    shown = []
    for index, header in enumerate(headers[:_MAX_LISTED]):
        if digit_count(header) >= MIN_HEADER_DIGITS:
            header = f"<column {index + 1}>"
        elif len(header) > _MAX_HEADER_CHARS:
            header = header[:_MAX_HEADER_CHARS] + "…"
        shown.append(header)
    more = len(headers) - _MAX_LISTED
    return ", ".join(shown) + (f", … ({more} more)" if more > 0 else "")


def _override_indexes(headers: list[str], shown: list[str], canonical: str,
                      wanted: str | Sequence[str], path: str | None) -> list[int]:
    if canonical not in CANONICAL and not is_phone_column(canonical):
        raise InputError("column override names unknown column {column!r} (valid keys: {keys}; headers: {headers})",
                         path=path, column=canonical, keys=", ".join(CANONICAL), headers=listed(shown))
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    if len(names) > 1 and canonical != "phone":
        raise InputError("column override {column}: only phone may name several columns",
                         path=path, column=canonical)
    found = []
    for name in names:
        name = name.strip()
        exact = [i for i, h in enumerate(headers) if h == name or shown[i] == name]
        if not exact:
            key = normalize_header(name)
            exact = [i for i, h in enumerate(headers) if normalize_header(h) == key]
        if not exact:
            raise InputError("column override {column} = {name!r}: no such column (headers: {headers})",
                             path=path, column=canonical, name=name, headers=listed(shown))
        found.append(exact[0])
    return found


def forced_roles(headers: list[str], overrides: Mapping[str, str | Sequence[str]],
                 path: str | None) -> dict[str, list[int]]:
    """The policy's ``[columns]`` as column indexes (errors name the valid keys and the
    file's headers)."""
    shown = display_headers(headers)
    forced: dict[str, list[int]] = {}
    owner: dict[int, str] = {}
    for canonical, wanted in overrides.items():
        indexes = _override_indexes(headers, shown, canonical, wanted, path)
        # ``phone_2``, ``phone_3``… (a policy's ``phone`` list) join ``phone`` in order
        canonical = "phone" if is_phone_column(canonical) else canonical
        for index in indexes:
            if index in owner:
                raise InputError("column overrides {first} and {second} both name column {header!r}",
                                 path=path, first=owner[index], second=canonical, header=shown[index])
            owner[index] = canonical
        forced[canonical] = forced.get(canonical, []) + indexes
    return forced


def map_columns(headers: list[str], sample: pl.DataFrame, overrides: Mapping[str, str | Sequence[str]],
                *, has_header: bool, region: str, min_valid: float,
                path: str | None) -> tuple[RoleMapping, list[Profile]]:
    """Roles of ``headers`` given the sampled records (``sample``, one column per header)."""
    forced = forced_roles(headers, overrides, path)
    from scanner.ingest.header_words import meaning

    hint = {i for i, h in enumerate(headers) if has_header and meaning(h).role == "phone"}
    hint |= set(forced.get("phone", ()))
    profiles = profile_columns(sample, region, frozenset(hint))
    return assign_roles(headers, profiles, has_header=has_header, forced=forced,
                        min_valid=min_valid), profiles


def no_phone_column(headers: list[str], profiles: list[Profile], min_valid: float,
                    path: str | None) -> InputError:
    """Exit-2 error listing each column with what its values look like (never a value)."""
    shown = display_headers(headers)
    parts = []
    for index, name in enumerate(shown[:_MAX_LISTED]):
        name = name if len(name) <= _MAX_HEADER_CHARS else name[:_MAX_HEADER_CHARS] + "…"
        look = profiles[index].looks_like_text(min_valid) if index < len(profiles) else Text("empty")
        parts.append(Text("{name}: {look}", name=name, look=look))
    more = len(shown) - _MAX_LISTED
    if more > 0:
        parts.append(Text("… ({more} more)", more=more))
    return InputError("no phone column found (columns: {columns}); name one with [columns] phone = \"<header>\"",
                      path=path, columns=Joined("; ", parts))


@dataclass(frozen=True)
class ColumnReport:
    """The mapping as the report and the terminal show it (headers as displayed)."""

    columns: tuple[dict, ...]
    unused: tuple[dict, ...]

    @staticmethod
    def build(mapping: RoleMapping, headers: list[str], names: list[str]) -> "ColumnReport":
        shown = display_headers(headers)
        columns = []
        lost = {c.index: c for c in mapping.contenders}
        for index, header in enumerate(shown):
            a = mapping.assignments.get(index)
            entry: dict = {"column": header, "name": names[index], "position": index + 1,
                           "role": a.role if a else None}
            if a is not None:
                entry.update(confidence=a.confidence, basis=a.basis, evidence=a.evidence())
                if a.header_words:
                    entry["header_words"] = list(a.header_words)
                if a.share is not None:
                    entry["share"] = a.share
                    entry["share_of"] = a.share_of
                if a.inverted:
                    entry["inverted"] = True
                if a.role == "phone":
                    entry["primary"] = index == mapping.phones[0]
            elif index in lost:
                c = lost[index]
                entry["contender"] = {"role": c.role, "confidence": c.confidence, "evidence": c.evidence()}
            columns.append(entry)
        unused = []
        for u in mapping.unused:
            item = {"column": shown[u.index], "name": names[u.index], "position": u.index + 1,
                    "looks_like": str(u.looks_like), "looks_like_text": u.looks_like.to_json(),
                    "judged": u.judged}
            if u.role:
                item["role"] = u.role
                item["columns_line"] = f'[columns] {u.role} = "{shown[u.index]}"'
            unused.append(item)
        return ColumnReport(tuple(columns), tuple(unused))
