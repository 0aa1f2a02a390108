"""The write layer: real I/O errors from polars, pyarrow and DuckDB mapped to one line naming
the path; partial files removed; one real disk limit (RLIMIT_FSIZE) in a subprocess."""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from evaluation.write_sites import LIST_CSV, snapshot
from scanner.cli import main
from scanner.errors import WriteError
from scanner.io_errors import GuardedFile, errno_of, inject_fault, writing
from scanner.registry import open_registry
from scanner.privacy.safe_files import (
    append_bytes, atomic_writer, exclusive_writer, make_dir, open_for_append,
)

ROOT = Path(__file__).resolve().parents[2]
FRAME = pl.DataFrame({"row": range(50_000), "token": [f"{i:032x}" for i in range(50_000)]})
needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")


def _raised(fn) -> BaseException:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001
        return exc
    raise AssertionError("no error raised")


@needs_dev_full
@pytest.mark.parametrize("writer", ["polars parquet", "polars csv", "pyarrow parquet"])
def test_library_errors_on_a_full_device_carry_their_errno(writer):
    """/dev/full: every write fails with ENOSPC, as a full disk does; polars reports it as
    its own ComputeError with the errno only in the text."""
    def write():
        with open("/dev/full", "wb") as fh:
            if writer == "polars parquet":
                FRAME.write_parquet(fh)
            elif writer == "polars csv":
                FRAME.write_csv(fh)
            else:
                table = FRAME.to_arrow()
                with pq.ParquetWriter(fh, table.schema) as w:
                    w.write_table(table)
    exc = _raised(write)
    assert errno_of(exc) == errno.ENOSPC
    with pytest.raises(WriteError, match=r"^out\.bin: no space left on device$"):
        with writing("out.bin"):
            raise exc


def test_text_is_read_only_from_library_and_os_errors():
    assert errno_of(ValueError("No space left on device")) is None
    duck = type("IOException", (Exception,), {"__module__": "_duckdb"})
    assert errno_of(duck('Could not write file "x": File too large')) == errno.EFBIG
    assert errno_of(duck("Conflicting lock is held")) is None


@needs_dev_full
def test_a_guarded_handle_records_a_native_writers_failure():
    with open("/dev/full", "wb", buffering=0) as raw:
        handle = GuardedFile(raw, "scan-out/rows.parquet")
        exc = _raised(lambda: FRAME.write_parquet(handle))
    assert type(exc).__module__.startswith("polars")  # the OSError became text
    assert handle.error is not None and handle.error.errno == errno.ENOSPC


def test_failing_file_among_several_is_the_one_named(tmp_path):
    (tmp_path / "a.parquet").write_bytes(b"old a")
    with inject_fault(str(tmp_path / "a.parquet"), errno.ENOSPC):
        with pytest.raises(WriteError) as caught:
            with atomic_writer(tmp_path / "a.parquet") as a, atomic_writer(tmp_path / "b.csv") as b:
                b.write(b"header\n")
                FRAME.write_parquet(a)
    assert caught.value.one_line() == f"{tmp_path / 'a.parquet'}: no space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet"]
    assert (tmp_path / "a.parquet").read_bytes() == b"old a"


def test_pyarrow_writer_finalized_after_a_failure_writes_nowhere(tmp_path, capfd):
    table = FRAME.to_arrow()
    with pytest.raises(WriteError):
        with atomic_writer(tmp_path / "rows.parquet") as fh:
            writer = pq.ParquetWriter(fh, table.schema)
            with inject_fault(str(tmp_path / "rows.parquet"), errno.ENOSPC):
                writer.write_table(table)
    del writer  # its __del__ closes it: the footer goes to a discarded handle
    assert "Exception ignored" not in capfd.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_failed_append_is_cut_off_again(tmp_path):
    log = tmp_path / "audit.log"
    log.write_bytes(b'{"entry": 1}\n')
    fd = open_for_append(log)
    try:
        with inject_fault(str(log), errno.ENOSPC), pytest.raises(WriteError, match="no space left"):
            append_bytes(fd, b'{"entry": 2, "long": "' + b"x" * 1000 + b'"}\n', log)
        append_bytes(fd, b'{"entry": 3}\n', log)
    finally:
        os.close(fd)
    assert log.read_bytes() == b'{"entry": 1}\n{"entry": 3}\n'


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG, errno.EACCES, errno.EROFS])
def test_a_failed_write_leaves_no_file_and_no_folder_it_made(tmp_path, code):
    target = tmp_path / "signing" / "deeper" / "signing-key.pem"
    with inject_fault(str(target), code), pytest.raises(WriteError, match=os.strerror(code).lower()):
        with atomic_writer(target) as fh:
            fh.write(b"-----BEGIN PRIVATE KEY-----\n" * 100)
    assert list(tmp_path.iterdir()) == []


def test_exclusive_writer_removes_its_partial_file(tmp_path):
    part = tmp_path / "part-000001.parquet"
    with inject_fault(str(part), errno.EFBIG), pytest.raises(WriteError, match="file too large"):
        with exclusive_writer(part) as fh:
            FRAME.write_parquet(fh)
    assert list(tmp_path.iterdir()) == []


def test_make_dir_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "file.csv").write_text("x")
    for target in (tmp_path / "file.csv", tmp_path / "file.csv" / "x"):
        with pytest.raises(WriteError) as caught:
            make_dir(target)
        assert caught.value.one_line() == f"{target}: not a directory"


@pytest.mark.parametrize(("option", "value", "cause"), [
    ("--out", "/proc/nope", "no such file or directory"),
    ("--out", "{tmp}/file.csv/x", "not a directory"),
    ("--state-dir", "/proc/nope", "no such file or directory"),
])
def test_unusable_output_and_state_paths(tmp_path, option, value, cause):
    source = tmp_path / "list.csv"
    source.write_text(LIST_CSV, encoding="utf-8")
    (tmp_path / "file.csv").write_text("not a folder\n")
    value = value.format(tmp=tmp_path)
    args = ["scan", str(source), "--as-of", "2026-11-23", "--no-progress", option, value]
    if option != "--out":
        args += ["--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith(f"contact-scanner: error: {value}: ") and cause in lines[-1].lower()
    assert [line for line in lines if "error" in line] == [lines[-1]] and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "state-home").exists()  # refused before the scan: no new key either


def _limited(limit: int):
    def setup():  # in the child: writes past ``limit`` bytes fail with EFBIG, not SIGXFSZ
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return setup


def _cli(args, env, limit=None):
    return subprocess.run([sys.executable, "-m", "scanner", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, preexec_fn=_limited(limit) if limit else None)


def test_a_real_file_size_limit_in_a_subprocess_scan(tmp_path):
    """RLIMIT_FSIZE: a write that takes a file past the limit fails with EFBIG in whichever
    writer makes it (polars, pyarrow, our own), as on a full disk."""
    rows = "".join(f"1{3 + i % 7}{i:09d},客户{i},官网注册,是,短信,营销,2026-01-05\n" for i in range(5_000))
    source = tmp_path / "list.csv"
    source.write_text(LIST_CSV + rows, encoding="utf-8")
    work = tmp_path / "work"
    (work / "tmp").mkdir(parents=True)
    env = {**os.environ, "TMPDIR": str(work / "tmp"), "CONTACT_SCANNER_HOME": str(work / "state")}
    args = ["scan", str(source), "--out", str(work / "out"), "--as-of", "2026-11-23", "--no-progress",
            "--fail-on", "never"]
    first = _cli(args, env)
    assert first.returncode == 0, first.stderr
    before = snapshot(work)
    limited = _cli(args, env, limit=60_000)
    assert limited.returncode == 2, limited.stderr
    lines = limited.stderr.strip().splitlines()
    errors = [line for line in lines if "error" in line]
    assert errors == [lines[-1]] and "Traceback" not in limited.stderr, lines
    assert lines[-1].startswith(f"contact-scanner: error: {work}") and lines[-1].endswith(": file too large")
    assert snapshot(work) == before  # old outputs kept, no temporary file, spill removed


def test_a_real_file_size_limit_in_duckdb(tmp_path):
    """DuckDB reports the failed commit as its own exception with the cause in the text; the
    registry stays as it was (random tokens: sequential ones compress to nothing)."""
    code = ("import secrets\n"
            "import polars as pl\n"
            "from scanner.registry import open_registry\n"
            "from scanner.errors import WriteError\n"
            f"reg = open_registry({str(tmp_path)!r})\n"
            "tokens = pl.Series([secrets.token_hex(16) for _ in range(100_000)])\n"
            "try:\n"
            "    reg.add('big', tokens)\n"
            "except WriteError as exc:\n"
            "    print(exc.one_line())\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, preexec_fn=_limited(400_000))
    assert done.stdout.strip() == f"{tmp_path / 'registry.duckdb'}: file too large", done.stderr
    assert open_registry(tmp_path).list() == []


def test_a_state_folder_the_scan_never_writes_is_not_probed(tmp_path, monkeypatch):
    """With the key in $CONTACT_SCANNER_KEY and no --register, nothing goes to the state
    folder: an unusable one (a read-only home in a container) does not stop the scan."""
    monkeypatch.setenv("CONTACT_SCANNER_KEY", "ab" * 32)
    source = tmp_path / "list.csv"
    source.write_text(LIST_CSV, encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", str(source), "--out", str(tmp_path / "out"), "--as-of",
                                       "2026-11-23", "--no-progress", "--state-dir", "/proc/nope"])
    assert result.exit_code in (0, 1), result.output
    assert (tmp_path / "out" / "manifest.json").is_file()
