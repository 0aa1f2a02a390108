"""``contact-scanner reveal OUT_DIR --to FILE --reason TEXT``: real numbers, explicitly and audited.

Exit codes: 0 written; 2 usage/input errors (no scan output, missing vault, wrong key);
1 the vault or the scan outputs fail verification (tampering), or the audit log's chain is
broken and not sealed (`keys verify-audit`).
"""

from __future__ import annotations

from pathlib import Path

import click

from scanner.commands.options import key_options, keys_for, state_for
from scanner.i18n import Text, _
from scanner.privacy.audit import AUDIT_FILE_NAME, audit_dir
from scanner.privacy.reveal import FORMATS, ROW_CHOICES, reveal
from scanner.privacy.safe_files import CSV_ENCODINGS
from scanner.privacy.embedded import mask_message


@click.command("reveal")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (row,line,phone[,name]): .csv, or .xlsx for a workbook; mode 0600.")
@click.option("--reason", required=True, help="Why the numbers are needed (goes to the audit log).")
@click.option("--rows", "rows", type=click.Choice(ROW_CHOICES, case_sensitive=False), default="accept", show_default=True,
              help="accept: importable rows; review: only rows to review; all: every row.")
@key_options
@click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False), default="e164", show_default=True,
              help="e164 (+8613800138000) or national (13800138000, what CN SMS platforms import).")
@click.option("--encoding", type=click.Choice(CSV_ENCODINGS, case_sensitive=False), default="utf-8", show_default=True)
@click.option("--split-by", "split_by", type=click.Choice(["carrier"], case_sensitive=False), default=None,
              help="One file per CN carrier: <stem>.移动.csv, <stem>.联通.csv, ...")
@click.option("--all-numbers", "all_numbers", is_flag=True,
              help="Every number whose own verdict is --rows, with its column (row,column,phone); "
                   "default: each row's contact number.")
def command(out_dir: Path, to: Path, reason: str, rows: str, state_dir: Path | None,
            key_file: Path | None, fmt: str, encoding: str, split_by: str | None, all_numbers: bool) -> None:
    """Write the real numbers of a scan's rows from its encrypted vault, with an audit entry."""
    state = state_for(state_dir)
    keys = keys_for(state_dir, key_file, state=state)
    result = reveal(out_dir, to=to, reason=reason, keys=keys, state_dir=state.path, rows=rows, fmt=fmt,
                    encoding=encoding, split_by=split_by, all_numbers=all_numbers)
    for path, count in result.files.items():
        click.echo(_("wrote {n} rows to {path} (mode 0600)").format(n=count, path=mask_message(str(path))))
    for note in result.notes:
        click.echo(_("note: {note}").format(note=note.in_(_) if isinstance(note, Text) else _(note)))
    text = (_("revealed {n} numbers (--rows {rows}) of scan {scan}; audited in {log}") if all_numbers
            else _("revealed {n} rows (--rows {rows}) of scan {scan}; audited in {log}"))
    click.echo(text.format(n=result.rows, rows=rows, scan=result.scan_id,
                           log=audit_dir(keys, state.path) / AUDIT_FILE_NAME))
