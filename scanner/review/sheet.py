"""The review sheet: the rows of a scan that need a person, as XLSX or CSV (docs/PRIVACY.md).

One row per chosen row of ``rows.parquet``: where the person finds it in their own file
(``line``) and the scan's ``row``, the masked number and its token, each finding in words
(code, name and one sentence about this row), the verdict, source, consent and consent
time, empty ``decision`` (a list of approve | reject | suppress in XLSX) and ``note``
columns, and the scan and key the sheet belongs to. No plaintext number: the text comes
from the scan's checked outputs, and the written sheet is searched for the vault's
numbers before it replaces the target (mode 0600, atomic).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

import polars as pl

from scanner.errors import InputError, VerificationFailed
from scanner.i18n import Gettext, N_, gettext_for
from scanner.privacy.keys import KeyMaterial
from scanner.privacy.safe_files import atomic_writer, text_workbook, write_csv
from scanner.rules import RULES

SHEET_COLUMNS = ("line", "row", "phone_masked", "phone_token", "findings", "verdict", "source", "consent",
                 "consent_time", "decision", "note", "scan_id", "key_id")
ROW_CHOICES = ("review", "reject", "accept", "all")


def _local(column: str, as_of: dt.datetime) -> pl.Expr:
    """A UTC time column as the scan's local wall time (the as-of time's UTC offset)."""
    offset = as_of.utcoffset() or dt.timedelta(0)
    return pl.col(column).dt.replace_time_zone(None) + pl.lit(offset)


def _format(_: Gettext, template: str, **values: pl.Expr) -> pl.Expr:
    """``template`` (``{name}`` placeholders) in the sheet's language, filled per row from
    ``values``: the translation may put the values in another order."""
    words = _(template)
    names = re.findall(r"\{(\w+)\}", words)
    return pl.format(re.sub(r"\{\w+\}", "{}", words), *(values[n] for n in names))


def _sentences(as_of: dt.datetime, max_age: int | None, channel: str, purpose: str, _: Gettext) -> pl.Expr:
    """One sentence per (row, finding) about this row, over ``code`` and the row's columns,
    in the language of ``_`` (the row's values as they are)."""
    code = pl.col("code")
    day = _local("consent_time", as_of).dt.date().cast(pl.String)
    days = (pl.lit(as_of.date()) - _local("consent_time", as_of).dt.date()).dt.total_days().cast(pl.String)
    source = pl.col("source").fill_null("")
    said = {
        "CN001": pl.lit(_("no consent recorded")),
        "CN002": _format(_, N_("consent says {consent}"), consent=pl.col("consent").fill_null(_("refused or withdrawn"))),
        "CN003": _format(_, N_("consent given {day}, {days} days before the scan; limit {limit}"), day=day, days=days,
                         limit=pl.lit(str(max_age) if max_age else "?")),
        "CN004": _format(_, N_("consent does not cover the campaign channel ({channel})"), channel=pl.lit(channel)),
        "CN005": _format(_, N_("consent does not cover the campaign purpose ({purpose})"), purpose=pl.lit(purpose)),
        "CN006": _format(_, N_("consent time {day} is after the scan ({as_of})"), day=day,
                         as_of=pl.lit(str(as_of.date()))),
        "CN007": pl.lit(_("consent claimed without an evidence reference")),
        "PR001": pl.lit(_("no source recorded")),
        "PR002": _format(_, N_("source \u201c{source}\u201d is not an approved source"), source=source),
        "PR003": _format(_, N_("source \u201c{source}\u201d says the list was bought or scraped"), source=source),
        "DU001": pl.lit(_("the same number is on an earlier row")),
        "DU002": _format(_, N_("rows of this number disagree on consent or source; the most restrictive ({consent}) wins"),
                         consent=pl.col("consent").fill_null(_("unknown"))),
        "SP001": pl.lit(_("on a do-not-contact list")),
        "PH004": _format(_, N_("a {type} number, not a mobile, for an SMS campaign"), type=pl.col("type").fill_null("?")),
        "PH006": _format(_, N_("a number of {region}, outside the allowed regions"), region=pl.col("region").fill_null("?")),
    }
    chain = None
    for c, text in said.items():
        chain = (pl.when(code == c) if chain is None else chain.when(code == c)).then(text)
    expr = chain.otherwise(code.replace_strict({c: _(r.summary) for c, r in RULES.items()}, default=None))
    name = code.replace_strict({c: r.name for c, r in RULES.items()}, default="")
    return pl.format("{} {}: {}", code, name, expr.fill_null(""))


def review_frame(rows: pl.LazyFrame, report: dict, keys: KeyMaterial, *, chosen: str = "review",
                 lang: str = "en") -> pl.DataFrame:
    """The sheet's rows for ``chosen`` verdicts (``all``: every row) of a scan's rows output,
    the findings explained in ``lang`` (the column names and values stay as ``review apply``
    reads them)."""
    if chosen not in ROW_CHOICES:
        raise InputError("--rows must be one of {choices}", choices=", ".join(ROW_CHOICES))
    as_of = dt.datetime.fromisoformat(report["scan"]["as_of"])
    policy = report.get("policy") or {}
    schema = rows.collect_schema()
    wanted = rows if chosen == "all" else rows.filter(pl.col("verdict") == chosen)
    columns = ["row", "line", "phone_masked", "phone_token", "findings", "verdict", "source", "consent",
               "consent_time", "type", "region"]
    missing = [c for c in columns if c not in schema]
    if missing:
        raise InputError("rows.parquet lacks column {column!r}; re-scan with this version", column=missing[0])
    picked = wanted.select(columns).collect()
    words = (picked.select("row", "findings", "source", "consent", "consent_time", "type", "region")
             .explode("findings").rename({"findings": "code"}).filter(pl.col("code").is_not_null())
             .select("row", _sentences(as_of, policy.get("max_consent_age_days"), policy.get("channel", "sms"),
                                       policy.get("purpose", "marketing"), gettext_for(lang)).alias("text"))
             .group_by("row", maintain_order=True).agg(pl.col("text").str.join("\n").alias("findings_text")))
    return (picked.join(words, on="row", how="left", maintain_order="left")
            .select(pl.col("line").fill_null(pl.col("row")), "row", "phone_masked", "phone_token",
                    pl.col("findings_text").fill_null("").alias("findings"), "verdict",
                    pl.col("source"), pl.col("consent"),
                    _local("consent_time", as_of).dt.strftime("%Y-%m-%d %H:%M").alias("consent_time"),
                    pl.lit(None, dtype=pl.String).alias("decision"), pl.lit(None, dtype=pl.String).alias("note"),
                    pl.lit(report["scan"]["id"]).alias("scan_id"),
                    pl.lit(report["scan"].get("key_id") or keys.key_id).alias("key_id")))


def _xlsx_bytes(frame: pl.DataFrame, _: Gettext) -> bytes:
    buffer = io.BytesIO()
    book = text_workbook(buffer, frame.height)  # strings stay strings: no formula, number or link
    sheet = book.add_worksheet("review")
    bold, wrap = book.add_format({"bold": True}), book.add_format({"text_wrap": True, "valign": "top"})
    top = book.add_format({"valign": "top"})
    sheet.write_row(0, 0, frame.columns, bold)
    for r, values in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, int):
                sheet.write_number(r, c, value, top)
            else:
                sheet.write_string(r, c, str(value), wrap if frame.columns[c] == "findings" else top)
    decision = frame.columns.index("decision")
    sheet.data_validation(1, decision, max(frame.height, 1), decision, {
        "validate": "list", "source": ["approve", "reject", "suppress"],
        "error_title": "decision", "error_message": _("approve, reject or suppress (or leave it empty)")})
    widths = {"findings": 70, "phone_token": 34, "note": 30, "scan_id": 34, "consent_time": 17}
    for c, name in enumerate(frame.columns):
        sheet.set_column(c, c, widths.get(name, 12))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(frame.height, 1), frame.width - 1)
    book.close()
    return buffer.getvalue()


def sheet_bytes(frame: pl.DataFrame, fmt: str, lang: str = "en") -> bytes:
    """The sheet as XLSX or CSV bytes (CSV formula-safe, UTF-8 with a BOM for Excel)."""
    if fmt == "xlsx":
        return _xlsx_bytes(frame, gettext_for(lang))
    buffer = io.BytesIO()
    write_csv(buffer, frame, path="review.csv", encoding="utf-8-sig")
    return buffer.getvalue()


def sheet_format(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".csv"):
        return suffix[1:]
    raise InputError("the review sheet must be .xlsx or .csv", path=str(path))


def check_no_plaintext(data: bytes, fmt: str, numbers: pl.DataFrame | None, path: Path) -> None:
    """Refuse a sheet in which the scan's numbers appear (``numbers``: ``e164`` and
    ``national_number`` from the vault; None: the scan kept no vault to check against)."""
    if numbers is None or not numbers.height:
        return
    from scanner.privacy.exposure import Needles, count_plaintext_by_source

    if fmt == "xlsx":
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            text = "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    else:
        text = data.decode("utf-8-sig", "replace")
    found = count_plaintext_by_source({"sheet": pl.Series(text.splitlines(), dtype=pl.String)},
                                      Needles.of(numbers))["sheet"]
    if found:
        raise VerificationFailed("{n} plaintext number(s) in the review sheet; nothing was written",
                                 path=str(path), n=found)


def write_sheet(frame: pl.DataFrame, to: str | os.PathLike, numbers: pl.DataFrame | None, lang: str = "en") -> Path:
    to = Path(to)
    fmt = sheet_format(to)
    data = sheet_bytes(frame, fmt, lang)
    check_no_plaintext(data, fmt, numbers, to)
    with atomic_writer(to) as fh:
        fh.write(data)
    return to
