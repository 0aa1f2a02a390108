"""Reveal: the one explicit, audited way real numbers leave the vault (docs/PRIVACY.md).

:func:`reveal` reads a scan's output directory (``report.json`` for the scan id and input
hash, ``rows.parquet`` for row verdicts, ``vault.bin`` for the numbers) only once it matches
its ``manifest.json`` (:mod:`scanner.manifest`: one complete scan, nothing edited), checks
that the three belong together, writes a CSV ``row,phone[,name]`` of the chosen rows (formula-safe,
atomic, mode 0600) and appends an authenticated entry to the audit log. The CSV is moved
into place only after the entry is written: no reveal without an audit trail, and a reveal
that fails leaves any earlier file of that name as it was.

The vault holds every number of every phone column. By default a row gives its *contact
number* (rows.parquet's ``phone_token``); with ``all_numbers`` every number of the row
whose own verdict is the one chosen (rows.parquet's ``phones``), as ``row,column,phone``.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
import polars as pl
from phonenumbers import carrierdata

from scanner.errors import InputError, VerificationFailed
from scanner.i18n import N_, Text
from scanner.manifest import verified_folder
from scanner.privacy.audit import AUDIT_FILE_NAME, append_audit, audit_dir, check_audit_chain, check_reason
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.safe_files import atomic_writer, write_csv, write_xlsx
from scanner.privacy.tokens import token_expr
from scanner.privacy.vault import VaultTampered, read_vault

ROW_CHOICES = ("accept", "review", "all")
FORMATS = ("e164", "national")
SPLITS = ("carrier",)
CARRIERS = ("移动", "联通", "电信", "广电")
OTHER_CARRIER = "其他"
PORTABILITY_NOTE = N_("the carrier comes from the number's prefix; with number portability "
                       "(携号转网) it is a hint, not the current carrier")


@dataclass(frozen=True)
class RevealResult:
    files: dict[Path, int]          # output file -> rows written
    rows: int
    scan_id: str
    notes: list[Text] = field(default_factory=list)
    audit: dict = field(default_factory=dict)
    #: the audit log the reveal was recorded in
    audit_log: Path | None = None


def _read_report(out_dir: Path) -> dict:
    path = out_dir / "report.json"
    try:
        report = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError("report.json not found; is this a scan output directory?", path=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("report.json is not readable JSON", path=str(path)) from None
    scan_id = (report.get("scan") or {}).get("id") if isinstance(report, dict) else None
    if not isinstance(scan_id, str) or not scan_id:
        raise InputError("report.json has no scan.id", path=str(path))
    return report


def _read_verdicts(out_dir: Path) -> pl.DataFrame:
    """rows.parquet's ``row``, ``verdict``, the contact number's ``phone_token`` and
    ``contact_column``, and ``phones`` (several phone columns), as far as present."""
    path = out_dir / "rows.parquet"
    try:
        schema = pl.read_parquet_schema(path)
    except FileNotFoundError:
        raise InputError("rows.parquet not found; is this a scan output directory?", path=str(path)) from None
    except Exception:
        raise InputError("rows.parquet is not a readable Parquet file", path=str(path)) from None
    missing = {"row", "verdict"} - schema.keys()
    if missing:
        raise InputError("rows.parquet lacks column(s) {columns}", path=str(path), columns=sorted(missing))
    columns = ["row", "verdict"] + [c for c in ("line", "phone_token", "contact_column", "phones") if c in schema]
    return pl.read_parquet(path, columns=columns).with_columns(pl.col("row").cast(pl.Int64))


def _numbers_of_rows(verdicts: pl.DataFrame, primary: str | None) -> pl.DataFrame:
    """Every number rows.parquet names: ``row``, ``column``, ``phone_token``, ``verdict`` (the
    number's own). Without ``phones`` (one phone column) a row's one number is its contact
    number; ``primary`` names its column when rows.parquet does not."""
    if "phones" in verdicts.columns:
        return (verdicts.select("row", "phones").explode("phones").unnest("phones")
                .select("row", "column", pl.col("token").alias("phone_token"), "verdict")
                .filter(pl.col("phone_token").is_not_null()))
    column = pl.col("contact_column") if "contact_column" in verdicts.columns else pl.lit(primary, pl.String)
    return (verdicts.filter(pl.col("phone_token").is_not_null())
            .select("row", column.alias("column"), "phone_token", "verdict"))


def _check_consistency(vault: pl.DataFrame, verdicts: pl.DataFrame, keys: KeyMaterial,
                       vault_path: Path, rows_path: Path) -> None:
    """Vault tokens must be the key's tokens of its numbers, and match rows.parquet."""
    bad = vault.filter(pl.col("e164").is_not_null()).select(
        (token_expr(keys, "phone", pl.col("e164")) != pl.col("phone_token")).sum()
    ).item()
    if bad:
        raise VaultTampered("{n} vault entries do not match their tokens", path=str(vault_path), n=bad)
    if "phone_token" in verdicts.columns:
        # every vault entry of a row of rows.parquet must be one of that row's numbers
        known = _numbers_of_rows(verdicts, None).select("row", "phone_token")
        mismatched = (vault.join(verdicts.select("row"), on="row", how="semi")
                      .join(known, on=["row", "phone_token"], how="anti").height)
        if mismatched:
            raise VerificationFailed("{n} rows disagree with the vault (rows.parquet from another scan or edited?)",
                                     path=str(rows_path), n=mismatched)


def national_expr(e164: pl.Expr) -> pl.Expr:
    """CN mobile E.164 -> the 11 national digits (vectorized); null where that shape fails."""
    return pl.when(e164.str.contains(r"^\+861[0-9]{10}$")).then(e164.str.slice(3))


def _national_one(e164: str, region: str) -> str:
    """National digits for numbers of ``region`` (NATIONAL format, digits only), else E.164."""
    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) != region:
        return e164
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in formatted if ch.isdigit())


def format_numbers(frame: pl.DataFrame, fmt: str, region: str = "CN") -> tuple[pl.DataFrame, int]:
    """Add ``phone`` in ``fmt``; returns the frame and how many numbers kept E.164 (foreign)."""
    if fmt == "e164":
        return frame.with_columns(phone=pl.col("e164")), 0
    fast = frame.with_columns(phone=national_expr(pl.col("e164")) if region == "CN" else pl.lit(None, pl.String))
    residue = fast.filter(pl.col("phone").is_null())["e164"].unique().drop_nulls()
    if residue.len():
        table = pl.DataFrame({"e164": residue, "_nat": [_national_one(v, region) for v in residue]})
        fast = fast.join(table, on="e164", how="left").with_columns(
            phone=pl.coalesce("phone", "_nat")).drop("_nat")
    kept = fast.filter(pl.col("phone").str.starts_with("+")).height
    return fast, kept


def _carrier_table() -> pl.DataFrame:
    rows = []
    for prefix, names in carrierdata.CARRIER_DATA.items():
        if prefix.startswith("86"):
            zh = names.get("zh", "")
            short = next((c for c in CARRIERS if c in zh), OTHER_CARRIER)
            rows.append((prefix, short))
    return pl.DataFrame(rows, schema={"prefix": pl.String, "carrier": pl.String}, orient="row")


def carrier_of(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``carrier`` (移动/联通/电信/广电/其他) by longest-prefix match on phonenumbers' data.

    Only CN mobile numbers get a carrier; every other number is ``其他``.
    """
    table = _carrier_table()
    digits = frame.select(pl.col("e164").unique().drop_nulls())
    digits = digits.with_columns(_d=pl.col("e164").str.strip_prefix("+"))
    lengths = sorted(table["prefix"].str.len_chars().unique().to_list(), reverse=True)
    parts = []
    for length in lengths:
        sub = table.filter(pl.col("prefix").str.len_chars() == length).rename({"carrier": f"_c{length}"})
        digits = digits.join(sub, left_on=pl.col("_d").str.slice(0, length), right_on="prefix", how="left")
        digits = digits.drop([c for c in digits.columns if c in ("prefix",)])
        parts.append(f"_c{length}")
    cn_mobile = pl.col("e164").str.contains(r"^\+861[0-9]{10}$")
    digits = digits.select(
        "e164",
        carrier=pl.when(cn_mobile).then(pl.coalesce(*parts, pl.lit(OTHER_CARRIER))).otherwise(pl.lit(OTHER_CARRIER)),
    )
    return frame.join(digits, on="e164", how="left")


#: What ``--to`` may name, by its extension (none: CSV).
WRITTEN_FORMATS = {".csv": "csv", "": "csv", ".xlsx": "xlsx"}


def _written_format(to: Path) -> str:
    """The file format ``to``'s extension names; any other is refused before anything is read."""
    written = WRITTEN_FORMATS.get(to.suffix.lower())
    if written is None:
        raise InputError("reveal writes .csv or .xlsx, not {suffix}", path=str(to), suffix=to.suffix)
    return written


def _split_path(to: Path, carrier: str) -> Path:
    suffix = to.suffix or ".csv"
    return to.with_name(f"{to.stem if to.suffix else to.name}.{carrier}{suffix}")


def reveal(out_dir: str | os.PathLike, *, to: str | os.PathLike, reason: str, keys: KeyMaterial,
           state_dir: str | os.PathLike, rows: str = "accept", fmt: str = "e164",
           encoding: str = "utf-8", split_by: str | None = None, region: str = "CN",
           all_numbers: bool = False) -> RevealResult:
    """Write the real numbers of the chosen rows of a scan to ``to`` and audit it.

    ``rows``: ``accept`` (default, what may be imported), ``review`` (only the rows a human
    must look at) or ``all`` (every row the vault holds). ``fmt``: ``e164`` (``+8613800138000``)
    or ``national`` (``13800138000``; numbers outside ``region`` stay E.164). ``to``'s
    extension names the format: ``.csv`` (or none) CSV in ``encoding``, ``.xlsx`` a
    workbook whose numbers are text cells; any other is refused. ``split_by``:
    ``carrier`` writes ``<stem>.<carrier>.csv`` per CN carrier. ``all_numbers``: every number
    whose own verdict is ``rows`` (with its ``column``), not only each row's contact number.
    The audit entry goes to the log beside the key (:func:`audit_dir`); a broken, unsealed
    chain there refuses the reveal before anything is written.
    """
    reason = check_reason(reason)
    audit_folder = audit_dir(keys, state_dir)
    check_audit_chain(audit_folder, keys)
    if rows not in ROW_CHOICES or fmt not in FORMATS or (split_by is not None and split_by not in SPLITS):
        raise InputError("bad reveal options: rows={rows!r} format={format!r} split_by={split_by!r}",
                         rows=rows, format=fmt, split_by=split_by)
    out_dir, to = Path(out_dir), Path(to)
    written = _written_format(to)
    vault_path = out_dir / "vault.bin"
    # The folder must be exactly one scan (its manifest), read under its shared lock.
    with verified_folder(out_dir, keys) as manifest:
        if "vault.bin" not in manifest.names():
            raise InputError("the scan wrote no vault (privacy.vault is off): nothing to reveal",
                             path=str(vault_path))
        report = _read_report(out_dir)
        scan_id = report["scan"]["id"]
        verdicts = _read_verdicts(out_dir)
        vault = read_vault(vault_path, scan_id=scan_id, keys=keys)
    _check_consistency(vault, verdicts, keys, vault_path, out_dir / "rows.parquet")

    primary = ((report.get("input") or {}).get("columns") or {}).get("phone")
    numbers = _numbers_of_rows(verdicts, primary)
    if all_numbers:
        chosen = numbers if rows == "all" else numbers.filter(pl.col("verdict") == rows)
    else:
        # a row's contact number: its phone_token (a row without one has nothing to reveal)
        contact = (verdicts if rows == "all" else verdicts.filter(pl.col("verdict") == rows)).select("row")
        chosen = numbers.join(contact, on="row", how="semi").join(
            verdicts.select("row", "phone_token"), on=["row", "phone_token"], how="semi").unique(
            ["row", "phone_token"], keep="first", maintain_order=True)
    # one vault entry per (row, number): a number twice in one row is stored twice
    entries = vault.filter(pl.col("e164").is_not_null()).unique(["row", "phone_token"], keep="first",
                                                                 maintain_order=True)
    selected = (chosen.select("row", "column", "phone_token")
                .join(entries, on=["row", "phone_token"], how="inner", maintain_order="left")
                .sort("row", maintain_order=True))
    # (a scan older than the ``line`` column reveals without it)
    line = ["line"] if "line" in verdicts.columns else []
    if line:
        selected = selected.join(verdicts.select("row", "line"), on="row", how="left", maintain_order="left")
    formatted, kept = format_numbers(selected, fmt, region)
    columns = ["row", *line, *(["column"] if all_numbers else []), "phone"] + (["name"] if "name" in vault.columns else [])
    notes = []
    if kept:
        notes.append(Text("{n} numbers outside {region} kept in E.164 form", n=kept, region=region))

    outputs: dict[Path, pl.DataFrame] = {}
    if split_by == "carrier":
        with_carrier = carrier_of(formatted)
        for carrier in [*CARRIERS, OTHER_CARRIER]:
            part = with_carrier.filter(pl.col("carrier") == carrier)
            if part.height:
                outputs[_split_path(to, carrier)] = part.select(columns)
        notes.append(Text(PORTABILITY_NOTE))
    else:
        outputs[to] = formatted.select(columns)

    # Each file is written beside its target and moved into place only once the audit entry
    # is: a reveal that fails (disk full, audit log not writable) leaves the files as they were.
    with contextlib.ExitStack() as staged:
        for path, frame in outputs.items():
            if written == "xlsx":
                write_xlsx(staged.enter_context(atomic_writer(path)), frame, sheet="numbers")
            else:  # E.164 values are exempt from neutralization (safe_files), so they stay importable
                write_csv(staged.enter_context(atomic_writer(path)), frame, path=path, encoding=encoding)
        entry = append_audit(audit_folder, keys, {
            "action": "reveal",
            "reason": reason,
            "outputs": [str(p.resolve()) for p in outputs],
            "rows": selected.height,
            "rows_selected": rows,
            "all_numbers": all_numbers,
            "format": fmt,
            "split_by": split_by,
            "scan_id": scan_id,
            "input_sha256": (report.get("input") or {}).get("sha256"),
            "out_dir": str(out_dir.resolve()),
        })
    return RevealResult({p: f.height for p, f in outputs.items()}, selected.height, scan_id, notes, entry,
                        audit_folder / AUDIT_FILE_NAME)
