"""``contact-scanner review export|apply``: the review sheet out of a scan, decisions back in.

Exit codes: 0 done; 2 a bad sheet (nothing stored), usage or input errors; 1 a scan folder
that fails verification.
"""

from __future__ import annotations

from pathlib import Path

import click

import scanner
from scanner.commands.options import FILE, FOLDER, choice, emit, format_option, jsonable, keys_for, state_options, to_option
from scanner.i18n import _, current_lang


@click.group("review")
def command() -> None:
    """Review flagged rows: export a sheet, fill its decision column, apply it.

    Decisions are stored per phone token in the state folder (tokens only) and later scans
    honour them while the findings they covered are unchanged.
    """


@command.command("export")
@click.argument("out_dir", type=FOLDER)
@to_option(help="The sheet to write: .xlsx (a decision list in each row) or .csv; mode 0600.")
@click.option("--rows", "rows", type=choice(["review", "reject", "accept", "all"]), default="review",
              show_default=True, help="Which verdicts the sheet lists.")
@state_options
@format_option
def export(out_dir: Path, to: Path, rows: str, state_dir: Path | None, key_file: Path | None, fmt: str) -> None:
    """Write the rows of the scan in OUT_DIR that need a person (no plaintext number)."""
    _state, keys = keys_for(state_dir, key_file)
    done = scanner.review.export(out_dir, to, keys, rows=rows, lang=current_lang())
    emit(fmt, jsonable(done), [
        _("wrote {n} rows to {path} (mode 0600); fill its decision column (approve, reject, suppress) and "
          "run `contact-scanner review apply`").format(n=done.rows, path=done.path)])


@command.command("apply")
@click.argument("sheet", type=FILE)
@click.option("--out", "out_dir", type=FOLDER, default=Path("scan-out"),
              show_default=True, help="The scan folder the sheet was exported from.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy TOML ([review], [suppress]).")
@click.option("--reviewer", help="Who decided (default: the OS user).")
@state_options
@format_option
def apply(sheet: Path, out_dir: Path, policy_path: str | None, reviewer: str | None, state_dir: Path | None,
          key_file: Path | None, fmt: str) -> None:
    """Validate every decision of SHEET, then store them (one audit entry)."""
    state, keys = keys_for(state_dir, key_file)
    applied = scanner.review.apply(sheet, out_dir, keys, state_dir=state.path, policy=policy_path, reviewer=reviewer)
    counts = ", ".join(f"{n} {d}" for d, n in applied.decisions.items())
    emit(fmt, jsonable(applied, omit=("audit_entry",)), [
        _("stored {n} decisions ({counts}) of scan {scan}").format(
            n=sum(applied.decisions.values()), counts=counts, scan=applied.scan_id)
        + (_("; {n} numbers added to the do-not-contact store").format(n=applied.suppressed)
           if applied.suppressed else "")])
