"""``contact-scanner reveal OUT_DIR --to FILE --reason TEXT``: real numbers, explicitly and audited.

Exit codes: 0 written; 2 usage/input errors (no scan output, missing vault, wrong key);
1 the vault or the scan outputs fail verification (tampering), or the audit log's chain is
broken and not sealed (`keys verify-audit`).
"""

from __future__ import annotations

from pathlib import Path

import click

import scanner
from scanner.commands.options import (
    FOLDER, FORMATS, choice, deprecated, emit, jsonable, keys_for, state_options, to_option,
)
from scanner.i18n import Text, _
from scanner.privacy.embedded import mask_message

#: The library's choices (a test compares them); ``--format`` also takes the number formats, as
#: the old spelling of ``--number-format``.
NUMBER_FORMATS = ("e164", "national")
CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")
ROWS = ("accept", "review", "all")


class _Format(click.Choice):
    """``text|json``; the number formats are taken too (not listed in --help)."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.lower() in NUMBER_FORMATS:
            return value.lower()
        return super().convert(value, param, ctx)


@click.command("reveal")
@click.argument("out_dir", type=FOLDER)
@to_option(help="File to write (row,line,phone[,name]): .csv, or .xlsx for a workbook; mode 0600.")
@click.option("--reason", required=True, help="Why the numbers are needed (goes to the audit log).")
@click.option("--rows", "rows", type=choice(ROWS), default="accept", show_default=True,
              help="accept: importable rows; review: only rows to review; all: every row.")
@state_options
@click.option("--number-format", "number_format", type=choice(NUMBER_FORMATS), default=None,
              help="e164 (+8613800138000, the default) or national (13800138000, what CN SMS platforms import).")
@click.option("--format", "fmt", type=_Format(FORMATS, case_sensitive=False), default="text", show_default=True,
              help="text: for people; json: one JSON document on stdout.")
@click.option("--encoding", type=choice(CSV_ENCODINGS), default="utf-8", show_default=True)
@click.option("--split-by", "split_by", type=choice(["carrier"]), default=None,
              help="One file per CN carrier: <stem>.移动.csv, <stem>.联通.csv, ...")
@click.option("--all-numbers", "all_numbers", is_flag=True,
              help="Every number whose own verdict is --rows, with its column (row,column,phone); "
                   "default: each row's contact number.")
def command(out_dir: Path, to: Path, reason: str, rows: str, state_dir: Path | None, key_file: Path | None,
            number_format: str | None, fmt: str, encoding: str, split_by: str | None, all_numbers: bool) -> None:
    """Write the real numbers of a scan's rows from its encrypted vault, with an audit entry."""
    if fmt in NUMBER_FORMATS:  # the number format's old spelling
        if number_format is not None:
            raise click.UsageError(_("--format {value} is the old spelling of --number-format: give only "
                                     "--number-format").format(value=fmt))
        deprecated(f"--format {fmt}", f"--number-format {fmt}")
        number_format, fmt = fmt, "text"
    state, keys = keys_for(state_dir, key_file)
    result = scanner.reveal(out_dir, to=to, reason=reason, keys=keys, state_dir=state.path, rows=rows,
                            fmt=number_format or "e164", encoding=encoding, split_by=split_by,
                            all_numbers=all_numbers)

    def lines():
        for path, count in result.files.items():
            yield _("wrote {n} rows to {path} (mode 0600)").format(n=count, path=mask_message(str(path)))
        for note in result.notes:
            yield _("note: {note}").format(note=note.in_(_) if isinstance(note, Text) else _(note))
        text = (_("revealed {n} numbers (--rows {rows}) of scan {scan}; audited in {log}") if all_numbers
                else _("revealed {n} rows (--rows {rows}) of scan {scan}; audited in {log}"))
        yield text.format(n=result.rows, rows=rows, scan=result.scan_id, log=result.audit_log)

    emit(fmt, jsonable(result, omit=("audit",)), lines)
