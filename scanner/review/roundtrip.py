"""``review export`` and ``review apply``: the sheet out of a scan folder and its decisions back
into the state folder (docs/PRIVACY.md, "Review decisions").

Applying validates the whole sheet first: every problem is found before anything is
stored, and the first is reported with its sheet row (exit 2). Then the decisions go into
the store in one transaction, one audit entry lists them (tokens and codes, never a
number), and ``suppress`` decisions feed the do-not-contact store when the policy's
``[suppress] auto`` lists ``decisions``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scanner.errors import InputError
from scanner.i18n import Text
from scanner.io_errors import os_cause
from scanner.manifest import verified_folder
from scanner.policy import NEVER_APPROVABLE, Policy
from scanner.privacy.audit import append_audit, audit_dir, os_user
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.reveal import _read_report
from scanner.review.decisions import DECISIONS, store_decisions
from scanner.review.sheet import review_frame, sheet_format, write_sheet
from scanner.privacy.tokens import TOKEN_PATTERN

#: Columns a sheet must keep (any order; other columns are ignored).
REQUIRED = ("row", "phone_token", "phone_masked", "decision", "scan_id", "key_id")


def _vault_numbers(out_dir: Path, report: dict, keys: KeyMaterial) -> pl.DataFrame | None:
    vault = out_dir / "vault.bin"
    if not vault.exists():
        return None
    from scanner.phone.normalize import parse_distinct
    from scanner.privacy.vault import read_vault

    e164 = read_vault(vault, scan_id=report["scan"]["id"], keys=keys).get_column("e164").drop_nulls().unique()
    parsed = parse_distinct(pl.DataFrame({"raw": e164}).with_columns(region_hint=pl.lit("ZZ")))
    return parsed.select("e164", "national_number")


def export_sheet(out_dir: str | os.PathLike, to: str | os.PathLike, keys: KeyMaterial, *,
                 rows: str = "review", lang: str = "en") -> tuple[Path, int]:
    """Write the review sheet of a scan folder's ``rows`` verdicts (its explanations in
    ``lang``); returns (path, rows)."""
    out_dir = Path(out_dir)
    sheet_format(to)
    with verified_folder(out_dir, keys):
        report = _read_report(out_dir)
        frame = review_frame(pl.scan_parquet(out_dir / "rows.parquet"), report, keys, chosen=rows, lang=lang)
        numbers = _vault_numbers(out_dir, report, keys)
    return write_sheet(frame, to, numbers, lang), frame.height


# -- reading a sheet back --------------------------------------------------------------

def read_sheet(path: str | os.PathLike) -> pl.DataFrame:
    """A filled sheet as text columns named by their (trimmed, lower-cased) headers, with
    ``sheet_row``: the row (XLSX) or line (CSV) a person finds it on."""
    path = Path(path)
    fmt = sheet_format(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except OSError as exc:
        raise InputError("cannot read file ({cause})", path=str(path), cause=os_cause(exc)) from None
    try:
        if fmt == "xlsx":
            import fastexcel

            frame = fastexcel.read_excel(data).load_sheet(0, header_row=0, dtypes="string").to_polars()
        else:
            frame = pl.read_csv(data, infer_schema=False, encoding="utf8-lossy")
    except Exception as exc:  # noqa: BLE001 - any unreadable sheet is an input error
        raise InputError("not a readable review sheet ({error})", path=str(path), error=type(exc).__name__) from None
    names = [str(c).strip().lower() for c in frame.columns]
    frame = frame.rename(dict(zip(frame.columns, names)), strict=False) if len(set(names)) == len(names) else frame
    for column in REQUIRED:
        if column not in frame.columns:
            raise InputError("the sheet has no {column!r} column (its header row must keep it)", path=str(path),
                             column=column)
    return frame.select([pl.col(c).cast(pl.String) for c in (*REQUIRED, *(["note"] if "note" in frame.columns else []))]
                        ).with_row_index("sheet_row", offset=2)


def _integer(column: str) -> pl.Expr:
    """A cell Excel may have turned into a float (``17.0``) as an integer."""
    return pl.col(column).str.strip_chars().cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)


def _unneutralized(column: str) -> pl.Expr:
    """A cell as written before the formula guard's leading ``'``."""
    return pl.col(column).str.strip_chars().str.replace(r"^'([=+\-@\t\r])", "$1")


@dataclass(frozen=True)
class Applied:
    decisions: dict[str, int]
    suppressed: int
    scan_id: str
    audit_entry: dict


def validate(sheet: pl.DataFrame, rows: pl.DataFrame, report: dict, keys: KeyMaterial, policy: Policy,
             path: Path) -> pl.DataFrame:
    """The sheet's decisions (``token``, ``decision``, ``codes``, ``note``), or
    :class:`InputError` naming the first bad sheet row and how many more there are."""
    from scanner.decide import ActiveRules

    filled = sheet.with_columns(pl.col("decision").str.strip_chars().str.to_lowercase()).filter(
        pl.col("decision").is_not_null() & (pl.col("decision") != ""))
    scan_id, key_id = report["scan"]["id"], report["scan"].get("key_id")
    problems: list[tuple[int, str]] = []
    ids = sheet.filter(pl.col("scan_id").is_not_null()).select("sheet_row", pl.col("scan_id").str.strip_chars(),
                                                               pl.col("key_id").str.strip_chars())
    for sheet_row, sid, kid in ids.filter((pl.col("scan_id") != scan_id) | (pl.col("key_id") != keys.key_id)
                                          ).head(1).iter_rows():
        if kid != keys.key_id:
            problems.append((sheet_row, Text("made with key {made}, not the key in use ({key})", made=kid, key=keys.key_id)))
        else:
            problems.append((sheet_row, Text("from scan {sheet_scan}; the folder holds scan {scan} (export a new sheet)",
                                             sheet_scan=sid, scan=scan_id)))
    if key_id and key_id != keys.key_id:
        problems.append((2, Text("the scan was made with key {made}, not the key in use ({key})", made=key_id,
                                   key=keys.key_id)))
    checked = (filled.with_columns(_integer("row").alias("_row"),
                                   pl.col("phone_token").str.strip_chars().str.to_lowercase().alias("_token"),
                                   _unneutralized("phone_masked").alias("_mask"))
               .join(rows.select(pl.col("row").alias("_row"), pl.col("phone_token").alias("_scan_token"),
                                 pl.col("phone_masked").alias("_scan_mask"), "findings"),
                     on="_row", how="left", maintain_order="left"))
    known = set(rows.get_column("phone_token").drop_nulls().to_list())
    active = ActiveRules.from_policy(policy)
    approvable = set(policy.review.approvable) - set(NEVER_APPROVABLE)
    for rec in checked.iter_rows(named=True):
        at = rec["sheet_row"]
        if rec["decision"] not in DECISIONS:
            problems.append((at, Text("decision {decision!r} is not one of {choices}", decision=rec["decision"],
                                      choices=", ".join(DECISIONS))))
        elif rec["_row"] is None:
            problems.append((at, Text("the row column is not a row number")))
        elif rec["_token"] is None or not pl.Series([rec["_token"]]).str.contains(TOKEN_PATTERN).item():
            problems.append((at, Text("the phone_token column is not a phone token")))
        elif rec["_scan_token"] is None and rec["_token"] not in known:
            problems.append((at, Text("unknown phone token (not in this scan)")))
        elif rec["_scan_token"] is None:
            problems.append((at, Text("row {row_number} is not in the scan", row_number=rec["_row"])))
        elif rec["_scan_token"] != rec["_token"]:
            problems.append((at, Text("the number of row {row_number} changed (its token is not the scan's)",
                                      row_number=rec["_row"])))
        elif rec["_mask"] != rec["_scan_mask"]:
            problems.append((at, Text("the masked number was edited")))
        elif rec["decision"] == "approve":
            blocked = [c for c in rec["findings"] if active.severity.get(c) == "error" and c not in approvable]
            if blocked:
                problems.append((at, Text("approve: {code} can never be approved", code=blocked[0])
                                 if blocked[0] in NEVER_APPROVABLE
                                 else Text("approve: {code} is not in [review] approvable", code=blocked[0])))
    decided = checked.filter(pl.col("_scan_token").is_not_null()).group_by("_token").agg(
        pl.col("decision").n_unique().alias("n"), pl.col("sheet_row").min().alias("first"))
    for token_first in decided.filter(pl.col("n") > 1).get_column("first").to_list():
        problems.append((token_first, Text("another row of the sheet decides the same number differently")))
    if problems:
        problems.sort(key=lambda problem: problem[0])
        at, what = problems[0]
        more = Text(" (and {n} more)", n=len(problems) - 1) if len(problems) > 1 else ""
        raise InputError("sheet row {at}: {what}{more}; nothing was stored", path=str(path), at=at, what=what,
                         more=more)
    return (checked.unique("_token", keep="first", maintain_order=True)
            .select(pl.col("_token").alias("token"), "decision",
                    pl.col("findings").list.sort().list.join(",").alias("codes"),
                    pl.col("note").str.strip_chars() if "note" in checked.columns
                    else pl.lit(None, dtype=pl.String).alias("note")))


def apply_sheet(sheet_path: str | os.PathLike, out_dir: str | os.PathLike, keys: KeyMaterial, *,
                state_dir: str | os.PathLike, policy: Policy, reviewer: str | None = None) -> Applied:
    """Validate a filled sheet against its scan folder, then store its decisions."""
    from scanner.privacy.embedded import mask_texts

    sheet_path, out_dir = Path(sheet_path), Path(out_dir)
    sheet = read_sheet(sheet_path)
    with verified_folder(out_dir, keys):
        report = _read_report(out_dir)
        rows = pl.read_parquet(out_dir / "rows.parquet", columns=["row", "phone_token", "phone_masked", "findings"])
    decisions = validate(sheet, rows, report, keys, policy, sheet_path)
    # a note is free text: any number in it is masked before it is stored
    notes = decisions.get_column("note").drop_nulls().to_list()
    if notes:
        masked = mask_texts(notes, policy.campaign.region)
        decisions = decisions.with_columns(pl.col("note").replace_strict(masked, default=None))
    reviewer = reviewer or os_user()
    when = dt.datetime.now(dt.timezone.utc)
    scan_id = report["scan"]["id"]
    store_decisions(state_dir, keys.key_id, decisions, reviewer=reviewer, scan_id=scan_id, when=when)
    suppressed = 0
    if "decisions" in policy.suppress.auto:
        from scanner.suppress.store import add_entries

        tokens = decisions.filter(pl.col("decision") == "suppress").get_column("token")
        suppressed = add_entries(state_dir, keys.key_id, tokens, reason="review decision", source="decisions",
                                 who=reviewer, when=when)
    counts = {d: int((decisions.get_column("decision") == d).sum()) for d in DECISIONS}
    entry = append_audit(audit_dir(keys, state_dir), keys, {
        "action": "review-apply", "reviewer": reviewer, "scan_id": scan_id,
        "sheet": str(sheet_path.resolve()), "sheet_sha256": hashlib.sha256(sheet_path.read_bytes()).hexdigest(),
        "counts": counts, "suppressed": suppressed,
        "decisions": [{"token": t, "decision": d, "codes": c} for t, d, c in
                      decisions.select("token", "decision", "codes").iter_rows()],
    })
    return Applied(counts, suppressed, scan_id, entry)
