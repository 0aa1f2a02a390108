"""Signals and kills at random moments of a real scan (a subprocess), and what they leave.

Targets: SIGINT/SIGTERM at 50 random moments give 50 clean stops (exit 130/143 within 2 s,
one line on stderr, no traceback, the output folder byte-identical to before, or the new
complete scan when the signal came after the commit, and the spill folder removed);
SIGKILL at 20 or more random moments never leaves a folder that ``reveal`` accepts as
anything but the old scan or the new one.

Each trial scans list B (list A plus more rows: the old list is a prefix of the new one)
into a copy of a folder holding a complete scan of list A and a file of the user's own.
Half the moments are drawn uniformly between the child's signal handlers being in place
(seen in /proc: SIGTERM caught) and the end of an uninterrupted scan, so they fall in
start-up, reading, the row kernel, the list analyses or the writing; the other half
uniformly over the write phase alone (from the staging folder's creation to the end: the
files, the checks, the commit and the summary), where a scan stopped or killed could leave
a mix. Every fifth signal is sent twice, 50 ms apart. The scan runs with small batches
(several read-ahead, spill and writer jobs in flight).

    python evaluation/interrupts.py                  # 50 signals, 20 kills
    python evaluation/interrupts.py --signals 10 --kills 5 --seed 3
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.data import contact_list  # noqa: E402
from scanner.errors import ScannerError  # noqa: E402
from scanner.manifest import MANIFEST, OWN_FILES, verify_folder  # noqa: E402
from scanner.privacy.keys import read_key_file  # noqa: E402
from scanner.privacy.reveal import reveal  # noqa: E402
from scanner.report.folder import STAGING_PREFIX  # noqa: E402

#: The command line as the console script runs it (handlers first), with small batches.
CHILD = """
import sys
from scanner.__main__ import run

batch_rows, batch_bytes = int(sys.argv[1]), int(sys.argv[2])
sys.argv = ["contact-scanner", *sys.argv[3:]]

def small_batches():
    import scanner.api as api
    api.scan.__kwdefaults__.update(batch_rows=batch_rows, batch_bytes=batch_bytes)

run(small_batches)
"""
STOP_WITHIN = 2.0
#: Where the moments fall: over the whole scan, or over its write phase only.
PHASES = ("any", "write")
FOREIGN = "notes.txt"


@dataclass
class Bench:
    """Lists A and B, a state folder, the complete scan of A and the numbers each reveals."""

    root: Path
    rows: int
    batch_rows: int
    batch_bytes: int
    list_a: Path = field(init=False)
    list_b: Path = field(init=False)
    state: Path = field(init=False)
    old: Path = field(init=False)
    duration: float = 0.0
    to_write: float = 0.0
    stderr_lines: set = field(default_factory=set)
    revealed: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        phones = contact_list(self.rows + self.rows // 4, seed=7)
        rng = random.Random(7)
        frame = pl.DataFrame({
            "手机号": phones,
            "姓名": [rng.choice("王李张刘陈杨") + rng.choice("伟芳娜敏静丽强") for _ in phones],
            "来源": [rng.choice(["官网注册", "线下活动", "partner", ""]) for _ in phones],
            "同意": [rng.choice(["营销", "是", "否", ""]) for _ in phones],
        })
        self.list_a, self.list_b = self.root / "a.csv", self.root / "b.csv"
        frame.head(self.rows).write_csv(self.list_a)
        frame.write_csv(self.list_b)
        self.state = self.root / "state"
        self.old = self.root / "old"
        self.scan(self.list_a, self.old, tmp=self.root / "tmp-old", check=True)
        (self.old / FOREIGN).write_text("the user's own file\n")
        new = self.root / "new"
        # timed from the handlers being in place: to the staging folder's creation (the
        # write phase begins) and to the end
        proc = self.scan(self.list_b, new, tmp=self.root / "tmp-new")
        wait_ready(proc)
        start = time.monotonic()
        wait_staging(proc, new)
        self.to_write = time.monotonic() - start
        _, stderr = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"scan failed ({proc.returncode})")
        self.duration = time.monotonic() - start
        self.stderr_lines = set(stderr.decode().splitlines())
        self.keys = read_key_file(self.state / "key.json")
        self.revealed = {"old": self._reveal(self.old), "new": self._reveal(new)}
        self.old_files = snapshot(self.old)

    def command(self, source: Path, out: Path) -> list[str]:
        return [sys.executable, "-c", CHILD, str(self.batch_rows), str(self.batch_bytes), "scan", str(source),
                "--out", str(out), "--state-dir", str(self.state), "--as-of", "2026-11-23",
                "--fail-on", "never", "--no-progress"]

    def env(self, tmp: Path) -> dict:
        tmp.mkdir(parents=True, exist_ok=True)
        return {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}

    def scan(self, source: Path, out: Path, *, tmp: Path, check: bool = False) -> subprocess.Popen:
        proc = subprocess.Popen(self.command(source, out), env=self.env(tmp), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=self.root)
        if check:
            stdout, stderr = proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"scan failed ({proc.returncode}): {stderr.decode()[-2000:]}")
        return proc

    def _reveal(self, out: Path) -> frozenset:
        to = Path(tempfile.mkdtemp(dir=self.root)) / "numbers.csv"
        try:
            reveal(out, to=to, reason="interrupt evaluation", keys=self.keys, state_dir=self.state, rows="all")
            return frozenset(pl.read_csv(to, infer_schema=False).iter_rows())
        finally:
            shutil.rmtree(to.parent, ignore_errors=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def wait_ready(proc: subprocess.Popen, timeout: float = 60.0) -> bool:
    """Until the child catches SIGTERM (its handlers are in place); False if it ended first."""
    bit = 1 << (signal.SIGTERM - 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as fh:
                caught = next(int(line.split()[1], 16) for line in fh if line.startswith("SigCgt:"))
            if caught & bit:
                return True
        except (OSError, StopIteration, ValueError):
            pass
        time.sleep(0.002)
    return False


def wait_staging(proc: subprocess.Popen, out: Path) -> bool:
    """Until the scan's staging folder appears in ``out`` (its write phase has begun)."""
    while proc.poll() is None:
        if out.is_dir() and any(p.name.startswith(STAGING_PREFIX) for p in out.iterdir()):
            return True
        time.sleep(0.002)
    return False


def wait_moment(bench: Bench, proc: subprocess.Popen, out: Path, phase: str, rng: random.Random) -> None:
    """Sleep until a random moment of ``phase``: ``any`` (uniform from the handlers being in
    place to the end of an uninterrupted scan) or ``write`` (uniform over the write phase:
    staging, checks, commit, summary)."""
    if phase == "write" and wait_staging(proc, out):
        time.sleep(rng.uniform(0, bench.duration - bench.to_write))
    else:
        time.sleep(rng.uniform(0, bench.duration * 0.95))


def _spill_left(tmp: Path) -> list[str]:
    return [p.name for p in tmp.iterdir() if p.name.startswith("contact-scanner-")] if tmp.exists() else []


def _folder_state(bench: Bench, out: Path) -> str:
    """``old`` (byte-identical), ``new`` (a complete new scan, the user's file untouched),
    or a description of what is wrong."""
    files = snapshot(out)
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(STAGING_PREFIX) or p.name.endswith(".tmp")]
    if leftovers:
        return f"leftovers {leftovers}"
    if files == bench.old_files:
        return "old"
    if files.get(FOREIGN) != bench.old_files[FOREIGN]:
        return "the user's own file changed"
    try:
        manifest = verify_folder(out, bench.keys)
    except ScannerError as exc:
        return f"neither old nor a complete new scan: {exc.one_line()}"
    if set(files) != {*manifest.names(), MANIFEST, FOREIGN}:
        return f"unexpected files {sorted(files)}"
    return "new"


def signal_trial(bench: Bench, k: int, signum: int, rng: random.Random, phase: str = "any",
                 double: bool = False) -> tuple[str, str | None, float | None]:
    """One scan signalled at a random moment (``double``: twice, 50 ms apart): where it
    stopped (``ended``: the scan finished before the moment came), the failure or None,
    and the seconds from the signal to the exit."""
    trial = bench.root / f"sig-{k}"
    try:
        return _signal_trial(bench, trial, k, signum, rng, phase, double)
    finally:
        shutil.rmtree(trial, ignore_errors=True)


def _signal_trial(bench, trial, k, signum, rng, phase, double):
    out, tmp = trial / "out", trial / "tmp"
    shutil.copytree(bench.old, out)
    proc = bench.scan(bench.list_b, out, tmp=tmp)
    name = signal.Signals(signum).name
    try:
        if not wait_ready(proc):
            return "ended", f"{name} trial {k}: the scan ended before its handlers were seen", None
        wait_moment(bench, proc, out, phase, rng)
        if proc.poll() is not None:
            proc.communicate()
            return "ended", None, None
        sent = time.monotonic()
        proc.send_signal(signum)
        if double:  # a second Ctrl-C while the first is being acted on
            time.sleep(0.05)
            if proc.poll() is None:
                proc.send_signal(signum)
        try:
            stdout, stderr = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            return "hung", f"{name} trial {k}: no exit within 30 s", None
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = (stdout + stderr).decode(errors="replace")
    lines = stderr.decode(errors="replace").splitlines()
    state = _folder_state(bench, out)
    if (proc.returncode == 0 and state == "new" and "Traceback" not in text and set(lines) <= bench.stderr_lines
            and not _spill_left(tmp)):
        # the scan had passed its last look at the signals and was exiting (the kernel
        # tears a large process down for a while after its exit call): it finished
        return "finished", None, took
    problems = []
    if proc.returncode != 128 + signum:
        problems.append(f"exit {proc.returncode}, not {128 + signum}")
    # one line says so; before it, only lines an uninterrupted scan prints too (the state
    # folder and key in use)
    if lines[-1:] != [f"contact-scanner: interrupted by {name}"] or not set(lines[:-1]) <= bench.stderr_lines:
        problems.append(f"stderr {lines[-5:]!r}")
    if "Traceback" in text:
        problems.append("a traceback")
    if took > STOP_WITHIN:
        problems.append(f"stopped after {took:.2f} s")
    if state not in ("old", "new"):
        problems.append(state)
    if _spill_left(tmp):
        problems.append(f"spill left: {_spill_left(tmp)}")
    return state, (f"{name} trial {k}{' (twice)' if double else ''}: " + "; ".join(problems)) if problems else None, took


def kill_trial(bench: Bench, k: int, rng: random.Random, recover: bool, phase: str = "any"
               ) -> tuple[str, str | None]:
    """One scan killed (SIGKILL) at a random moment, then read by ``reveal``: accepted only
    as the old scan or the new one (``ended``: the scan finished before the moment came).
    ``recover``: a next scan into the folder must remove what the killed one left and
    commit."""
    trial = bench.root / f"kill-{k}"
    try:
        return _kill_trial(bench, trial, k, rng, recover, phase)
    finally:
        shutil.rmtree(trial, ignore_errors=True)


def _kill_trial(bench, trial, k, rng, recover, phase):
    out, tmp = trial / "out", trial / "tmp"
    shutil.copytree(bench.old, out)
    proc = bench.scan(bench.list_b, out, tmp=tmp)
    if wait_ready(proc):
        wait_moment(bench, proc, out, phase, rng)
    if proc.poll() is not None:
        proc.communicate()
        return "ended", None
    proc.kill()
    proc.communicate()
    try:
        got = bench._reveal(out)
    except ScannerError:
        outcome = "refused"
    else:
        outcome = next((name for name, numbers in bench.revealed.items() if numbers == got), "other")
    if outcome == "other":
        return outcome, f"kill trial {k}: reveal accepted a folder that is neither the old scan nor the new one"
    if outcome == "old" and snapshot(out) != bench.old_files:
        return outcome, f"kill trial {k}: reveal gave the old numbers from a changed folder"
    if recover:
        bench.scan(bench.list_b, out, tmp=tmp, check=True)
        state = _folder_state(bench, out)
        if state != "new":
            return outcome, f"kill trial {k}: the next scan left {state}"
    return outcome, None


def run(root: Path, *, signals: int, kills: int, seed: int = 1, rows: int = 40_000, batch_rows: int = 8_000,
        batch_bytes: int = 256 << 10, recover_every: int = 1) -> dict:
    """``signals`` signals and ``kills`` kills delivered to running scans (a moment that
    falls after the scan has finished is drawn again, at most twice per trial); returns
    counts, stop times and the failures (empty when every trial was clean)."""
    rng = random.Random(seed)
    bench = Bench(root, rows, batch_rows, batch_bytes)
    result = {"scan_seconds": round(bench.duration, 2), "write_seconds": round(bench.duration - bench.to_write, 2),
              "signals": {}, "kills": {}, "clean_stops": 0, "stop_seconds": [], "failures": []}
    k = delivered = 0
    while delivered < signals and k < 3 * signals:
        signum = (signal.SIGINT, signal.SIGTERM)[delivered % 2]
        state, problem, took = signal_trial(bench, k, signum, rng, phase=PHASES[delivered % 4 // 2],
                                            double=delivered % 5 == 4)
        k += 1
        result["signals"][state] = result["signals"].get(state, 0) + 1
        delivered += state != "ended"
        result["clean_stops"] += state in ("old", "new") and problem is None
        if took is not None:
            result["stop_seconds"].append(round(took, 3))
        if problem:
            result["failures"].append(problem)
    k = delivered = 0
    while delivered < kills and k < 3 * kills:
        outcome, problem = kill_trial(bench, k, rng, recover=delivered % recover_every == 0,
                                      phase=PHASES[delivered % 2])
        k += 1
        result["kills"][outcome] = result["kills"].get(outcome, 0) + 1
        delivered += outcome != "ended"
        if problem:
            result["failures"].append(problem)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signals", type=int, default=50)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rows", type=int, default=40_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="interrupts-") as tmp:
        result = run(Path(tmp), signals=args.signals, kills=args.kills, seed=args.seed, rows=args.rows)
    sig, kill = result["signals"], result["kills"]
    stopped = result["clean_stops"]
    times = sorted(result["stop_seconds"])
    print(f"uninterrupted scan: {result['scan_seconds']} s from its handlers being in place, "
          f"of which writing {result['write_seconds']} s")
    print(f"signals delivered to a running scan: {sum(n for s, n in sig.items() if s != 'ended')}, "
          f"clean stops: {stopped} (folder unchanged: {sig.get('old', 0)}, the new complete scan: "
          f"{sig.get('new', 0)}); reached the scan while it was exiting (exit 0, complete new scan): "
          f"{sig.get('finished', 0)}; moments drawn again because the scan had finished: {sig.get('ended', 0)}")
    if times:
        print(f"signal to exit: median {times[len(times) // 2]:.2f} s, slowest {times[-1]:.2f} s")
    print(f"kills delivered: {sum(n for s, n in kill.items() if s != 'ended')}; reveal then accepted the old "
          f"scan {kill.get('old', 0)}, the new scan {kill.get('new', 0)}, refused {kill.get('refused', 0)}, "
          f"accepted anything else {kill.get('other', 0)}")
    for failure in result["failures"]:
        print("FAIL", failure)
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
