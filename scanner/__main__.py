"""``python -m scanner`` and the ``contact-scanner`` command.

The signal handlers (:mod:`scanner.interrupt`) go in first, before the command line's
imports (a second or more), so a signal at any moment after start is handled the same way.
"""


def main() -> None:
    from scanner import interrupt

    with interrupt.SignalGuard():
        try:
            from scanner.cli import main as cli

            cli()
        except interrupt.Interrupted as exc:
            interrupt.exit_now(exc.exit_code, exc.one_line())
        finally:
            # a signal the command finished despite (it came after the last safe point)
            if interrupt.stopping():
                error = interrupt.stopped_error()
                interrupt.exit_now(error.exit_code, error.one_line())


if __name__ == "__main__":
    main()
