"""``contact-scanner scan INPUT``."""

from __future__ import annotations

import os
import sys

import click
from rich.console import Console

import scanner
from scanner.commands.options import FOLDER, announce, choice, emit, format_option, lang_option, state_for, state_options
from scanner.commands.progress import progress_bar
from scanner.commands.registry import registered_line
from scanner.errors import RegistryError
from scanner.i18n import _, current_lang, explicit_lang, set_lang
from scanner.i18n.messages import error_line
from scanner.privacy.embedded import mask_message

FAIL_ON = {"error": ("fail",), "warning": ("review", "fail"), "never": ()}


@click.command("scan")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=str))
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy TOML (default: built-in CN/sms/marketing policy).")
@click.option("--out", "out_dir", default="scan-out", show_default=True, type=FOLDER, help="Output directory.")
@state_options
@click.option("--suppress", multiple=True, type=click.Path(dir_okay=False), help="Suppression / do-not-contact list (repeatable; any format).")
@click.option("--fail-on", type=choice(FAIL_ON), default="error", show_default=True, help="Exit 1 when the list verdict reaches this level.")
@format_option
@click.option("--as-of", help="Scan time for time-dependent rules (ISO date or date-time; default now).")
@click.option("--consent-ledger", type=click.Path(dir_okay=False), help="Take consent from this consent ledger.")
@click.option("--register", "register_name", metavar="NAME",
              help="After scanning, add the list to the registry under NAME; a name already "
                   "registered gets a new version (an own list's earlier versions are compared "
                   "as changes, not copies).")
@click.option("--owner", type=choice(["own", "received"]), default="own", show_default=True,
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
    err = Console(stderr=True, soft_wrap=True)
    state = state_for(state_dir)
    # before the scan, not after it
    scanner.keys.check_folders(out_dir, state.path, key_file=key_file, register=bool(register_name))
    if register_name:
        scanner.registry.check_name(state.path, register_name, as_version=True)
    if not no_html:
        from scanner.report.charts import warm_up

        warm_up()  # the chart renderer starts while the list is scanned
    show_progress = not no_progress and fmt == "text" and sys.stderr.isatty()
    size = os.path.getsize(input_path) if input_path != "-" and os.path.isfile(input_path) else None
    with progress_bar(show_progress, err, total_bytes=size) as step:
        result = scanner.scan(
            input_path, policy_path, state_dir=state.path, key_file=key_file, suppress=suppress,
            as_of=as_of, progress=step, consent_ledger=consent_ledger, register_source=register_source,
            register_name=register_name,
            notice=lambda msg: err.print(f"[yellow]{_('notice')}:[/] {mask_message(msg)}"),
        )
        # the summary and report.html: --lang, else the policy's [report] lang, else the locale
        set_lang(explicit_lang() or result.policy.report.lang)
        announce(state, result.keys)
        if register_name:  # again: the scan may have taken long
            scanner.registry.check_name(state.path, register_name, key_id=result.keys.key_id, as_version=True)
        if step:
            step("write")

        def register() -> None:
            """After the scan's own evidence (the list is not compared with itself), and before
            the outputs are committed: a registry that cannot be written (full disk) leaves
            the previous outputs in place."""
            try:
                info = result.register(state.path, register_name, source=register_source, owner=owner,
                                       as_version=True)
            except RegistryError as exc:
                # The outputs are staged and good: a registration lost to a concurrent one is a
                # warning, and the exit code still follows the verdict.
                click.echo("contact-scanner: " + _("warning: outputs written, but the list was not registered: "
                                                   "{error}").format(error=error_line(exc)), err=True)
                return
            click.echo(registered_line(info), err=True)

        written = result.write(out_dir, before_commit=register if register_name else None,
                               html=False if no_html else None, lang=current_lang())
    if fmt == "json":
        emit(fmt, result.report)
    else:
        from scanner.report.terminal import print_summary

        print_summary(result.report, written, Console(soft_wrap=True))
    if result.report["list"]["verdict"] in FAIL_ON[fail_on]:
        sys.exit(1)
