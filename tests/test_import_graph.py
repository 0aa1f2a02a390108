"""The package's import graph has no circles, and its layers import only downwards.

Every module under scanner/ is parsed with ``ast``; every import counts wherever it is
written: at module level, inside a function (a late import is still a dependency), under
``if TYPE_CHECKING:``, and ``importlib.import_module`` of a literal name. The package root
imports its public API by name on first use (``scanner.__getattr__`` reads the modules from
its ``_LAZY`` table and ``_MODULES``); those names count as the root's imports too. An
import names the module it reads: ``from scanner.a import b`` is an edge to ``scanner.a.b``
when that is a module, else to ``scanner.a``.

Python also runs a package's ``__init__`` before any of its submodules; that is not an
edge here. A package whose ``__init__`` imports its families to register them (rules,
signals) would otherwise be a circle with each family whatever the families import, and
the package's ``__init__`` holds no names the families read: they import the registry
module itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "scanner"

#: Layers, lowest first: a module may import its own layer and the ones below, never above
#: (docs/ARCHITECTURE.md draws them). A module is in the layer of its longest listed prefix;
#: modules under no prefix are checked for circles only.
LAYERS = (
    ("scanner.errors", "scanner.i18n", "scanner.interrupt", "scanner.io_errors"),
    ("scanner.phone", "scanner.privacy", "scanner.rules"),
    ("scanner.ingest", "scanner.policy"),
    ("scanner.prepare", "scanner.kernel", "scanner.decide", "scanner.contact"),
    ("scanner.analyses", "scanner.codes"),
    ("scanner.report",),
    ("scanner.pipeline",),
    ("scanner.api",),
    ("scanner.commands", "scanner.cli", "scanner.__main__", "scanner.i18n.catalog"),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The scanner modules ``name`` (at ``path``) imports, anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def closest(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module" \
                and node.args and isinstance(node.args[0], ast.Constant):
            targets = [node.args[0].value]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            if target == "scanner" or target.startswith("scanner."):
                module = closest(target)
                if module is not None and module != name:
                    found.add(module)
    if name == "scanner":
        found |= _lazy_api(tree)
    return found


def _lazy_api(tree: ast.Module) -> set[str]:
    """The modules the package root's ``__getattr__`` imports by name."""
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id == "_LAZY":
                out |= set(ast.literal_eval(node.value).values())
            elif node.targets[0].id == "_MODULES":
                out |= {f"scanner.{m}" for m in ast.literal_eval(node.value)}
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports(name, path, known) for name, path in mods.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``edges`` as a path that starts and ends at the same module, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def layer_of(module: str) -> int | None:
    found = [(len(top), i) for i, layer in enumerate(LAYERS) for top in layer
             if module == top or module.startswith(top + ".")]
    return max(found)[1] if found else None


def test_the_import_graph_has_no_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_layers_import_only_downwards():
    upward = sorted(f"{a} -> {b}" for a, targets in graph().items() for b in targets
                    if layer_of(a) is not None and layer_of(b) is not None and layer_of(b) > layer_of(a))
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def test_the_graph_is_read_from_every_kind_of_import():
    g = graph()
    assert "scanner.pipeline.run" in g["scanner.api"]  # module level
    assert "scanner.report.write" in g["scanner.api"]  # inside a method
    assert "scanner.api" in g["scanner"]  # the package's lazy __getattr__
    assert "scanner.analyses.signals.registry" in g["scanner.analyses.signals.numbers"]


def test_a_cycle_is_found_and_shown():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
