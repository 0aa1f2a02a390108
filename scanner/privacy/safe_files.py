"""Safe output files (docs/PRIVACY.md): atomic, mode 0600, formula-safe CSV.

Every file the tool writes goes through here (the write layer), and every failure to write
is a :class:`~scanner.errors.WriteError` naming the path and the cause, exit 2, with nothing
partial left (:mod:`scanner.io_errors`):

* :func:`atomic_write_bytes` / :func:`atomic_writer` write a temporary file in the target's
  directory (mode 0600 from creation, never wider), ``fsync`` it and ``os.replace`` it onto
  the target, so a reader sees the old file or the whole new one, never half of one, and an
  interrupted write leaves no partial output behind.
* :func:`exclusive_writer`: a new file in a private folder (the scan's spill), removed
  when its write fails; :func:`append_bytes`: a log entry appended whole or not at all;
  :func:`make_dir`: folders, removed again (:func:`remove_created`) when the write that
  needed them fails.
* :func:`atomic_write_csv` also neutralizes spreadsheet formulas: a text cell that begins
  with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'`` (OWASP "CSV injection").

  **E.164 exception.** A cell that is exactly an E.164-shaped number (``+`` followed by 1 to
  15 digits, e.g. ``+8613800138000``) is left as is. Spreadsheets read it as a number (at
  worst they drop the ``+``), it cannot call a function or reach outside the cell, and
  dialers and SMS platforms must import it unchanged. Anything else beginning with ``+``
  (``+1+cmd|' /C calc'!A0``) is neutralized. Callers can widen the exemption per column
  with ``keep_columns`` (values in those columns are written verbatim; use only for columns
  whose values the tool generated itself, never for input text).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import tempfile
from pathlib import Path
from typing import IO, Iterable, Iterator

import polars as pl

from scanner import interrupt
from scanner.errors import InputError, ScannerError
from scanner.io_errors import GuardedFile, check_fault, write_error, writing

FILE_MODE = 0o600
FORMULA_PREFIX = r"^[=+\-@\t\r]"
E164_SHAPE = r"^\+[0-9]{1,15}$"
CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def make_dir(path: str | os.PathLike) -> list[Path]:
    """Create the folder ``path`` (and its parents) unless it exists; returns the folders
    it created, outermost first (for :func:`remove_created`). An existing file there, or a
    parent that is a file, is "not a directory" (:class:`WriteError`)."""
    folder = Path(path)
    missing = []
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate):
            break
        missing.append(candidate)
    with writing(folder):
        check_fault(folder, "create")
        if any(interrupt.was_removed(candidate) for candidate in missing):
            raise FileNotFoundError(errno.ENOENT, "removed while the command stops", str(folder))
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
        folder.mkdir(parents=True, exist_ok=True)
    return missing[::-1]


def check_folder_can_be_made(path: str | os.PathLike) -> None:
    """Fail now (:class:`WriteError`) when the folder ``path`` could not be made later: a
    file in the way, a missing or read-only parent. A missing folder is made and removed
    again at once, so a long scan does not end on a mistyped ``--out``."""
    folder = Path(path)
    if folder.is_dir():
        return
    remove_created(make_dir(folder))


def remove_created(folders: list[Path]) -> None:
    """Remove the folders :func:`make_dir` created, innermost first, where still empty: a
    write that failed leaves no empty folder behind (an empty state folder would count as
    one that exists)."""
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


def private_temp_dir(prefix: str) -> Path:
    """A new folder (mode 0700) under the temporary folder ($TMPDIR)."""
    parent = tempfile.gettempdir()
    with writing(parent):
        check_fault(parent, "create")
        folder = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(folder, 0o700)
    return folder


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, *, mode: int = FILE_MODE) -> Iterator[IO[bytes]]:
    """Yield a binary file handle; on success the data replaces ``path`` atomically.

    The temporary file lives next to the target (same file system, so ``os.replace`` is
    atomic), is created with ``mode`` (0600) and is removed when the block raises. A write
    that fails (disk full, ...) raises :class:`WriteError` naming ``path``; ``path`` is
    left as it was, and so is its folder (one this call created is removed again).
    """
    target = Path(path)
    created = make_dir(target.parent)
    try:
        with writing(target):
            check_fault(target, "create")
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except BaseException:
        remove_created(created)
        raise
    tmp = Path(tmp_name)
    # a process ended on a signal leaves no partial file behind (the block's own cleanup
    # below does not run then)
    abort = interrupt.on_abort(lambda: tmp.unlink(missing_ok=True))
    raw = os.fdopen(fd, "wb")
    handle = GuardedFile(raw, target)
    try:
        with writing(target):
            os.fchmod(fd, mode)
        yield handle
        with writing(target):
            raw.flush()
            os.fsync(fd)
            raw.close()
            os.replace(tmp, target)
    except BaseException as exc:
        _abandon(handle, raw, tmp)
        remove_created(created)
        _raise_claimed(handle, exc)
    finally:
        interrupt.forget(abort)
    _fsync_dir(target.parent)


def _abandon(handle: GuardedFile, raw: IO[bytes], partial: Path) -> None:
    """After a failed block: later writes go nowhere, the file is closed and removed."""
    handle.discard()
    with contextlib.suppress(OSError):
        raw.close()
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()


def _raise_claimed(handle: GuardedFile, exc: BaseException) -> None:
    """Raise ``exc`` as this file's :class:`WriteError` when a write to this file failed (a
    writer may have re-raised it as its own type); else ``exc`` as it is (another file's
    failure, another error: a caller up the stack claims it)."""
    if handle.error is not None and isinstance(exc, Exception) and not isinstance(exc, ScannerError):
        raise write_error(handle.path, handle.error.errno or errno.EIO) from exc
    raise exc


@contextlib.contextmanager
def exclusive_writer(path: str | os.PathLike, *, mode: int = FILE_MODE) -> Iterator[IO[bytes]]:
    """Create the new file ``path`` (``O_EXCL``, ``mode``) and yield its handle; for files in
    a private folder that nobody reads before the block ends (the scan's spill). When the
    block raises, the partial file is removed (a failed write: :class:`WriteError`)."""
    target = Path(path)
    with writing(target):
        check_fault(target, "create")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    raw = os.fdopen(fd, "wb")
    handle = GuardedFile(raw, target)
    try:
        yield handle
        with writing(target):
            raw.close()
    except BaseException as exc:
        _abandon(handle, raw, target)
        _raise_claimed(handle, exc)


def open_for_append(path: str | os.PathLike) -> int:
    """Open (creating with mode 0600, its folder too) a log for appending; returns the fd."""
    target = Path(path)
    make_dir(target.parent)
    with writing(target):
        check_fault(target, "create")
        return os.open(target, os.O_RDWR | os.O_CREAT | os.O_APPEND, FILE_MODE)


def append_bytes(fd: int, data: bytes, path: str | os.PathLike) -> None:
    """Append ``data`` to the log open on ``fd`` (``O_APPEND``, held under its lock) and
    fsync it; all or nothing: a failed append is cut off again, so no torn line stays."""
    with writing(path):
        size = os.fstat(fd).st_size
        try:
            view = memoryview(data)
            _inject_append(path, fd, view)
            written = 0
            while written < len(view):
                written += os.write(fd, view[written:])
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise


def _inject_append(path: str | os.PathLike, fd: int, view: memoryview) -> None:
    """Test hook of :func:`append_bytes` (:mod:`scanner.io_errors`): half the data, then the fault."""
    try:
        check_fault(path, "write")
    except OSError:
        os.write(fd, view[: len(view) // 2])
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, mode: int = FILE_MODE) -> Path:
    """Write ``data`` to ``path`` atomically with ``mode`` (default 0600). Returns the path."""
    with atomic_writer(path, mode=mode) as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, *, encoding: str = "utf-8",
                      mode: int = FILE_MODE) -> Path:
    """Text form of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode(encoding), mode=mode)


def neutralize_formula_expr(value: pl.Expr) -> pl.Expr:
    """Prefix ``'`` to a String value that a spreadsheet would run as a formula.

    E.164-shaped values (``+8613800138000``) are left unchanged; see the module docstring.
    """
    risky = value.str.contains(FORMULA_PREFIX) & ~value.str.contains(E164_SHAPE)
    return pl.when(risky).then(pl.concat_str(pl.lit("'"), value)).otherwise(value)


def neutralize_formulas(frame: pl.DataFrame, *, keep_columns: Iterable[str] = ()) -> pl.DataFrame:
    """Apply :func:`neutralize_formula_expr` to every String column not in ``keep_columns``."""
    keep = set(keep_columns)
    exprs = [
        neutralize_formula_expr(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String and name not in keep
    ]
    return frame.with_columns(exprs) if exprs else frame


def atomic_write_csv(path: str | os.PathLike, frame: pl.DataFrame, *, encoding: str = "utf-8",
                     keep_columns: Iterable[str] = (), mode: int = FILE_MODE) -> Path:
    """Write ``frame`` as CSV: formula-neutralized, atomically, mode 0600.

    ``encoding``: ``utf-8`` (default), ``utf-8-sig`` (BOM, for Excel), ``gbk`` or ``gb18030``
    (for CN platforms that still expect them). A value that ``gbk`` cannot represent raises
    :class:`InputError` naming the column and row, never the value.
    """
    with atomic_writer(path, mode=mode) as fh:
        write_csv(fh, frame, path=path, encoding=encoding, keep_columns=keep_columns)
    return Path(path)


def write_csv(fh: IO[bytes], frame: pl.DataFrame, *, path: str | os.PathLike, encoding: str = "utf-8",
              keep_columns: Iterable[str] = ()) -> None:
    """The body of :func:`atomic_write_csv`, into an open handle (``path``: for messages)."""
    if encoding not in CSV_ENCODINGS:
        raise InputError("unsupported CSV encoding {encoding!r} (choose from {choices})", encoding=encoding,
                         choices=", ".join(CSV_ENCODINGS))
    safe = neutralize_formulas(frame, keep_columns=keep_columns)
    if encoding in ("utf-8", "utf-8-sig"):
        if encoding == "utf-8-sig":
            fh.write("\ufeff".encode("utf-8"))
        safe.write_csv(fh)
        return
    buf = io.StringIO()
    safe.write_csv(buf)
    text = buf.getvalue()
    try:
        fh.write(text.encode(encoding))
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start)  # header is line 0 -> data row = line
        column = _column_at(text, exc.start, safe.columns)
        raise InputError(
            "a value in column {column!r} cannot be written in {encoding}; use --encoding utf-8-sig",
            path=str(path), row=line, column=column, encoding=encoding,
        ) from None


#: Rows one XLSX sheet holds, its header's included.
XLSX_MAX_ROWS = 1 << 20


def text_workbook(buffer: IO[bytes], rows: int):
    """An in-memory xlsxwriter workbook that keeps every cell as written: no formula, number
    or link is ever inferred from a text. ``rows``: the data rows its sheet is to hold; more
    than a sheet holds is refused, since xlsxwriter drops the rows past it without a word."""
    import xlsxwriter

    if rows + 1 > XLSX_MAX_ROWS:
        raise InputError("{rows:,} rows do not fit in one XLSX sheet (at most {limit:,}); write .csv instead",
                         rows=rows, limit=XLSX_MAX_ROWS - 1)

    return xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})


def write_xlsx(fh: IO[bytes], frame: pl.DataFrame, *, sheet: str) -> None:
    """``frame`` as one XLSX sheet into an open handle: a bold header, integers as numbers
    and everything else as text (a number stays ``+8613800138000``, never ``8.6E+12``; no
    cell is read as a formula or a link)."""
    buffer = io.BytesIO()
    book = text_workbook(buffer, frame.height)
    page = book.add_worksheet(sheet)
    page.write_row(0, 0, frame.columns, book.add_format({"bold": True}))
    for c, column in enumerate(frame.iter_columns()):
        for r, value in enumerate(column, start=1):
            if value is None:
                continue
            if isinstance(value, int):
                page.write_number(r, c, value)
            else:
                page.write_string(r, c, str(value))
        longest = max([len(frame.columns[c]), *(len(str(v)) for v in column.head(1000).drop_nulls())])
        page.set_column(c, c, max(10, min(40, longest + 2)))  # the header or its longest early value
    page.freeze_panes(1, 0)
    book.close()
    fh.write(buffer.getvalue())


def _column_at(text: str, offset: int, columns: list[str]) -> str:
    """Best-effort column name of the character at ``offset`` (for error messages)."""
    line_start = text.rfind("\n", 0, offset) + 1
    prefix = text[line_start:offset]
    index = len(next(csv.reader([prefix + "x"]))) - 1
    return columns[index] if 0 <= index < len(columns) else "?"
