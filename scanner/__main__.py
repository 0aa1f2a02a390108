"""``python -m scanner`` and the ``contact-scanner`` command.

The signal handlers (:mod:`scanner.interrupt`) go in first, before the command line's
imports (a second or more), and stay until the process ends, so a signal at any moment
after start is handled the same way: one line, exit 130 / 143.
"""

from __future__ import annotations

import sys
from typing import Callable, NoReturn


def main() -> NoReturn:
    run()


def run(prepare: Callable[[], None] | None = None) -> NoReturn:
    """The command line under the signal handlers; ``prepare`` runs first (under them).

    The process ends through :func:`scanner.interrupt.finish`: exit handlers run, then
    ``os._exit``, so a signal during the interpreter's own shutdown cannot turn into a
    default death by signal or a traceback.
    """
    from scanner import interrupt

    interrupt.SignalGuard().__enter__()
    code = 0
    try:
        if prepare is not None:
            prepare()
        from scanner.i18n import argv_lang, set_lang

        set_lang(argv_lang(sys.argv[1:]))  # the help texts are built in this language
        from scanner.cli import main as cli

        cli()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException as exc:
        # stopped: whatever the stop made fail (a library's own SIGINT handling raising
        # KeyboardInterrupt, a read cut short) ends as the stop, in one line
        if isinstance(exc, interrupt.Interrupted):
            interrupt.exit_stopped(exc)
        if interrupt.stopping() or isinstance(exc, KeyboardInterrupt):
            interrupt.exit_stopped()
        raise
    interrupt.finish(code)


if __name__ == "__main__":
    main()
