"""Stopping on a signal: no thread of a scan waits for ever on a queue once the stop event is
set; and, in real scan subprocesses signalled or killed at random moments, clean stops and
folders a reader accepts only as the old scan or the new one (evaluation/interrupts.py)."""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from scanner import interrupt
from scanner.pipeline.batches import read_ahead as _read_ahead
from scanner.concurrency import InOrderWorker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaluation import interrupts  # noqa: E402


@pytest.fixture
def stop():
    interrupt.STOP.clear()
    yield interrupt.STOP
    interrupt._reset()


def _in_thread(fn):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def test_a_put_on_a_full_queue_gives_up_on_stop(stop):
    full = queue.Queue(maxsize=1)
    full.put(1)
    thread, box = _in_thread(lambda: interrupt.put(full, 2))
    time.sleep(0.3)
    assert thread.is_alive()  # still waiting: nobody stopped it
    stop.set()
    thread.join(1)
    assert not thread.is_alive() and box["value"] is False


def test_a_get_on_an_empty_queue_gives_up_on_stop(stop):
    thread, box = _in_thread(lambda: interrupt.get(queue.Queue()))
    time.sleep(0.2)
    stop.set()
    thread.join(1)
    assert not thread.is_alive() and box["value"] is interrupt.NOTHING


def test_read_ahead_producer_never_blocks_when_the_consumer_leaves():
    """The consumer takes one item and stops: the producer, blocked on the full slot (and
    then on its end marker), must end; nothing is left running."""
    produced = []

    def items():
        for i in range(100):
            produced.append(i)
            yield i

    before = threading.active_count()
    gen = _read_ahead(items())
    assert next(gen) == 0
    started = time.monotonic()
    gen.close()
    assert time.monotonic() - started < 1.0
    assert len(produced) < 5
    assert threading.active_count() == before


def test_read_ahead_stops_on_the_stop_event(stop):
    def slow():
        yield 1
        time.sleep(60)  # never reached: the consumer is stopped first
        yield 2

    gen = _read_ahead(slow())
    assert next(gen) == 1
    stop.set()
    thread, box = _in_thread(lambda: next(gen))
    thread.join(1.0)
    assert not thread.is_alive() and isinstance(box.get("error"), interrupt.Interrupted)


def test_worker_submit_and_exit_give_up_on_stop(stop):
    gate = threading.Event()
    with pytest.raises(interrupt.Interrupted):
        with InOrderWorker("t", depth=1) as worker:
            worker.submit(lambda: gate.wait(0.3))  # busy
            worker.submit(lambda: None)  # waits in the queue
            stop.set()
            worker.submit(lambda: None)  # no room: gives up instead of waiting
    assert not worker._thread.is_alive()


def test_signal_guard_turns_signals_into_interrupted_once(stop, monkeypatch):
    """In-process: the first SIGTERM raises Interrupted (exit 143), a second one while the
    first is being handled is not raised again (the watcher ends the process then); a
    signal inside a critical section takes effect at its end."""
    monkeypatch.setattr(interrupt, "GRACE", 60.0)  # the watcher must not end the test process
    before = signal.getsignal(signal.SIGTERM)
    with interrupt.SignalGuard():
        with pytest.raises(interrupt.Interrupted) as got:
            with interrupt.critical():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)
                inside = True  # not cut short
        assert inside and got.value.exit_code == 143
        assert interrupt.STOP.is_set()
        interrupt._State.raised = True
        signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)  # a second one: no raise
    assert signal.getsignal(signal.SIGTERM) == before
    assert not interrupt.STOP.is_set()


def test_console_script_handles_a_signal_from_start_up(tmp_path):
    """The real `contact-scanner` entry point: the handlers go in before the command line's
    imports, so SIGTERM as soon as they are there gives 143 and one line."""
    script = Path(sys.executable).parent / "contact-scanner"
    env = {**os.environ, "CONTACT_SCANNER_HOME": str(tmp_path / "state"), "TMPDIR": str(tmp_path)}
    (tmp_path / "l.csv").write_text("phone\n13800138000\n")
    proc = subprocess.Popen([str(script), "scan", str(tmp_path / "l.csv"), "--out", str(tmp_path / "out"),
                             "--no-progress"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert interrupts.wait_ready(proc)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 143, stderr
    assert stderr.decode().splitlines() == ["contact-scanner: interrupted by SIGTERM"]
    assert not (tmp_path / "out").exists()


def test_signals_and_kills_at_random_moments_sampled(tmp_path):
    """A sample of the targets (the full 50 signals and 20 kills: the slow test below)."""
    seed = random.randrange(1 << 30)
    result = interrupts.run(tmp_path, signals=4, kills=2, seed=seed, rows=8_000, batch_rows=2_000,
                            batch_bytes=64 << 10, recover_every=2)
    assert result["failures"] == [], f"seed {seed}: {result}"
    assert result["clean_stops"] + result["signals"].get("finished", 0) == 4, result
    assert result["clean_stops"] >= 3 and sum(n for s, n in result["kills"].items() if s != "ended") == 2, result


@pytest.mark.slow
def test_fifty_signals_and_twenty_kills(tmp_path):
    seed = random.randrange(1 << 30)
    result = interrupts.run(tmp_path, signals=50, kills=20, seed=seed)
    assert result["failures"] == [], f"seed {seed}: {result}"
    assert result["clean_stops"] + result["signals"].get("finished", 0) == 50, result
    assert result["clean_stops"] >= 45 and sum(n for s, n in result["kills"].items() if s != "ended") == 20, result


def test_a_removed_temporary_folder_is_never_made_again_by_a_late_writer(tmp_path):
    # The watcher removes the staging folder while a writer thread may still be opening its
    # next file; a writer that made the folder again would leave it behind after the exit.
    from scanner.errors import WriteError
    from scanner.privacy.safe_files import atomic_write_bytes

    staging = tmp_path / "out" / ".contact-scanner-staging.1.abc"
    staging.mkdir(parents=True)
    interrupt.remove_folder(staging)
    assert not staging.exists()
    with pytest.raises(WriteError):
        atomic_write_bytes(staging / "rows.parquet", b"late")
    assert not staging.exists()
    assert os.listdir(tmp_path / "out") == []


def test_the_staging_folder_is_known_to_the_clean_up_before_it_exists(tmp_path, monkeypatch):
    # A signal between the folder's creation and its registration would leave it behind:
    # the clean-up run right after the mkdir (as the watcher would) must find and remove it.
    from scanner.report import folder as folder_module

    made = []
    real_mkdir = os.mkdir

    def mkdir_then_abort(path, mode=0o777):
        real_mkdir(path, mode)
        if Path(path).name.startswith(folder_module.STAGING_PREFIX):
            interrupt.run_cleanups()
            made.append(Path(path).exists())

    monkeypatch.setattr(folder_module.os, "mkdir", mkdir_then_abort)
    out = tmp_path / "out"
    with folder_module.OutputFolder(out):
        pass
    assert made == [False]


def test_a_file_written_outside_a_staging_folder_leaves_no_partial_file_on_a_signal(tmp_path):
    # (reveal's CSV, a certificate): the clean-up a signal runs removes the partial file;
    # once the file is in place, the clean-up no longer knows it
    from scanner.privacy.safe_files import atomic_writer

    from scanner.errors import WriteError

    target = tmp_path / "revealed.csv"
    with pytest.raises(WriteError):  # (the process ends on the signal before this matters)
        with atomic_writer(target) as fh:
            fh.write(b"row,phone\n")
            partial = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            assert len(partial) == 1
            interrupt.run_cleanups()
            assert not partial[0].exists()
    assert list(tmp_path.iterdir()) == []
    with atomic_writer(target) as fh:
        fh.write(b"kept\n")
    interrupt.run_cleanups()
    assert target.read_bytes() == b"kept\n"
