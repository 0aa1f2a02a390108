"""``contact-scanner rules [CODE]``: every code of the registry (:mod:`scanner.codes`), or one
entry's documentation, where it is implemented and where its tests are."""

from __future__ import annotations

import click

from scanner.commands.options import emit, format_option
from scanner.errors import ScannerError
from scanner.i18n import _, current_lang


def _kind(entry) -> str:
    sig = entry.signal
    return "hard" if sig.hard else ("weight " + str(sig.weight) if sig.weight else "v2 input")


@click.command("rules")
@click.argument("code", required=False)
@format_option
def command(code, fmt):
    """List every rule and list signal, or explain one (e.g. `contact-scanner rules CN002`)."""
    from scanner.codes import CODES, lookup

    if code is None:
        if fmt == "json":
            return emit(fmt, [_as_json(e) for e in CODES.values()])
        return _listing(CODES)
    entry = lookup(code)
    if entry is None:
        raise ScannerError("unknown rule code {code!r}; `contact-scanner rules` lists them", code=code)
    if fmt == "json":
        return emit(fmt, _as_json(entry, full=True))
    if current_lang() != "en":
        _translated(entry)
    elif entry.signal is not None:
        _signal(entry)
    else:
        rule = entry.rule
        click.echo(f"{rule.code} {rule.name} (default severity: {rule.severity}, family: {rule.family})")
        click.echo(rule.summary)
        click.echo("")
        click.echo(rule.doc)
        if rule.options:
            click.echo("")
            click.echo("Options from the policy: " + ", ".join(rule.options))
    _where(entry)


def _as_json(entry, full: bool = False) -> dict:
    """A registry entry for tools: what the listing shows, and with ``full`` its docs (in
    English, as written), where it is documented and where it is tested."""
    from scanner.codes import module_path, where_tested

    data = {"code": entry.code, "name": entry.name, "severity": entry.severity, "family": entry.family,
            "kind": entry.kind, "status": entry.status, "summary": entry.summary, "implemented_in": entry.path}
    if full:
        data.update(doc=entry.doc, documented_in=module_path(entry.doc_module),
                    tested_in=list(where_tested(entry.code)))
    return data


def _listing(codes) -> None:
    english = current_lang() == "en"
    click.echo(_("Row and column rules:"))
    for e in codes.values():
        if e.kind != "signal":
            click.echo(f"  {e.code}  {e.name:<38} {e.severity:<8} {e.summary}" if english
                       else f"  {e.code}  {_(e.severity):<4} {_(e.summary)}")
    click.echo(_("List signals (list.purchased.signals):"))
    for e in codes.values():
        if e.kind == "signal":
            click.echo(f"  {e.code}  {e.name:<38} {_kind(e):<8} {e.summary}" if english
                       else f"  {e.code}  {_(e.summary)}")


def _signal(entry) -> None:
    from scanner.analyses.model import FEATURE_TABLES

    sig = entry.signal
    models = [v for v, table in reversed(FEATURE_TABLES.items()) if any(c == sig.code for c, _ in table.values())]
    read = f"an input of {' and '.join(models)}" if models else "reported, not an input of a fitted model"
    kind = ("hard signal: the list fails" if sig.hard else
            f"{read}; weight {sig.weight} in purchased/v1" if sig.weight else read)
    click.echo(f"{sig.code} {sig.name} ({kind})")
    click.echo(sig.summary)
    click.echo("")
    click.echo(entry.doc)


def _translated(entry) -> None:
    """One entry's What / Why / How / Example in the current language (the same text as
    report.html's rule reference; codes and names stay as they are)."""
    from scanner.codes import doc_parts

    click.echo(f"{entry.code} {entry.name}")
    click.echo(_(entry.summary))
    headings = {"what": _("What it flags"), "why": _("Why it matters"), "how": _("How it is judged"),
                "example": _("Example")}
    for part, text in doc_parts(entry.doc).items():
        click.echo("")
        click.echo(f"{headings[part]}: " + "\n".join(_(p) for p in text.split("\n\n")))


def _where(entry) -> None:
    """Where the code lives: its implementation, its docs and (in a source checkout) its tests."""
    from scanner.codes import module_path, where_tested

    click.echo("")
    click.echo(_("Implemented in: {path}").format(path=entry.path))
    if entry.doc_module != entry.module:
        click.echo(_("Documented in: {path}").format(path=module_path(entry.doc_module)))
    for path in where_tested(entry.code):
        click.echo(_("Tested in: {path}").format(path=path))
