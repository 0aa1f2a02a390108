"""``contact-scanner scan INPUT``."""

from __future__ import annotations

import os
import sys

import click
from rich.console import Console

from scanner.commands.options import announce, key_options, lang_option, state_for
from scanner.errors import RegistryError
from scanner.i18n import _, current_lang, explicit_lang, set_lang
from scanner.i18n.messages import error_line
from scanner.privacy.keys import ENV_KEY
from scanner.privacy.safe_files import check_folder_can_be_made
from scanner.privacy.embedded import mask_message


FAIL_ON = {"error": ("fail",), "warning": ("review", "fail"), "never": ()}


STAGES = ("ingest", "normalize", "rules", "analyses", "write")


def _progress(enabled: bool, console: Console):
    """A stage progress bar on stderr (only on a TTY, never with --no-progress)."""
    if not enabled:
        return None, None
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description:<28}"), BarColumn(), TimeElapsedColumn(),
                   console=console, transient=True)
    task = bar.add_task("scanning", total=len(STAGES))
    bar.start()

    def step(stage: str, rows: int | None = None) -> None:
        done = STAGES.index(stage) if stage in STAGES else 0
        detail = stage if rows is None else f"{rows:,} rows"
        bar.update(task, completed=done, description=f"scanning: {detail}")

    return step, bar


def _check_name(state, name: str, key_id: str | None = None) -> None:
    """A --register name that is invalid (or a registry of another key) stops the scan before
    it writes anything; a taken one becomes a new version."""
    from scanner.registry import open_registry

    open_registry(state.path, key_id=key_id).check_new_name(name, as_version=True)


@click.command("scan")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=str))
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy TOML (default: built-in CN/sms/marketing policy).")
@click.option("--out", "out_dir", default="scan-out", show_default=True, type=click.Path(file_okay=False), help="Output directory.")
@key_options
@click.option("--suppress", multiple=True, type=click.Path(dir_okay=False), help="Suppression / do-not-contact list (repeatable; any format).")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON), case_sensitive=False), default="error", show_default=True, help="Exit 1 when the list verdict reaches this level.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text", show_default=True, help="text: summary; json: print report.json.")
@click.option("--as-of", help="Scan time for time-dependent rules (ISO date or date-time; default now).")
@click.option("--consent-ledger", type=click.Path(dir_okay=False), help="Take consent from this consent ledger.")
@click.option("--register", "register_name", metavar="NAME",
              help="After scanning, add the list to the registry under NAME; a name already "
                   "registered gets a new version (an own list's earlier versions are compared "
                   "as changes, not copies).")
@click.option("--owner", type=click.Choice(["own", "received"], case_sensitive=False), default="own", show_default=True,
              help="With --register: the user's own list, or one received (bought, shared).")
@click.option("--register-source", metavar="S", help="Source/vendor recorded with --register.")
@click.option("--no-progress", is_flag=True, help="No progress display.")
@click.option("--no-html", is_flag=True, help="Do not write report.html (also: [report] html = false).")
@lang_option
def command(input_path, policy_path, out_dir, state_dir, key_file, suppress, fail_on, fmt, as_of,
            consent_ledger, register_name, owner, register_source, no_progress, no_html, lang):
    """Scan INPUT (CSV/TSV/TXT, XLSX, Parquet, JSON/NDJSON) and write pseudonymized outputs.

    Exit code 0 when the list verdict is below --fail-on, 1 when it reaches it, 2 on a usage
    or input error (nothing is written then).
    """
    from scanner.api import report_json, scan

    err = Console(stderr=True, soft_wrap=True)
    state = state_for(state_dir)
    # before the scan, not after it: --out, and the state folder when the scan writes there
    # (a new key, a registration)
    check_folder_can_be_made(out_dir)
    if register_name or (key_file is None and not os.environ.get(ENV_KEY)):
        check_folder_can_be_made(state.path)
    if register_name:
        _check_name(state, register_name)
    if not no_html:
        from scanner.report.charts import warm_up

        warm_up()  # the chart renderer starts while the list is scanned
    show_progress = not no_progress and fmt == "text" and sys.stderr.isatty()
    step, status = _progress(show_progress, err)
    try:
        result = scan(
            input_path, policy_path, state_dir=state.path, key_file=key_file, suppress=suppress,
            as_of=as_of, progress=step, consent_ledger=consent_ledger, register_source=register_source,
            register_name=register_name,
            notice=lambda msg: err.print(f"[yellow]{_('notice')}:[/] {mask_message(msg)}"),
        )
        # the summary and report.html: --lang, else the policy's [report] lang, else the locale
        set_lang(explicit_lang() or result.policy.report.lang)
        announce(state, result.keys)
        if register_name:
            _check_name(state, register_name, result.keys.key_id)  # again: the scan may have taken long
        if step:
            step("write")

        def register() -> None:
            """After the scan's own evidence (the list is not compared with itself), and before
            the outputs are committed: a registry that cannot be written (full disk) leaves
            the previous outputs in place."""
            from scanner.commands.registry import register_result

            try:
                register_result(result, name=register_name, source=register_source, leaked=False,
                                state=state, owner=owner, as_version=True)
            except RegistryError as exc:
                # The outputs are staged and good: a registration lost to a concurrent one is a
                # warning, and the exit code still follows the verdict.
                click.echo("contact-scanner: " + _("warning: outputs written, but the list was not registered: "
                                                   "{error}").format(error=error_line(exc)), err=True)

        written = result.write(out_dir, before_commit=register if register_name else None,
                               html=False if no_html else None, lang=current_lang())
    finally:
        if status is not None:
            status.stop()
    if fmt == "json":
        click.echo(report_json(result.report), nl=False)
    else:
        from scanner.report.terminal import print_summary

        print_summary(result.report, written, Console(soft_wrap=True))
    if result.report["list"]["verdict"] in FAIL_ON[fail_on]:
        sys.exit(1)
