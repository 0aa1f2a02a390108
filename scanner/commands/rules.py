"""``contact-scanner rules [CODE]``: the rule catalogue and one rule's documentation."""

from __future__ import annotations

import click

from scanner.errors import ScannerError


@click.command("rules")
@click.argument("code", required=False)
def command(code):
    """List every rule, or explain one (e.g. `contact-scanner rules CN002`)."""
    from scanner.rules import RULES

    if code is None:
        for r in RULES.values():
            click.echo(f"{r.code}  {r.name:<38} {r.severity:<8} {r.summary}")
        return
    rule = RULES.get(code.upper())
    if rule is None:
        raise ScannerError(f"unknown rule code {code!r}; `contact-scanner rules` lists them")
    click.echo(f"{rule.code} {rule.name} (default severity: {rule.severity}, family: {rule.family})")
    click.echo(rule.summary)
    click.echo("")
    click.echo(rule.doc)
    if rule.options:
        click.echo("")
        click.echo("Options from the policy: " + ", ".join(rule.options))
