"""SIGINT and SIGTERM: a command stops within 2 s, says so in one line and exits 130 / 143,
leaving its output folder as it was (or, past the commit, the new complete scan) and no spill.

The command line installs :class:`SignalGuard` before anything else. On the first signal:

* :data:`STOP` is set at once, by the handler or by a watcher thread woken through the
  signal wakeup fd (the main thread may be inside a long polars call, where Python runs no
  handler); every wait in the scan's worker threads has a timeout and gives up when it is
  set (:func:`put`, :func:`get`), so no thread blocks on a queue nobody serves any more;
* the main thread raises :class:`Interrupted` (a ``BaseException``, like
  ``KeyboardInterrupt``, so no ``except Exception`` swallows it) at its next safe point
  (:func:`raise_if_stopped`: a queue wait, a batch, a stage) and unwinds: staging and spill
  folders are removed on the way, and the command line prints one line and ends the
  process. The handler itself raises nothing: an exception at an arbitrary bytecode can
  land inside an import (a native module aborts the process then) or a clean-up;
* if the main thread has not ended the process :data:`GRACE` seconds later, or on a
  second signal, the watcher runs the registered clean-ups (:func:`on_abort`) and ends it.

A commit into the output folder (a few renames) is a :func:`critical` section: the signal is
acted on when it ends, so the folder is never left between the old scan and the new one by
a signal (a ``SIGKILL`` there leaves no manifest, which readers refuse).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import select
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn

#: Set on the first SIGINT/SIGTERM; every worker thread's wait checks it.
STOP = threading.Event()
#: Seconds the main thread has to unwind after a signal before the watcher ends the process.
GRACE = 0.8
#: How often a waiting thread looks at :data:`STOP`.
POLL = 0.1
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """Raised in the main thread on the first SIGINT or SIGTERM."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def one_line(self) -> str:
        from scanner.i18n import _

        return "contact-scanner: " + _("interrupted by {signal}").format(signal=signal.Signals(self.signum).name)


class _State:
    signum: int | None = None
    raised = False          # Interrupted was raised in the main thread (only once)
    in_critical = 0         # depth of critical() in the main thread
    cleanups: dict[int, Callable[[], Any]] = {}
    next_handle = 0


# re-entrant: a finalizer that garbage collection runs while one is held takes them again
_lock = threading.RLock()
_critical_lock = threading.RLock()
_exit_claim = threading.Lock()


def on_abort(cleanup: Callable[[], Any]) -> int:
    """Register ``cleanup`` (idempotent, quick: removing a temporary folder) to run if the
    process is ended on a signal before :func:`forget` is called with the returned handle."""
    with _lock:
        _State.next_handle += 1
        _State.cleanups[_State.next_handle] = cleanup
        return _State.next_handle


def forget(handle: int) -> None:
    with _lock:
        _State.cleanups.pop(handle, None)


def run_cleanups() -> None:
    with _lock:
        cleanups = list(_State.cleanups.values())
    for cleanup in cleanups:
        with contextlib.suppress(BaseException):
            cleanup()


_removing = threading.RLock()
_removed: set[str] = set()


def remove_folder(path: str | os.PathLike) -> None:
    """Remove a temporary folder even while a thread may still be writing into it: renamed
    first (a file opened by its old path afterwards fails), then removed. One removal at a
    time, so the watcher ending the process waits for one the main thread has begun. The
    folder is never made again in this process (:func:`was_removed`): a writer still running
    would otherwise recreate it as it opens its next file, and outlive the removal."""
    path = Path(path)
    gone = path.with_name(path.name + ".removing")
    with _removing:
        _removed.add(os.path.abspath(path))
        try:
            os.rename(path, gone)
        except FileNotFoundError:
            if not os.path.lexists(gone):
                return
        except OSError:
            gone = path
        for _ in range(3):
            shutil.rmtree(gone, ignore_errors=True)
            if not os.path.lexists(gone):
                return


def was_removed(path: str | os.PathLike) -> bool:
    """Whether :func:`remove_folder` removed the folder ``path`` in this process."""
    return os.path.abspath(path) in _removed


def stopping() -> bool:
    return STOP.is_set()


def raise_if_stopped() -> None:
    """In the main thread: raise :class:`Interrupted` once a signal has come (only once, so
    that clean-up code running after it is not interrupted again)."""
    if STOP.is_set() and threading.current_thread() is threading.main_thread() and not _State.raised \
            and not _State.in_critical:
        _State.raised = True
        raise Interrupted(_State.signum or signal.SIGINT)


def stopped_error() -> Interrupted:
    """The exception for code that cannot go on because the process is stopping."""
    if threading.current_thread() is threading.main_thread():
        _State.raised = True
    return Interrupted(_State.signum or signal.SIGINT)


def put(q: queue.Queue, item: Any, *stops: threading.Event) -> bool:
    """``q.put(item)``, giving up (False) once :data:`STOP` or one of ``stops`` is set."""
    while not (STOP.is_set() or any(s.is_set() for s in stops)):
        try:
            q.put(item, timeout=POLL)
            return True
        except queue.Full:
            raise_if_stopped()
    return False


_NOTHING = object()


def get(q: queue.Queue, *stops: threading.Event) -> Any:
    """``q.get()``; returns :data:`NOTHING` once :data:`STOP` or one of ``stops`` is set and
    the queue is empty. In the main thread, a signal raises :class:`Interrupted`."""
    while True:
        try:
            return q.get(timeout=POLL)
        except queue.Empty:
            raise_if_stopped()
            if STOP.is_set() or any(s.is_set() for s in stops):
                return _NOTHING


NOTHING = _NOTHING


@contextlib.contextmanager
def critical() -> Iterator[None]:
    """A section a signal must not cut (the commit of an output folder): the signal takes
    effect when it ends, and the watcher waits for it before it ends the process."""
    main = threading.current_thread() is threading.main_thread()
    with _critical_lock:
        if main:
            _State.in_critical += 1
        try:
            yield
        finally:
            if main:
                _State.in_critical -= 1
    if main:
        raise_if_stopped()


def _note(signum: int) -> None:
    with _lock:
        if _State.signum is None:
            _State.signum = signum
    STOP.set()


def _handler(signum: int, frame) -> None:
    # Nothing is raised here: an exception at an arbitrary point can land inside an import
    # or a native module's initialisation (which then aborts the process) or cut a clean-up
    # short. The main thread stops at its next safe point (raise_if_stopped), the watcher
    # ends the process if that takes longer than GRACE.
    _note(signum)


def exit_now(code: int, line: str) -> NoReturn:
    """End the process after a signal: clean-ups, one line on stderr, ``os._exit(code)``.
    Only the first caller (main thread or watcher) does it; a second one waits for the end.
    (``os._exit``: a normal exit would wait for worker threads still finishing a step.)"""
    with _critical_lock:  # never in the middle of a commit
        if not _exit_claim.acquire(blocking=False):
            while True:
                time.sleep(1)
        run_cleanups()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        with contextlib.suppress(OSError):
            os.write(2, (line + "\n").encode())
        os._exit(code)


def exit_stopped(error: Interrupted | None = None) -> NoReturn:
    """:func:`exit_now` for ``error`` (default: the signal that came)."""
    error = error or stopped_error()
    exit_now(error.exit_code, error.one_line())


def finish(code: int) -> NoReturn:
    """End a command line process that ran under :class:`SignalGuard`: exit handlers, then
    exit ``code``, or 130 / 143 if a signal came meanwhile (whatever the moment, a signal
    gives its exit code and one line)."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    # the last look, right before the end: a signal after it finds the process exiting
    if STOP.is_set():
        exit_stopped()
    os._exit(code)


def _watch(read_fd: int) -> None:
    """The watcher thread: STOP at the first signal, the end of the process at the second
    or after :data:`GRACE` seconds."""
    try:
        first = os.read(read_fd, 1)
    except OSError:
        first = b""
    if not first:
        os.close(read_fd)
        return
    _note(first[0])
    deadline = time.monotonic() + GRACE
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([read_fd], [], [], left)
        if ready:
            if os.read(read_fd, 1):
                break  # a second signal: do not wait any longer
            os.close(read_fd)  # the guard was removed: the command ended by itself
            return
    exit_stopped(Interrupted(_State.signum or first[0]))


def _quiet_thread_hook(default):
    def hook(args) -> None:
        if not STOP.is_set():  # after a signal, a worker failing on a removed folder is expected
            default(args)
    return hook


def _quiet_unraisable_hook(default):
    def hook(args) -> None:
        if not STOP.is_set():
            default(args)
    return hook


class SignalGuard:
    """Installs the handlers (main thread only; elsewhere it does nothing)."""

    def __enter__(self) -> "SignalGuard":
        self.active = threading.current_thread() is threading.main_thread()
        if not self.active:
            return self
        _reset()
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._old_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._old = {s: signal.signal(s, _handler) for s in SIGNALS}
        self._hooks = (threading.excepthook, sys.unraisablehook)
        threading.excepthook = _quiet_thread_hook(threading.excepthook)
        sys.unraisablehook = _quiet_unraisable_hook(sys.unraisablehook)
        threading.Thread(target=_watch, args=(self._read,), name="contact-scanner-signals", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.active:
            return
        for s, old in self._old.items():
            signal.signal(s, old)
        signal.set_wakeup_fd(self._old_fd)
        threading.excepthook, sys.unraisablehook = self._hooks
        os.close(self._write)  # the watcher reads end-of-file and returns
        _reset()


def _reset() -> None:
    STOP.clear()
    _State.signum, _State.raised, _State.in_critical = None, False, 0
