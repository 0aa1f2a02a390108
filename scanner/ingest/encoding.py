"""Detect the text encoding of an input and transcode it to UTF-8 in memory.

Order: a byte-order mark (UTF-8, UTF-16 LE/BE), BOM-less UTF-16 recognized by its NUL
pattern, strict UTF-8, then strict GB18030 (a superset of GBK, the usual Chinese Excel
export). Nothing is written to disk. Errors name byte offsets and rows, never the bytes.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from scanner.errors import InputError

_SAMPLE = 1 << 16
_UTF16_PROBE = 4096
# A UTF-8 prefix holding this many non-ASCII characters is UTF-8 beyond doubt: a GBK
# file practically never forms so many valid UTF-8 sequences in a row.
_UTF8_EVIDENCE = 8
# Control bytes (other than tab, LF, VT, FF, CR, SUB) above this share: not text.
_MAX_CONTROL_SHARE = 0.05
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26)) + b"\x7f"


@dataclass(frozen=True)
class Decoded:
    """``utf8`` is the input as UTF-8 bytes without BOM (the original bytes when they
    already are); ``text`` is the decoded text when decoding produced it (None when the
    input was plain ASCII and nobody needed the str yet)."""

    encoding: str
    utf8: bytes
    text: str | None

    def get_text(self) -> str:
        return self.text if self.text is not None else self.utf8.decode("utf-8")


def _utf16_without_bom(data: bytes) -> str | None:
    probe = data[: _UTF16_PROBE - _UTF16_PROBE % 2]
    pairs = len(probe) // 2
    if pairs < 2:
        return None
    even_nuls = probe[0::2].count(0)
    odd_nuls = probe[1::2].count(0)
    if odd_nuls >= 0.2 * pairs and even_nuls <= 0.01 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.2 * pairs and odd_nuls <= 0.01 * pairs:
        return "utf-16-be"
    return None


def _row_of(data: bytes, offset: int, encoding: str) -> int | None:
    """Newlines before ``offset``: the data row of that byte when line 1 is a header."""
    if encoding.startswith("utf-16"):
        lines = data[: offset - offset % 2].decode(encoding, errors="ignore").count("\n")
    else:
        lines = data.count(b"\n", 0, offset)
    return lines or None


def _undecodable(data: bytes, offset: int, encoding: str, tried: str, path: str | None) -> InputError:
    row = _row_of(data, offset, encoding)
    where = "" if row is not None else " in the first line"
    return InputError(f"undecodable bytes at byte offset {offset}{where} (not valid {tried} text)",
                      path=path, row=row)


def _check_text_bytes(data: bytes, path: str | None) -> None:
    if b"\x00" in data:
        raise InputError("not a text file (binary content: NUL bytes)", path=path)
    sample = data[:_SAMPLE]
    control = len(sample) - len(sample.translate(None, _CONTROL))
    if control > _MAX_CONTROL_SHARE * len(sample):
        raise InputError("not a text file (binary content: control bytes)", path=path)


def _decode_utf16(data: bytes, encoding: str, skip: int, path: str | None) -> Decoded:
    try:
        text = data[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        raise _undecodable(data, skip + exc.start, encoding, encoding.upper(), path) from None
    sample = text[:_SAMPLE]
    control = sum(sample.count(chr(c)) for c in _CONTROL)
    if "\x00" in text or control > _MAX_CONTROL_SHARE * len(sample):
        raise InputError("not a text file (binary content)", path=path)
    return Decoded(encoding, text.encode("utf-8"), text)


def decode(data: bytes, path: str | None) -> Decoded:
    """Detect the encoding of ``data`` and return it as UTF-8 (raises InputError)."""
    if data.startswith(codecs.BOM_UTF16_LE) and not data.startswith(codecs.BOM_UTF32_LE):
        return _decode_utf16(data, "utf-16-le", 2, path)
    if data.startswith(codecs.BOM_UTF16_BE):
        return _decode_utf16(data, "utf-16-be", 2, path)
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _decode_utf16(data, utf16, 0, path)
    _check_text_bytes(data, path)
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    if body.isascii():
        return Decoded("utf-8-sig" if bom else "utf-8", body, None)
    try:
        body.decode("utf-8")  # validation only: the str is 1-4x the file in memory; readers
        return Decoded("utf-8-sig" if bom else "utf-8", body, None)  # that need it decode again
    except UnicodeDecodeError as exc:
        utf8_error = exc.start + (3 if bom else 0)
        utf8_evidence = bom or _non_ascii_chars(body[: exc.start]) >= _UTF8_EVIDENCE
    if utf8_evidence:
        raise _undecodable(data, utf8_error, "utf-8", "UTF-8", path)
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        # Report where the encoding that read further failed: it is the likelier one.
        if exc.start >= utf8_error:
            raise _undecodable(data, exc.start, "gb18030", "UTF-8 or GB18030", path) from None
        raise _undecodable(data, utf8_error, "utf-8", "UTF-8 or GB18030", path) from None
    return Decoded("gb18030", text.encode("utf-8"), text)


_NOT_LEAD = bytes(range(0xC0))


def _non_ascii_chars(valid_utf8: bytes) -> int:
    """Characters beyond ASCII in a valid UTF-8 prefix (its multi-byte lead bytes)."""
    return len(valid_utf8.translate(None, _NOT_LEAD))
