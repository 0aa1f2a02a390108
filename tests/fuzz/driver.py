"""Scan many inputs in one process, each one measured as if it ran alone.

Started by :mod:`tests.fuzz.harness` (``python -m tests.fuzz.driver``) to spare a Python
and polars start-up per case. Requests arrive as JSON lines on standard input
(``{"args": [...], "stderr": path}``); each is run through the real command line as the
``contact-scanner`` entry point (``scanner.__main__``) runs it: the click command under the
signal handlers (``SignalGuard``), but returning instead of ending the process. File
descriptors 1 and 2 point at /dev/null and at the case's stderr file meanwhile, so
anything written there (Python or native code) is kept. An exception escaping the command
is printed as the interpreter prints it and counts as exit 1, as it would in a child
process. Before each case the peak resident size is reset (``/proc/self/clear_refs``,
value 5) and ``VmHWM`` is read after it: the case's peak, on top of what the process
still holds from earlier cases (so never less than a fresh process would show; the harness
replaces a driver that holds much). One JSON line per case goes back on the original
standard output, with the peak and the resident size left after the case.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback


def _peak_reset() -> None:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _run(command, args: list[str]) -> int:
    try:
        command.main(args=args, prog_name="contact-scanner", standalone_mode=True)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 - what the interpreter does with an uncaught exception
        traceback.print_exc()
        return 1
    return 0


def main() -> None:
    results = os.fdopen(os.dup(1), "w", buffering=1)
    requests = os.fdopen(os.dup(0), "r")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    saved_err = os.dup(2)
    from scanner.cli import main as command
    from scanner.interrupt import SignalGuard

    print(json.dumps({"ready": os.getpid()}), file=results)
    for line in requests:
        case = json.loads(line)
        err = os.open(case["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(devnull, 1)
        os.dup2(err, 2)
        os.close(err)
        _peak_reset()
        start = time.monotonic()
        with SignalGuard():
            code = _run(command, case["args"])
        seconds = time.monotonic() - start
        sys.stdout.flush()
        sys.stderr.flush()
        peak = _status_kib("VmHWM")
        os.dup2(saved_err, 2)
        print(json.dumps({"code": code, "vmhwm_kib": peak, "vmrss_kib": _status_kib("VmRSS"),
                          "seconds": seconds}), file=results)


if __name__ == "__main__":
    main()
