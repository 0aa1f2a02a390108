"""The scan's spill thread: jobs in order, errors raised in the caller, nothing left running."""

import threading
import time

import pytest

from scanner.concurrency import InOrderWorker


def test_jobs_run_in_submission_order_off_the_caller_thread():
    seen, threads = [], set()
    with InOrderWorker("t") as worker:
        for i in range(50):
            worker.submit(lambda i=i: (seen.append(i), threads.add(threading.current_thread().name)))
        worker.join()
    assert seen == list(range(50))
    assert threads == {"t"}


def test_a_job_error_is_raised_by_the_next_submit_or_join_and_later_jobs_are_skipped():
    ran = []

    def fail():
        raise OSError("disk full")

    with InOrderWorker("t") as worker:
        worker.submit(fail)
        time.sleep(0.05)
        with pytest.raises(OSError, match="disk full"):
            worker.submit(lambda: ran.append(1))
    assert ran == []

    with InOrderWorker("t") as worker:
        worker.submit(fail)
        worker.submit(lambda: ran.append(2))  # may be queued before the failure is seen
        with pytest.raises(OSError, match="disk full"):
            worker.join()
    assert ran == []


def test_leaving_on_an_exception_skips_waiting_jobs_and_stops_the_thread():
    started, gate = [], threading.Event()
    with pytest.raises(KeyError):
        with InOrderWorker("t", depth=5) as worker:
            worker.submit(lambda: (started.append(1), gate.wait(0.5)))  # busy when the caller fails
            for _ in range(3):
                worker.submit(lambda: started.append(2))
            raise KeyError("reader failed")
    assert 2 not in started
    assert not worker._thread.is_alive()
