"""Threads a scan uses to overlap its stages (polars, pyarrow and the ciphers release the GIL)."""

from __future__ import annotations

import queue
import threading
from typing import Callable


class InOrderWorker:
    """Runs submitted jobs one after another on a worker thread, at most ``depth`` waiting
    (so the caller's next step overlaps this job: polars and the writers release the GIL).

    A job's exception is raised in the caller by the next :meth:`submit` or by :meth:`join`;
    jobs after it are skipped. Leaving the with-block (also on an exception) skips jobs not
    yet started and waits for the thread.
    """

    def __init__(self, name: str, depth: int = 1):
        self._jobs: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> "InOrderWorker":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._cancelled = True
        self._stop()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None and not self._cancelled:
                try:
                    job()
                except BaseException as exc:  # handed to the caller
                    self._error = exc

    def submit(self, job: Callable[[], None]) -> None:
        self._raise()
        self._jobs.put(job)

    def join(self) -> None:
        """Wait for every job submitted; raise the first job's exception."""
        self._stop()
        self._raise()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
