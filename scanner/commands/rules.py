"""``contact-scanner rules [CODE]``: the rule and list-signal catalogue, and one entry's documentation."""

from __future__ import annotations

import click

from scanner.errors import ScannerError
from scanner.i18n import _, current_lang


def _canary_entry():
    from scanner.canary import canary as canary_module

    return ("LS017", canary_module.SIGNAL_NAME, "a canary number issued to a recipient is in the list (hard)",
            canary_module.canary_signal.__doc__ or "")


def _kind(sig) -> str:
    return "hard" if sig.hard else ("weight " + str(sig.weight) if sig.weight else "v2 input")


@click.command("rules")
@click.argument("code", required=False)
def command(code):
    """List every rule and list signal, or explain one (e.g. `contact-scanner rules CN002`)."""
    from scanner.analyses.model import FEATURE_TABLES
    from scanner.analyses.signals import SIGNALS
    from scanner.rules import RULES

    if current_lang() != "en":
        return _translated(code)
    if code is None:
        click.echo("Row and column rules:")
        for r in RULES.values():
            click.echo(f"  {r.code}  {r.name:<38} {r.severity:<8} {r.summary}")
        click.echo("List signals (list.purchased.signals):")
        for s in SIGNALS.values():
            click.echo(f"  {s.code}  {s.name:<38} {_kind(s):<8} {s.summary}")
        code_, name, summary, _doc = _canary_entry()
        click.echo(f"  {code_}  {name:<38} {'hard':<8} {summary}")
        return
    key = code.upper()
    if key in RULES:
        rule = RULES[key]
        click.echo(f"{rule.code} {rule.name} (default severity: {rule.severity}, family: {rule.family})")
        click.echo(rule.summary)
        click.echo("")
        click.echo(rule.doc)
        if rule.options:
            click.echo("")
            click.echo("Options from the policy: " + ", ".join(rule.options))
        return
    if key in SIGNALS:
        sig = SIGNALS[key]
        models = [v for v, table in reversed(FEATURE_TABLES.items()) if any(c == sig.code for c, _ in table.values())]
        read = f"an input of {' and '.join(models)}" if models else "reported, not an input of a fitted model"
        kind = ("hard signal: the list fails" if sig.hard else
                f"{read}; weight {sig.weight} in purchased/v1" if sig.weight else read)
        click.echo(f"{sig.code} {sig.name} ({kind})")
        click.echo(sig.summary)
        click.echo("")
        click.echo(sig.doc)
        return
    if key == "LS017":
        code_, name, summary, doc = _canary_entry()
        click.echo(f"{code_} {name} (hard signal: the list fails)")
        click.echo(summary)
        click.echo("")
        import inspect

        click.echo(inspect.cleandoc(doc))
        return
    raise ScannerError("unknown rule code {code!r}; `contact-scanner rules` lists them", code=code)


def _translated(code: str | None) -> None:
    """The catalogue, or one entry's What / Why / How / Example, in the current language
    (the same text as report.html's rule reference; codes and names stay as they are)."""
    from scanner.analyses.signals import SIGNALS
    from scanner.report.html import doc_parts, rule_doc
    from scanner.rules import RULES

    if code is None:
        click.echo(_("Row and column rules:"))
        for r in RULES.values():
            click.echo(f"  {r.code}  {_(r.severity):<4} {_(r.summary)}")
        click.echo(_("List signals (list.purchased.signals):"))
        for c in [*SIGNALS, "LS017"]:
            click.echo(f"  {c}  {_(rule_doc(c)[1])}")
        return
    key = code.upper()
    if key not in RULES and key not in SIGNALS and key != "LS017":
        raise ScannerError("unknown rule code {code!r}; `contact-scanner rules` lists them", code=code)
    name, summary, doc = rule_doc(key)
    click.echo(f"{key} {name}")
    click.echo(_(summary))
    headings = {"what": _("What it flags"), "why": _("Why it matters"), "how": _("How it is judged"),
                "example": _("Example")}
    for part, text in doc_parts(doc).items():
        click.echo("")
        click.echo(f"{headings[part]}: " + "\n".join(_(p) for p in text.split("\n\n")))
