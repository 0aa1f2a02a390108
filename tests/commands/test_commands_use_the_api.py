"""The command line holds no logic of its own: each command is one call of the public API.

Two checks:

* **imports** — a module under ``scanner/commands/`` imports from ``scanner`` itself (the
  public API, ``scanner.__all__``, and its namespaces such as ``scanner.codes``) and from
  this short list only:

  - ``scanner.i18n``, ``scanner.i18n.messages``: the language of what a person reads, and
    library errors as one translated line;
  - ``scanner.errors``: the typed errors a command raises or reports (exit codes);
  - ``scanner.commands.*``: the commands' shared options and printing;
  - ``scanner.privacy.embedded.mask_message``: every path or text a command prints is masked
    (a file name may hold a phone number);
  - ``scanner.report.terminal.print_summary`` and ``scanner.report.charts.warm_up``: the
    scan summary for a person, and the chart renderer started while a list is read.

  ``commands/rules.py`` is left out while it reads which fitted models take a signal from
  ``scanner.analyses.model``; everything else it prints comes from ``scanner.codes``.
* **calls** — :data:`CALLS` names each command's library call; the table must cover the
  click command tree exactly (a new command without a library call fails), each call must
  be reachable from ``scanner`` and the command's function must make it.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import scanner
from scanner.cli import leaf_commands

COMMANDS = Path(scanner.__file__).parent / "commands"
ALLOWED_MODULES = {"scanner.i18n", "scanner.i18n.messages", "scanner.errors"}
ALLOWED_NAMES = {
    "scanner.privacy.embedded": {"mask_message"},
    "scanner.report.terminal": {"print_summary"},
    "scanner.report.charts": {"warm_up"},
}
NOT_YET = {"rules.py"}

#: command -> (its library call, reachable from ``scanner``; what its function's source says)
CALLS = {
    "scan": ("scan", ["scanner.scan(", ".write(", ".register("]),
    "reveal": ("reveal", ["scanner.reveal("]),
    "certify": ("certify", ["scanner.certify("]),
    "verify": ("verify", ["scanner.verify("]),
    "keys create": ("keys.create", ["scanner.keys.create("]),
    "keys show": ("keys.show", ["scanner.keys.show("]),
    "keys rotate-vault": ("keys.rotate_vault", ["scanner.keys.rotate_vault("]),
    "keys verify-audit": ("keys.verify_audit", ["scanner.keys.verify_audit("]),
    "keys signing": ("keys.signing", ["scanner.keys.signing("]),
    "registry add": ("registry.add", ["scanner.registry.add("]),
    "registry list": ("Registry.list", ["_registry(", ".list()"]),
    "registry show": ("Registry.show", ["_registry(", ".show("]),
    "registry remove": ("Registry.remove", ["_registry(", ".remove("]),
    "ledger append": ("Ledger.append", ["scanner.Ledger(", ".append("]),
    "ledger verify": ("Ledger.verify", ["scanner.Ledger(", ".verify("]),
    "ledger checkpoint": ("Ledger.checkpoint", ["scanner.Ledger(", ".checkpoint("]),
    "canary issue": ("canary.issue", ["scanner.canary.issue("]),
    "canary list": ("canary.status", ["scanner.canary.status("]),
    "canary check": ("canary.check", ["scanner.canary.check("]),
    "review export": ("review.export", ["scanner.review.export("]),
    "review apply": ("review.apply", ["scanner.review.apply("]),
    "suppress add": ("suppress.add", ["scanner.suppress.add"]),
    "suppress remove": ("suppress.remove", ["scanner.suppress.remove"]),
    "suppress list": ("suppress.entries", ["scanner.suppress.entries("]),
    "suppress export": ("suppress.export", ["scanner.suppress.export("]),
    "rules": ("codes.lookup", ["lookup("]),
}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                yield node.module, alias.name, node.lineno


@pytest.mark.parametrize("path", sorted(p for p in COMMANDS.glob("*.py") if p.name not in NOT_YET),
                         ids=lambda p: p.name)
def test_a_command_module_imports_only_the_public_api(path):
    bad = []
    for module, name, line in _imports(path):
        if not (module == "scanner" or module.startswith("scanner.")):
            continue  # click, rich, the standard library
        if module == "scanner":
            ok = name is None or name in scanner.__all__
        elif module.split(".")[1] in scanner.__all__ and module.count(".") == 1:
            ok = True  # a public namespace: scanner.codes, scanner.canary...
        else:
            ok = (module in ALLOWED_MODULES or module.startswith("scanner.commands.")
                  or (name in ALLOWED_NAMES.get(module, ())))
        if not ok:
            bad.append(f"{path.name}:{line}: {module}{'.' + name if name else ''}")
    assert not bad, bad


def test_the_list_of_exceptions_is_short_and_real():
    assert all(COMMANDS.joinpath(n).exists() for n in NOT_YET)
    assert len(ALLOWED_MODULES) + len(ALLOWED_NAMES) <= 6


def test_every_command_has_its_library_call():
    commands = dict(leaf_commands())
    assert set(commands) == set(CALLS), "a command without a library call, or a stale entry"
    for path, (call, said) in CALLS.items():
        target = scanner
        for part in call.split("."):
            target = getattr(target, part)
        assert callable(target), path
        source = inspect.getsource(inspect.unwrap(commands[path].callback))
        missing = [s for s in said if s not in source]
        assert not missing, (path, missing)


def test_the_public_api_is_all_reachable_and_import_scanner_stays_cheap():
    import subprocess
    import sys

    for name in scanner.__all__:
        assert getattr(scanner, name) is not None, name
    out = subprocess.run([sys.executable, "-c", "import sys, scanner; print('polars' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_certify_is_a_call_whichever_module_was_imported_first():
    import scanner.certify.page  # noqa: F401  (binds scanner.certify to the package)

    assert callable(scanner.certify) and scanner.certify.verify is scanner.verify
