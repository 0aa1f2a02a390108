"""Detect the text encoding of an input and transcode it to UTF-8, chunk by chunk.

Order: a byte-order mark (UTF-8, UTF-16 LE/BE), BOM-less UTF-16 recognized by its NUL
pattern, strict UTF-8, then strict GB18030 (a superset of GBK, the usual Chinese Excel
export). Nothing is written to disk. Errors name byte offsets and rows, never the bytes.

:class:`Decoder` gives the answer reading the whole input at once would give: BOMs, the
UTF-16 probe and the binary checks look at the first block (at least ``SAMPLE`` bytes or
the whole input); UTF-8 versus GB18030 is decided at the first block holding non-ASCII
bytes (ASCII reads the same in both). A UTF-8 prefix with ``_UTF8_EVIDENCE`` non-ASCII
characters is UTF-8 beyond doubt; before that, a seekable input is read ahead (without
consuming it) until it is, or until the first byte that is not UTF-8, which makes the
input GB18030. Input that cannot be read ahead (a pipe) counts as UTF-8 when the bytes
seen so far are.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator

import polars as pl

from scanner.errors import InputError

SAMPLE = 1 << 16
_UTF16_PROBE = 4096
# A UTF-8 prefix holding this many non-ASCII characters is UTF-8 beyond doubt: a GBK
# file practically never forms so many valid UTF-8 sequences in a row.
_UTF8_EVIDENCE = 8
# Control bytes (other than tab, LF, VT, FF, CR, SUB) above this share: not text.
_MAX_CONTROL_SHARE = 0.05
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26)) + b"\x7f"
_UTF16 = {"utf-16-le": codecs.utf_16_le_decode, "utf-16-be": codecs.utf_16_be_decode}
_NOT_LEAD = bytes(range(0xC0))


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


def _undecodable(offset: int, newlines: int, tried: str, path: str | None) -> InputError:
    """``newlines`` before ``offset`` give the line of that byte, as a person counts it."""
    return InputError("undecodable bytes at byte offset {offset} (not valid {encoding} text)",
                      path=path, line=newlines + 1, offset=offset, encoding=tried)


def _non_ascii_chars(valid_utf8: bytes) -> int:
    """Characters beyond ASCII in a valid UTF-8 prefix (its multi-byte lead bytes)."""
    return len(valid_utf8.translate(None, _NOT_LEAD))


def _line_cut(data: bytes) -> int:
    """Length of the prefix of ``data`` that ends at its last line end (LF, else CR)."""
    return (data.rfind(b"\n") if b"\n" in data else data.rfind(b"\r")) + 1


class Decoder:
    """Transcode an input to UTF-8: :meth:`feed` its raw bytes in order, then :meth:`finish`.

    ``first`` is the input's first block (the probes and binary checks read it; it must
    be fed too). ``look_ahead`` returns the raw bytes after those fed so far without
    consuming them, or None when the input cannot be read ahead. Each call returns UTF-8
    bytes made of whole characters, without BOM; ``encoding`` is final once a block with
    non-ASCII bytes has been fed.
    """

    def __init__(self, first: bytes, path: str | None,
                 look_ahead: Callable[[], Iterator[bytes] | None] | None = None):
        self.path = path
        self._look_ahead = look_ahead
        self._pending = b""   # raw bytes fed but not decoded yet
        self._start = 0       # input offset of the next byte to decode
        self._newlines = 0    # line feeds before it
        self._sample: list[str] | None = None  # UTF-16: the text the control check reads
        self._sampled = 0
        self._utf8_error: tuple[int, int] | None = None  # where UTF-8 failed, for GB18030 errors
        if first.startswith(codecs.BOM_UTF16_LE) and not first.startswith(codecs.BOM_UTF32_LE):
            self.encoding, self._skip = "utf-16-le", 2
        elif first.startswith(codecs.BOM_UTF16_BE):
            self.encoding, self._skip = "utf-16-be", 2
        else:
            self.encoding, self._skip = _utf16_without_bom(first) or "", 0
        if self.encoding:
            self._sample = []
            self._state = self.encoding
            return
        self._check_bytes(first)
        sample = first[:SAMPLE]
        if len(sample) - len(sample.translate(None, _CONTROL)) > _MAX_CONTROL_SHARE * len(sample):
            raise InputError("not a text file (binary content: control bytes)", path=path)
        bom = first.startswith(codecs.BOM_UTF8)
        self.encoding, self._skip = ("utf-8-sig", 3) if bom else ("utf-8", 0)
        self._state = "utf-8" if bom else "ascii"  # "ascii": nothing but ASCII so far

    def feed(self, raw: bytes) -> bytes:
        return self._decode(raw, final=False)

    def finish(self) -> bytes:
        return self._decode(b"", final=True)

    def _decode(self, raw: bytes, final: bool) -> bytes:
        if self._skip:
            raw, self._skip, self._start = raw[self._skip:], 0, self._skip
        if self._state.startswith("utf-16"):
            return self._utf16(raw, final)
        self._check_bytes(raw)
        if final:
            part, self._pending = b"".join((self._pending, raw)), b""
        else:  # whole lines only: LF and CR never occur inside a UTF-8 or GB18030 character
            cut = _line_cut(raw)
            if not cut:
                self._pending = b"".join((self._pending, raw))
                return b""
            if cut == len(raw) and not self._pending:
                part, self._pending = raw, b""
            else:
                part, self._pending = b"".join((self._pending, memoryview(raw)[:cut])), raw[cut:]
        out = self._bytes(part, final)
        self._start += len(part)
        self._newlines += part.count(b"\n")
        return out

    def _check_bytes(self, raw: bytes) -> None:
        if b"\x00" in raw:
            raise InputError("not a text file (binary content: NUL bytes)", path=self.path)

    def _bytes(self, part: bytes, final: bool) -> bytes:
        if self._state != "gb18030":
            if part.isascii():
                return part
            error = _utf8_error(part)
            if self._state == "ascii":
                self._state = self._verdict(part, error, final)
            if self._state == "utf-8":
                if error is not None:
                    raise self._error(error, part, "UTF-8")
                return part
        try:
            return part.decode("gb18030").encode("utf-8")
        except UnicodeDecodeError as exc:
            # Report where the encoding that read further failed: it is the likelier one.
            utf8_offset, utf8_newlines = self._utf8_error
            if self._start + exc.start >= utf8_offset:
                raise self._error(exc.start, part, "UTF-8 or GB18030") from None
            raise _undecodable(utf8_offset, utf8_newlines, "UTF-8 or GB18030", self.path) from None

    def _error(self, index: int, part: bytes, tried: str) -> InputError:
        return _undecodable(self._start + index, self._newlines + part.count(b"\n", 0, index),
                            tried, self.path)

    def _verdict(self, part: bytes, error: int | None, final: bool) -> str:
        """UTF-8 or GB18030, decided at the first part holding non-ASCII bytes."""
        evidence = _non_ascii_chars(part if error is None else part[:error])
        if evidence >= _UTF8_EVIDENCE:
            return "utf-8"
        if error is not None:
            return self._gb18030(self._start + error, self._newlines + part.count(b"\n", 0, error))
        if final:
            return "utf-8"
        ahead = self._look_ahead() if self._look_ahead else None
        if ahead is None:
            return "utf-8"
        offset, newlines, data = self._start + len(part), self._newlines + part.count(b"\n"), self._pending
        try:
            for last, chunk in _flagged(ahead):
                data = b"".join((data, chunk))
                try:
                    _, used = codecs.utf_8_decode(data, "strict", last)
                except UnicodeDecodeError as exc:
                    if evidence + _non_ascii_chars(data[:exc.start]) >= _UTF8_EVIDENCE:
                        return "utf-8"
                    return self._gb18030(offset + exc.start, newlines + data.count(b"\n", 0, exc.start))
                evidence += _non_ascii_chars(data[:used])
                if evidence >= _UTF8_EVIDENCE:
                    return "utf-8"
                offset, newlines, data = offset + used, newlines + data.count(b"\n", 0, used), data[used:]
            return "utf-8"
        finally:
            ahead.close()

    def _gb18030(self, utf8_offset: int, newlines: int) -> str:
        self._utf8_error = (utf8_offset, newlines)
        self.encoding = "gb18030"
        return "gb18030"

    def _utf16(self, raw: bytes, final: bool) -> bytes:
        data = b"".join((self._pending, raw)) if self._pending else raw
        try:
            text, used = _UTF16[self.encoding](data, "strict", final)
        except UnicodeDecodeError as exc:
            before = data[: exc.start - exc.start % 2].decode(self.encoding, errors="ignore")
            raise _undecodable(self._start + exc.start, self._newlines + before.count("\n"),
                               self.encoding.upper(), self.path) from None
        self._pending = data[used:]
        self._start += used
        self._newlines += text.count("\n")
        if "\x00" in text:
            raise InputError("not a text file (binary content)", path=self.path)
        if self._sample is not None:
            self._sample.append(text[: SAMPLE - self._sampled])
            self._sampled += len(self._sample[-1])
            if self._sampled >= SAMPLE or final:
                sample, self._sample = "".join(self._sample), None
                if sum(sample.count(chr(c)) for c in _CONTROL) > _MAX_CONTROL_SHARE * len(sample):
                    raise InputError("not a text file (binary content)", path=self.path)
        return text.encode("utf-8")


def _utf8_error(part: bytes) -> int | None:
    """Offset of the first byte that is not valid UTF-8, None if all are.

    Valid input (the common case) is checked by polars' SIMD validator without building a
    Python str (much cheaper on large parts); only invalid input is decoded to find the offset.
    Both follow the Unicode standard's definition of UTF-8 (no surrogates, no overlong forms).
    """
    try:
        pl.Series([part], dtype=pl.Binary).cast(pl.String)
        return None
    except pl.exceptions.PolarsError:
        pass
    try:
        part.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None  # the validators disagree: trust Python's (cannot happen for standard UTF-8)


def _flagged(chunks: Iterator[bytes]) -> Iterator[tuple[bool, bytes]]:
    for chunk in chunks:
        yield False, chunk
    yield True, b""
