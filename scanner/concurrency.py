"""Threads a scan uses to overlap its stages (polars, pyarrow and the ciphers release the GIL).

Every wait here has a timeout and gives up on a signal (:mod:`scanner.interrupt`), so a
stopped scan never leaves a thread blocked on a queue nobody serves any more.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

from scanner import interrupt


class InOrderWorker:
    """Runs submitted jobs one after another on a worker thread, at most ``depth`` waiting
    (so the caller's next step overlaps this job: polars and the writers release the GIL).

    A job's exception is raised in the caller by the next :meth:`submit` or by :meth:`join`;
    jobs after it are skipped. Leaving the with-block (also on an exception or a signal)
    skips jobs not yet started and waits for the job in progress, so nothing the caller
    cleans up next is still in use.
    """

    def __init__(self, name: str, depth: int = 1):
        self._jobs: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> "InOrderWorker":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._cancelled.set()
        self._wait()

    def _run(self) -> None:
        while True:
            job = interrupt.get(self._jobs, self._cancelled)
            if job is None or job is interrupt.NOTHING:
                return
            if self._error is None and not self._cancelled.is_set() and not interrupt.stopping():
                try:
                    job()
                except BaseException as exc:  # handed to the caller
                    self._error = exc

    def submit(self, job: Callable[[], None]) -> None:
        interrupt.raise_if_stopped()
        self._raise()
        if not interrupt.put(self._jobs, job, self._cancelled):
            raise interrupt.stopped_error()

    def join(self) -> None:
        """Wait for every job submitted; raise the first job's exception."""
        if self._thread.is_alive() and not interrupt.put(self._jobs, None, self._cancelled):
            raise interrupt.stopped_error()
        self._wait()
        self._raise()

    def _wait(self) -> None:
        while self._thread.is_alive():
            self._thread.join(interrupt.POLL)
            interrupt.raise_if_stopped()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
