"""``contact-scanner review export|apply``: the review sheet out of a scan, decisions back in.

Exit codes: 0 done; 2 a bad sheet (nothing stored), usage or input errors; 1 a scan folder
that fails verification.
"""

from __future__ import annotations

from pathlib import Path

import click

from scanner.commands.options import key_options, keys_for, state_for
from scanner.i18n import _, current_lang


@click.group("review")
def command() -> None:
    """Review flagged rows: export a sheet, fill its decision column, apply it.

    Decisions are stored per phone token in the state folder (tokens only) and later scans
    honour them while the findings they covered are unchanged.
    """


@command.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The sheet to write: .xlsx (a decision list in each row) or .csv; mode 0600.")
@click.option("--rows", "rows", type=click.Choice(["review", "reject", "accept", "all"], case_sensitive=False), default="review",
              show_default=True, help="Which verdicts the sheet lists.")
@key_options
def export(out_dir: Path, to: Path, rows: str, state_dir: Path | None, key_file: Path | None) -> None:
    """Write the rows of the scan in OUT_DIR that need a person (no plaintext number)."""
    from scanner.review.apply import export_sheet

    keys = keys_for(state_dir, key_file)
    path, count = export_sheet(out_dir, to, keys, rows=rows, lang=current_lang())
    click.echo(_("wrote {n} rows to {path} (mode 0600); fill its decision column (approve, reject, suppress) and "
                 "run `contact-scanner review apply`").format(n=count, path=path))


@command.command("apply")
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("scan-out"),
              show_default=True, help="The scan folder the sheet was exported from.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False), help="Policy TOML ([review], [suppress]).")
@click.option("--reviewer", help="Who decided (default: the OS user).")
@key_options
def apply(sheet: Path, out_dir: Path, policy_path: str | None, reviewer: str | None, state_dir: Path | None,
          key_file: Path | None) -> None:
    """Validate every decision of SHEET, then store them (one audit entry)."""
    from scanner.policy import load_policy
    from scanner.review.apply import apply_sheet

    state = state_for(state_dir)
    keys = keys_for(state_dir, key_file, state=state)
    applied = apply_sheet(sheet, out_dir, keys, state_dir=state.path, policy=load_policy(policy_path),
                          reviewer=reviewer)
    counts = ", ".join(f"{n} {d}" for d, n in applied.decisions.items())
    click.echo(_("stored {n} decisions ({counts}) of scan {scan}").format(
        n=sum(applied.decisions.values()), counts=counts, scan=applied.scan_id)
        + (_("; {n} numbers added to the do-not-contact store").format(n=applied.suppressed)
           if applied.suppressed else ""))
