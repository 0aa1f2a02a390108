"""Run fuzz cases through ``contact-scanner scan`` in driver processes and judge them.

A case passes when the scan exits 0, 1 or 2, writes no traceback, exits 2 with one
``contact-scanner: error:`` line, finishes within its time limit and peaks (``VmHWM`` of
the driver process while it ran the case, see :mod:`tests.fuzz.driver`) under the memory
bound. A driver that dies or overruns is counted against the case it ran (as a crash or a
hang) and replaced.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEMORY_BOUND_KIB = 2 << 20  # 2 GiB
CASE_SECONDS = 300.0  # (the slowest hostile cases take a minute on a busy machine)
# A driver still holding this much after a case is replaced (allocators keep freed memory),
# so that no case's peak carries much of an earlier one's.
RESTART_KIB = 400 << 10


@dataclass
class Outcome:
    """What one case did. ``code`` is None when the driver died (``signal``) or hung."""

    name: str
    size: int
    code: int | None
    stderr: str
    vmhwm_kib: int
    seconds: float
    hung: bool = False
    signal: int | None = None
    vmrss_kib: int = 0
    problems: list[str] = field(default_factory=list)

    def judge(self, memory_bound_kib: int) -> Outcome:
        errors = [ln for ln in self.stderr.splitlines() if ln.startswith("contact-scanner: error:")]
        if self.hung:
            self.problems.append("hung")
        elif self.signal is not None:
            self.problems.append(f"killed by signal {self.signal}")
        elif self.code not in (0, 1, 2):
            self.problems.append(f"exit {self.code}")
        if "Traceback (most recent call last)" in self.stderr or "panicked at" in self.stderr:
            self.problems.append("traceback")
        if self.code == 2 and len(errors) != 1:
            self.problems.append(f"exit 2 with {len(errors)} error lines")
        if self.vmhwm_kib > memory_bound_kib:
            self.problems.append(f"peak {self.vmhwm_kib // 1024} MiB")
        return self


class Driver:
    """One ``python -m tests.fuzz.driver`` process."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.state = workdir / "state"
        self.log = open(workdir / "driver.log", "ab")  # noqa: SIM115 - closed by close()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.driver"], cwd=ROOT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.log, env={**os.environ, "PYTHONPATH": str(ROOT)})
        ready = self._reply(60.0)
        if ready is None or "ready" not in ready:
            self.close()
            raise RuntimeError(f"fuzz driver did not start (see {workdir / 'driver.log'})")

    def _reply(self, timeout: float) -> dict | None:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else None

    def run(self, name: str, path: Path, timeout: float) -> Outcome:
        out = self.workdir / "out"
        err = self.workdir / "stderr.txt"
        args = ["scan", str(path), "--out", str(out), "--state-dir", str(self.state), "--no-progress"]
        size = path.stat().st_size
        self.proc.stdin.write((json.dumps({"args": args, "stderr": str(err)}) + "\n").encode())
        self.proc.stdin.flush()
        reply = self._reply(timeout)
        stderr = err.read_text(errors="replace") if err.exists() else ""
        shutil.rmtree(out, ignore_errors=True)
        if reply is not None:
            return Outcome(name, size, reply["code"], stderr, reply["vmhwm_kib"], reply["seconds"],
                           vmrss_kib=reply["vmrss_kib"])
        hung = self.proc.poll() is None
        if hung:
            self.proc.kill()
        code = self.proc.wait()
        return Outcome(name, size, None, stderr, 0, timeout if hung else 0.0, hung=hung,
                       signal=-code if code < 0 else None)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait()
        self.log.close()


Case = tuple[str, str, Callable[[Path], None]]  # (name, file suffix, writer)


def run_cases(cases: Iterable[Case], *, workers: int = 2, memory_bound_kib: int = MEMORY_BOUND_KIB,
              timeout: float = CASE_SECONDS, keep_failures: Path | None = None,
              on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Write each case's input, scan it in one of ``workers`` drivers, judge it.

    A failing case's input is copied to ``keep_failures`` (when given) under its name."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        lock = threading.Lock()
        pending: Iterator[Case] = iter(cases)
        outcomes: list[Outcome] = []

        def work(slot: int) -> None:
            workdir = Path(tmp) / f"w{slot}"
            workdir.mkdir()
            driver = Driver(workdir)
            try:
                while True:
                    with lock:
                        case = next(pending, None)
                    if case is None:
                        return
                    name, suffix, write = case
                    path = workdir / f"input{suffix}"
                    write(path)
                    outcome = driver.run(name, path, timeout).judge(memory_bound_kib)
                    if outcome.problems and keep_failures is not None:
                        keep_failures.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(path, keep_failures / f"{name}{suffix}")
                    path.unlink()
                    with lock:
                        outcomes.append(outcome)
                        if on_outcome is not None:
                            on_outcome(outcome)
                    if not driver.alive or outcome.vmrss_kib > RESTART_KIB:
                        driver.close()
                        driver = Driver(workdir)
            finally:
                driver.close()

        with ThreadPoolExecutor(workers) as pool:
            for future in [pool.submit(work, slot) for slot in range(workers)]:
                future.result()
    return outcomes


def summary(outcomes: list[Outcome]) -> dict:
    """The counts the fuzz targets are stated in."""
    codes = Counter("hang" if o.hung else f"signal {o.signal}" if o.signal else str(o.code)
                    for o in outcomes)
    largest = max(outcomes, key=lambda o: o.size, default=None)
    peak = max(outcomes, key=lambda o: o.vmhwm_kib, default=None)
    return {
        "cases": len(outcomes),
        "tracebacks": sum("traceback" in o.problems for o in outcomes),
        "failing": sum(bool(o.problems) for o in outcomes),
        "exits": dict(sorted(codes.items())),
        "max_vmhwm_mib": round(peak.vmhwm_kib / 1024, 1) if peak else 0,
        "max_vmhwm_case": peak.name if peak else None,
        "largest_input_bytes": largest.size if largest else 0,
        "largest_input_vmhwm_mib": round(largest.vmhwm_kib / 1024, 1) if largest else 0,
        "largest_input_case": largest.name if largest else None,
    }
