"""Phone numbers read from stdin or a small file (never from the command line).

Used by ``ledger append --phone -`` and by the canary pool / check files. Accepted text:
one value per line, or a CSV whose header names a phone column (``phone``, ``mobile``,
``number``, ``tel``, ``手机号``, ``手机``, ``电话``, ``号码``). Each value is normalized exactly as
the scan does (:func:`scanner.phone.normalize.normalize`); a value that is not a valid number
is an input error that names the line, never the value.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from scanner.errors import InputError
from scanner.phone.normalize import normalize

PHONE_HEADERS = ("phone", "mobile", "number", "tel", "telephone", "e164", "手机号", "手机", "电话", "号码",
                 "手机号码", "电话号码")


def _values(text: str) -> list[tuple[int, str]]:
    """(line number, raw value) pairs; blank lines are skipped."""
    lines = text.splitlines()
    if not lines:
        return []
    header = next(csv.reader([lines[0].lstrip("\ufeff")]))
    names = [h.strip().lower() for h in header]
    column = next((i for i, h in enumerate(names) if h in PHONE_HEADERS), None)
    if column is None:
        return [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    out = []
    for n, record in enumerate(csv.reader(io.StringIO("\n".join(lines[1:]))), start=2):
        value = record[column].strip() if column < len(record) else ""
        if value:
            out.append((n, value))
    return out


def parse_numbers(text: str, *, region: str = "CN", where: str = "input",
                  valid_only: bool = True, skip_bad: bool = False) -> list[str]:
    """E.164 numbers of ``text`` in input order (duplicates kept).

    Raises :class:`InputError` naming the first bad line (never its content), unless
    ``skip_bad``, which leaves bad values out.
    """
    values = _values(text)
    if not values:
        raise InputError("no phone number given", path=where)
    result = normalize(pl.Series("raw", [v for _, v in values], dtype=pl.String), region=region)
    e164 = result.get_column("e164").to_list()
    valid = result.get_column("valid").to_list()
    good = []
    for (line, _), number, ok in zip(values, e164, valid):
        if number is None or (valid_only and not ok):
            if skip_bad:
                continue
            raise InputError("line {at} is not a valid phone number for region {region}", path=where, at=line, region=region)
        good.append(number)
    return good


def read_numbers(source: str, stdin_text, *, region: str = "CN", valid_only: bool = True,
                 skip_bad: bool = False) -> list[str]:
    """Numbers from ``source``: ``-`` reads ``stdin_text()``, anything else must be a file.

    The error for a missing file does not repeat ``source`` (it may be a number typed by
    mistake on the command line).
    """
    if source == "-":
        return parse_numbers(stdin_text(), region=region, where="stdin", valid_only=valid_only,
                             skip_bad=skip_bad)
    path = Path(source)
    if not path.is_file():
        raise InputError(
            "the phone source must be '-' (read from stdin) or an existing file; numbers are "
            "never taken on the command line")
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("not a UTF-8 or GB18030 text file", path=str(path))
    return parse_numbers(text, region=region, where=str(path), valid_only=valid_only,
                         skip_bad=skip_bad)
