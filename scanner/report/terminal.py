"""The ten-second terminal summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from scanner.rules import RULES
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
            console.print(f"unmapped {column} values (rows): {shown}{more} -> map them: {hint}",
                          markup=False, highlight=False, style="yellow")
        else:
            rows = (inp.get("dates", {}).get(column) or {}).get("unreadable") or sum(v["rows"] for v in values)
            hint = f'[columns] formats = {{ {column} = "%d.%m.%Y %H:%M" }}'
            console.print(f"unreadable {column}: {rows:,} rows, shaped {shown}{more} -> give the format: {hint}",
                          markup=False, highlight=False, style="yellow")
    for column, reading in (inp.get("dates") or {}).items():
        if reading.get("format"):
            console.print(f"{column} read as {reading['format']} ([columns] formats)", markup=False, highlight=False)
        elif reading.get("day_month_values"):
            how = "decided by the values" if reading["decided_by"] == "values" else "assumed: no value tells"
            console.print(f"{column}: day/month dates read {reading['order']} ({how})", markup=False, highlight=False)


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
        lines.append(f"{role} ← {c['column']!r}: {evidence}")
    unused = mapping.get("unused", [])
    if unused:
        lines.append("unused columns that look like a role:")
        for u in unused:
            use = f"  → {u['columns_line']}" if u.get("columns_line") else ""
            lines.append(f"  {u['column']!r}: looks like {u['looks_like']}{use}")
    return lines


_INVERTED = "read inverted (yes = refused, no = granted)"
_ROLE_ORDER = ("phone", "name", "email", "source", "consent", "consent_channel", "consent_purpose",
               "consent_time", "consent_evidence", "region", "collected_at")


def print_summary(report: dict[str, Any], written: dict[str, Path] | None, console: Console) -> None:
    rows = report["rows"]
    lst = report["list"]
    inp = report["input"]
    console.print(
        f"[bold]contact-scanner[/] {inp.get('path') or '<frame>'}  "
        f"({inp['format']}{', ' + inp['encoding'] if inp.get('encoding') else ''}, {rows['total']:,} rows)"
    )
    for line in mapping_lines(inp):
        console.print(line, markup=False, highlight=False)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("verdict")
    table.add_column("rows", justify="right")
    table.add_column("share", justify="right")
    for verdict, style in (("accept", "green"), ("review", "yellow"), ("reject", "red")):
        n = rows[verdict]
        share = f"{n / rows['total']:.1%}" if rows["total"] else "-"
        table.add_row(f"[{style}]{verdict}[/]", f"{n:,}", share)
    console.print(table)
    rank = {"error": 0, "warning": 1, "info": 2}

    def severity(code: str) -> str:
        return (report.get("rules", {}).get(code) or {"severity": RULES[code].severity})["severity"]

    # Errors first (they decide rejections), then by how many rows they hit.
    findings = sorted(report["findings"].items(), key=lambda kv: (rank[severity(kv[0])], -kv[1], kv[0]))
    if findings:
        top = Table(show_header=True, header_style="bold", box=None, pad_edge=False, title=None)
        top.add_column("code")
        top.add_column("finding")
        top.add_column("severity")
        top.add_column("count", justify="right")
        limit = 8
        for code, count in findings[:limit]:
            meta = report.get("rules", {}).get(code) or {"name": RULES[code].name, "severity": RULES[code].severity}
            unit = " columns" if RULES[code].kind == "column" else ""
            top.add_row(code, meta["name"], meta["severity"], f"{count:,}{unit}")
        console.print(top)
        if len(findings) > limit:
            console.print(f"  … and {len(findings) - limit} more finding codes in report.json")
        phones = len(report.get("input", {}).get("phone_columns") or ())
        if phones > 1:
            # the counts are per number while the verdicts above are per row
            console.print(f"  findings count every number of the {phones} phone columns; a row's verdict is "
                          "its contact number's (rows.parquet: contact_column, phones)")
    purchased = lst.get("purchased", {})
    fired = [s for s in purchased.get("signals", []) if s.get("fired")]
    for sig in fired[:5]:
        console.print(f"  signal {sig['code']} {sig['name']}: {sig.get('detail', '')}")
    style = VERDICT_STYLE.get(lst["verdict"], "bold")
    console.print(
        f"list verdict: [{style}]{lst['verdict'].upper()}[/]  "
        f"(rejected {lst.get('reject_share', 0):.1%}; duplicates {lst['duplicates']['rows']:,}; "
        f"purchased score {purchased.get('score', 0):.2f})"
    )
    _print_unread(inp, console)
    privacy = report.get("privacy") or {}
    if privacy.get("masked_cells"):
        cells = ", ".join(f"{c} {n:,}" for c, n in privacy["masked_cells"].items())
        console.print(f"phone numbers inside text masked (cells): {cells}", markup=False)
    if privacy.get("keep_verbatim"):
        console.print(f"kept verbatim, not masked ([columns] keep_verbatim): {', '.join(privacy['keep_verbatim'])}",
                      markup=False)
    if written:
        out_dir = Path(next(iter(written.values()))).parent
        console.print(f"outputs: {mask_message(str(out_dir))}/ ({', '.join(sorted(p.name for p in written.values()))})")
