"""The ten-second terminal summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from scanner.i18n import _, current_lang
from scanner.codes import CODES, rule_doc
from scanner.privacy.embedded import mask_message

VERDICT_STYLE = {"pass": "bold green", "review": "bold yellow", "fail": "bold red"}
#: The policy key that maps each vocabulary column's values.
VOCABULARY_KEYS = {"consent": "consent", "consent_channel": "channel", "consent_purpose": "purpose"}
VALUES_SHOWN = 5


def _print_unread(inp: dict[str, Any], console: Console) -> None:
    """Values nothing mapped and times nothing could read, with their rows and the policy
    key that would take them; and how day/month times were read."""
    unmapped = inp.get("unmapped") or {}
    for column, values in unmapped.items():
        shown = ", ".join(f"{v['value']} ({v['rows']:,})" for v in values[:VALUES_SHOWN])
        more = f", … {len(values) - VALUES_SHOWN} more" if len(values) > VALUES_SHOWN else ""
        if column in VOCABULARY_KEYS:
            example = values[0]["value"]
            hint = f'[vocabulary] {VOCABULARY_KEYS[column]} = {{ "{example}" = "…" }}'
            console.print(_("unmapped {column} values (rows): {shown}{more} -> map them: {hint}").format(
                column=column, shown=shown, more=more, hint=hint), markup=False, highlight=False, style="yellow")
        else:
            rows = (inp.get("dates", {}).get(column) or {}).get("unreadable") or sum(v["rows"] for v in values)
            hint = f'[columns] formats = {{ {column} = "%d.%m.%Y %H:%M" }}'
            console.print(_("unreadable {column}: {rows} rows, shaped {shown}{more} -> give the format: {hint}")
                          .format(column=column, rows=f"{rows:,}", shown=shown, more=more, hint=hint),
                          markup=False, highlight=False, style="yellow")
    for column, reading in (inp.get("dates") or {}).items():
        if reading.get("format"):
            console.print(_("{column} read as {format} ([columns] formats)").format(
                column=column, format=reading["format"]), markup=False, highlight=False)
        elif reading.get("day_month_values"):
            how = _("decided by the values") if reading["decided_by"] == "values" else _("assumed: no value tells")
            console.print(_("{column}: day/month dates read {order} ({how})").format(
                column=column, order=_(reading["order"]), how=how), markup=False, highlight=False)


def mapping_lines(inp: dict[str, Any]) -> list[str]:
    """The column mapping, first: one line per role (``role ← column``, its evidence in a
    few words), then the unused columns that look like a role, each with the ``[columns]``
    line that would use it. Headers are shown as the report holds them (never a number)."""
    mapping = inp.get("mapping")
    inverted = set(inp.get("inverted", ()))
    if not mapping:
        return [f"{c} ← {inp.get('columns', {}).get(c, c)!r}: {_INVERTED}" for c in sorted(inverted)]
    lines = []
    assigned = [c for c in mapping["columns"] if c.get("role")]
    order = {role: i for i, role in enumerate(_ROLE_ORDER)}
    for c in sorted(assigned, key=lambda c: (order.get(c["role"], 99), not c.get("primary", True),
                                             c["position"])):
        role = c["role"] if c["role"] != "phone" or c.get("primary", True) else "phone (also)"
        evidence = c.get("evidence", "")
        if c["role"] in inverted:
            evidence = _INVERTED + "; " + evidence.replace("; read inverted (states refusal)", "")
        if current_lang() != "en":  # the report's evidence is English: say it from its fields
            from scanner.report.html import evidence_words

            role = _(c["role"]) + ("" if c["role"] != "phone" or c.get("primary", True) else _(" (also)"))
            evidence = "; ".join(evidence_words(c, _))
        lines.append(f"{role} ← {c['column']!r}: {evidence}")
    unused = mapping.get("unused", [])
    if unused:
        lines.append(_("unused columns that look like a role:"))
        for u in unused:
            use = f"  → {u['columns_line']}" if u.get("columns_line") else ""
            lines.append(_("  {column}: looks like {what}{use}").format(column=repr(u["column"]), what=_looks_like(u),
                                                                         use=use))
    return lines


def _looks_like(u: dict[str, Any]) -> str:
    from scanner.report.html import looks_like

    return looks_like(u, _)


_INVERTED = "read inverted (yes = refused, no = granted)"
_ROLE_ORDER = ("phone", "name", "email", "source", "consent", "consent_channel", "consent_purpose",
               "consent_time", "consent_evidence", "region", "collected_at")


def _print_loop(report: dict[str, Any], console: Console) -> None:
    """The review loop's lines: changes since the list's last version, decisions counted,
    ledger events after --as-of."""
    changes = report["list"].get("changes")
    if changes:
        numbers, was = changes["numbers"], changes["against"]
        moved = ", ".join(f"{c} {v['before']:,}\u2192{v['now']:,}" for c, v in changes["findings"].items())
        console.print(_("changes since {name} v{version} ({date}): {added} numbers added, {removed} removed").format(
            name=was["list"], version=was["version"], date=was["registered_at"], added=f"{numbers['added']:,}",
            removed=f"{numbers['removed']:,}")
            + ("; " + _("findings {moved}").format(moved=moved) if moved else "; " + _("findings unchanged")),
            markup=False)
    review = report.get("review") or {}
    if review.get("rows_decided") or review.get("stale"):
        console.print(_("decided by a person: {rows} rows (approve {approve}, reject {reject}, suppress "
                        "{suppress}); {stale} decisions no longer count").format(
            rows=f"{review['rows_decided']:,}", approve=f"{review['approve']:,}", reject=f"{review['reject']:,}",
            suppress=f"{review['suppress']:,}", stale=f"{review['stale']:,}"), markup=False)
    after = (report.get("consent") or {}).get("ledger_after_as_of")
    if after:
        console.print(_("consent ledger: {n} events after --as-of were not used").format(n=f"{after:,}"),
                      markup=False)


def print_summary(report: dict[str, Any], written: dict[str, Path] | None, console: Console) -> None:
    rows = report["rows"]
    lst = report["list"]
    inp = report["input"]
    console.print(
        f"[bold]contact-scanner[/] {inp.get('path') or '<frame>'}  "
        f"({inp['format']}{', ' + inp['encoding'] if inp.get('encoding') else ''}, "
        + _("{rows} rows").format(rows=f"{rows['total']:,}") + ")"
    )
    for line in mapping_lines(inp):
        console.print(line, markup=False, highlight=False)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column(_("verdict"))
    table.add_column(_("rows"), justify="right")
    table.add_column(_("share"), justify="right")
    for verdict, style in (("accept", "green"), ("review", "yellow"), ("reject", "red")):
        n = rows[verdict]
        share = f"{n / rows['total']:.1%}" if rows["total"] else "-"
        table.add_row(f"[{style}]{_(verdict)}[/]", f"{n:,}", share)
    console.print(table)
    rank = {"error": 0, "warning": 1, "info": 2}

    def severity(code: str) -> str:
        return (report.get("rules", {}).get(code) or {"severity": CODES[code].severity})["severity"]

    # Errors first (they decide rejections), then by how many rows they hit.
    findings = sorted(report["findings"].items(), key=lambda kv: (rank[severity(kv[0])], -kv[1], kv[0]))
    if findings:
        top = Table(show_header=True, header_style="bold", box=None, pad_edge=False, title=None)
        top.add_column(_("code"))
        top.add_column(_("finding"))
        top.add_column(_("severity"))
        top.add_column(_("count"), justify="right")
        limit = 8
        for code, count in findings[:limit]:
            meta = report.get("rules", {}).get(code) or {"name": CODES[code].name, "severity": CODES[code].severity}
            unit = _(" columns") if CODES[code].kind == "column" else ""
            # in English the rule's name (the contract); in another language what it flags
            name = meta["name"] if current_lang() == "en" else _(CODES[code].summary)
            top.add_row(code, name, _(meta["severity"]), f"{count:,}{unit}")
        console.print(top)
        if len(findings) > limit:
            console.print(_("  … and {n} more finding codes in report.json").format(n=len(findings) - limit))
        phones = len(report.get("input", {}).get("phone_columns") or ())
        if phones > 1:
            # the counts are per number while the verdicts above are per row
            console.print(_("  findings count every number of the {phones} phone columns; a row's verdict is "
                            "its contact number's (rows.parquet: contact_column, phones)").format(phones=phones))
    purchased = lst.get("purchased", {})
    fired = [s for s in purchased.get("signals", []) if s.get("fired")]
    for sig in fired[:5]:
        if current_lang() == "en":
            console.print(f"  signal {sig['code']} {sig['name']}: {sig.get('detail', '')}", markup=False)
        else:
            from scanner.report.html import signal_detail

            console.print(_("  signal {code} {summary}: {detail}").format(
                code=sig["code"], summary=_(rule_doc(sig["code"])[1]), detail=signal_detail(sig, _)), markup=False)
    from scanner.report.html import explanation

    for key in ("explanation", "not_held_against"):
        # the fitted models: why the list is (or is not) likely purchased, when a signal fired
        why = explanation(purchased, key, current_lang())
        if why and (fired or purchased.get("likely")):
            console.print(f"  {why}", markup=False)
    style = VERDICT_STYLE.get(lst["verdict"], "bold")
    verdict = lst["verdict"].upper() if current_lang() == "en" else _(lst["verdict"])
    console.print(
        _("list verdict:") + f" [{style}]{verdict}[/]  "
        + _("(rejected {share}; duplicates {duplicates}; purchased score {score})").format(
            share=f"{lst.get('reject_share', 0):.1%}", duplicates=f"{lst['duplicates']['rows']:,}",
            score=f"{purchased.get('score', 0):.2f}")
    )
    _print_loop(report, console)
    _print_unread(inp, console)
    privacy = report.get("privacy") or {}
    if privacy.get("masked_cells"):
        cells = ", ".join(f"{c} {n:,}" for c, n in privacy["masked_cells"].items())
        console.print(_("phone numbers inside text masked (cells): {cells}").format(cells=cells), markup=False)
    if privacy.get("keep_verbatim"):
        console.print(_("kept verbatim, not masked ([columns] keep_verbatim): {columns}").format(
            columns=", ".join(privacy["keep_verbatim"])), markup=False)
    if written:
        out_dir = Path(next(iter(written.values()))).parent
        console.print(_("outputs: {folder}/ ({files})").format(
            folder=mask_message(str(out_dir)), files=", ".join(sorted(p.name for p in written.values()))))
