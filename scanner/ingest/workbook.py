"""Bounds on an XLSX workbook, checked on the zip before the spreadsheet reader sees it.

The reader (calamine, through fastexcel) holds a sheet whole: every cell of the sheet's
bounding box, each shared string copied into every cell that points at it. A few KB of
zip can so ask for many GB: a zip bomb, a 1M-character shared string behind thousands
of cells, or two cells at opposite corners of the sheet. :func:`check_workbook` reads the
zip itself, decompressing each part in pieces (never trusting the sizes the zip states)
and refuses, with one line, a workbook whose

* parts decompress to more than :data:`MAX_UNCOMPRESSED` bytes,
* shared strings hold one longer than the cell limit (1 MiB, as for CSV fields; Excel
  itself stops at 32,767 characters),
* cells would hold more than :data:`MAX_CELL_TEXT` bytes of shared-string text (each
  ``<v>`` value that could index the shared strings counts as pointing there), or
* sheets span more than :data:`MAX_CELLS` cells (rows × columns of the bounding box).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator

from scanner.errors import InputError

MAX_UNCOMPRESSED = 1 << 30
MAX_CELL_TEXT = 512 << 20
MAX_CELLS = 25_000_000
# A workbook has tens of parts; a central directory this large is a zip of many thousands.
_MAX_DIRECTORY = 4 << 20
_PIECE = 4 << 20

_ITEM = re.compile(rb"<(?:[\w.-]+:)?si[\s>/]")
_ITEM_END = re.compile(rb"</(?:[\w.-]+:)?si\s*>")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>\s*\+?(\d{1,12})\s*<")
_CELL_REF = re.compile(rb"<(?:[\w.-]+:)?c\s[^>]*?\br\s*=\s*[\"']\$?([A-Za-z]{1,4})\$?(\d{1,9})")
_ROW_REF = re.compile(rb"<(?:[\w.-]+:)?row\s[^>]*?\br\s*=\s*[\"'](\d{1,9})")
_SHARED_TARGET = re.compile(rb"Type=\"[^\"]*/sharedStrings\"[^>]*Target=\"/?(?:xl/)?([^\"]+)\"|"
                            rb"Target=\"/?(?:xl/)?([^\"]+)\"[^>]*Type=\"[^\"]*/sharedStrings\"")


def check_workbook(data: bytes, path: str | None, cell_limit: int) -> None:
    """Raise :class:`InputError` when the XLSX in ``data`` is over a bound; a file that
    is not a readable zip is left to the spreadsheet reader to name."""
    if _directory_size(data) > _MAX_DIRECTORY:
        raise InputError("not a usable Excel workbook (its zip lists too many parts)", path=path)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [info.filename for info in archive.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return
    lengths: list[int] = []
    rows = columns = total = text = 0
    try:
        shared_names = _shared_parts(archive, names)
        for name in sorted(shared_names & set(names)):  # first: the cells are weighed by them
            part = b"".join(_pieces(archive, name, total, path))
            total += len(part)
            lengths.extend(_item_lengths(part))
            del part
        longest = max(lengths, default=0)
        if longest > cell_limit:
            raise InputError("a shared string of the workbook is longer than the cell limit ({size})", path=path,
                             size=_mib(cell_limit))
        count = len(lengths)
        for name in names:
            if name.endswith("/") or name in shared_names:
                continue
            for piece in _cut_at_tags(_pieces(archive, name, total, path)):
                total += len(piece)
                if count:
                    text += sum(lengths[i] for i in map(int, _VALUE.findall(piece)) if i < count)
                for letters, row in _CELL_REF.findall(piece):
                    columns = max(columns, _column_number(letters))
                    rows = max(rows, int(row))
                rows = max(rows, max(map(int, _ROW_REF.findall(piece)), default=0))
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError,
            ValueError):  # (a zip whose offsets point before its start raises ValueError)
        return  # (a corrupt or encrypted part: the spreadsheet reader names it)
    if text > MAX_CELL_TEXT:
        raise InputError("the workbook's cells would hold more than {size} of text "
                         "(many cells point at long shared strings)", path=path, size=_mib(MAX_CELL_TEXT))
    if rows * columns > MAX_CELLS:
        raise InputError("a sheet spans {rows:,} rows × {columns:,} columns, more than {cells:,} cells", path=path,
                         rows=rows, columns=columns, cells=MAX_CELLS)


def _mib(size: int) -> str:
    return f"{size >> 20} MiB"


def _directory_size(data: bytes) -> int:
    """The central directory size the end record states (0 when there is none)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - (1 << 16) - 22))
    if end < 0 or end + 22 > len(data):
        return 0
    entries, size = struct.unpack_from("<HI", data, end + 10)
    return size if entries != 0xFFFF and size != 0xFFFFFFFF else _MAX_DIRECTORY + 1


def _shared_parts(archive: zipfile.ZipFile, names: list[str]) -> set[str]:
    """The shared-string parts: by name, and as the workbook's relationships name them."""
    shared = {n for n in names if n.lower().endswith("sharedstrings.xml")}
    if "xl/_rels/workbook.xml.rels" in names:
        info = archive.getinfo("xl/_rels/workbook.xml.rels")
        if info.file_size <= 1 << 20:
            with archive.open(info) as handle:
                rels = handle.read(1 << 20)
            shared.update("xl/" + (a or b).decode("utf-8", "replace") for a, b in _SHARED_TARGET.findall(rels))
    return shared


def _pieces(archive: zipfile.ZipFile, name: str, before: int, path: str | None) -> Iterator[bytes]:
    """A part's bytes, decompressed a piece at a time, while the workbook stays in bounds."""
    total = before
    with archive.open(name) as handle:
        while piece := handle.read(_PIECE):
            total += len(piece)
            if total > MAX_UNCOMPRESSED:
                raise InputError("the workbook decompresses to more than {size}", size=_mib(MAX_UNCOMPRESSED),
                                 path=path)
            yield piece


def _cut_at_tags(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Pieces cut before their last ``<``, so that no tag or value spans two of them."""
    carry = b""
    for piece in pieces:
        piece = carry + piece
        cut = piece.rfind(b"<")
        if cut <= 0:
            carry = piece if len(piece) < _PIECE else b""
            continue
        carry = piece[cut:]
        yield piece[:cut]
    if carry:
        yield carry


def _item_lengths(part: bytes) -> list[int]:
    """Bytes of markup and text per shared-string item (at least its text's length)."""
    starts = [m.start() for m in _ITEM.finditer(part)]
    ends = [m.end() for m in _ITEM_END.finditer(part)]
    bounds = starts[1:] + [len(part)]
    # Each item runs from its start to its end tag, or to the next item when unclosed.
    lengths, k = [], 0
    for start, limit in zip(starts, bounds):
        while k < len(ends) and ends[k] <= start:
            k += 1
        stop = ends[k] if k < len(ends) and ends[k] <= limit else limit
        lengths.append(stop - start)
    return lengths


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number
