"""The package's shape: modules small enough to read, no block of code written twice, and
comments and docs that cite only what is in the repository.

* No module under ``scanner/`` is longer than :data:`MAX_LINES`, except the generated
  tables in :data:`GENERATED` (each with the reason it may be long).
* No block of :data:`MIN_BLOCK` or more lines stands twice in the package. Lines are
  compared with their whitespace collapsed; blank lines, comment-only lines and import
  statements are left out first (so they neither make a block nor break one).
* No comment or docstring in the package, and no README or docs page, names a tracker
  number (``issue 12``, ``#12``) or cites a design document outside the repository
  (``DESIGN.md``): history belongs in commit messages, and the design in ``docs/``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scanner"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

MAX_LINES = 400
#: Modules allowed past MAX_LINES, by path under the repository, with the reason. Only
#: generated tables belong here (data written by a tool, not code a person reads); there
#: are none at present.
GENERATED: dict[str, str] = {}
MIN_BLOCK = 6

#: A tracker number: ``issue 12``, ``Issue #12``, or ``#12`` not part of an upstream
#: project's reference (``pola-rs/polars#22285``) or a name (``PKCS#8``).
TRACKER = re.compile(r"\bissues?\s*#?\d+|(?<![\w/.#-])#\d+\b", re.IGNORECASE)
DESIGN_DOC = re.compile(r"DESIGN\.md")


def _modules(package: Path) -> list[Path]:
    return sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)


def _name(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


# --- module length -------------------------------------------------------------------------


def long_modules(package: Path, root: Path, limit: int = MAX_LINES,
                 allowed: dict[str, str] | None = None) -> list[tuple[str, int]]:
    """(path, lines) of each module over ``limit`` lines that ``allowed`` does not name."""
    allowed = GENERATED if allowed is None else allowed
    out = []
    for path in _modules(package):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit and _name(path, root) not in allowed:
            out.append((_name(path, root), lines))
    return out


def test_no_module_is_longer_than_the_limit():
    long = long_modules(PACKAGE, ROOT)
    assert not long, "modules over {} lines (split them by concept): {}".format(
        MAX_LINES, ", ".join(f"{name} ({lines})" for name, lines in long))


def test_every_exemption_is_a_long_module_that_exists():
    for name, reason in GENERATED.items():
        path = ROOT / name
        assert path.is_file(), f"{name} is exempt from the length limit but does not exist"
        assert reason.strip(), f"{name} is exempt without a reason"
        assert len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES, (
            f"{name} is no longer over {MAX_LINES} lines: drop its exemption")


def test_the_length_check_finds_a_long_module(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "short.py").write_text("x = 1\n" * 10)
    (package / "long.py").write_text("x = 1\n" * 11)
    assert long_modules(package, tmp_path, limit=10, allowed={}) == [("pkg/long.py", 11)]
    assert long_modules(package, tmp_path, limit=10, allowed={"pkg/long.py": "a table"}) == []


# --- repeated blocks -----------------------------------------------------------------------


def _ignored_lines(text: str) -> set[int]:
    """1-based numbers of the lines that are blank, comments only, or part of an import."""
    ignored = set()
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            ignored.add(number)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            ignored.update(range(node.lineno, node.end_lineno + 1))
    return ignored


def code_lines(text: str) -> list[tuple[int, str]]:
    """(line number, whitespace-collapsed text) of each line a repeated block is made of."""
    ignored = _ignored_lines(text)
    return [(number, " ".join(line.split())) for number, line in enumerate(text.splitlines(), 1)
            if number not in ignored]


def repeated_blocks(package: Path, root: Path, size: int = MIN_BLOCK) -> list[tuple[str, str]]:
    """Pairs of places (``path:first-last``) that hold the same ``size`` or more lines.

    A block whose lines are all one line (a run of ``pass``) is no copy of anything."""
    numbers: dict[str, list[int]] = {}
    windows: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
    for path in _modules(package):
        name = _name(path, root)
        lines = code_lines(path.read_text(encoding="utf-8"))
        numbers[name] = [number for number, _ in lines]
        for k in range(len(lines) - size + 1):
            block = tuple(text for _, text in lines[k:k + size])
            if len(set(block)) > 1:
                windows[block].append((name, k))
    # the windows two places share, by (place, place, offset); consecutive ones make one run
    diagonals: dict[tuple[str, str, int], set[int]] = defaultdict(set)
    for places in windows.values():
        for a, b in combinations(sorted(places), 2):
            if a[0] == b[0] and b[1] - a[1] < size:
                continue  # overlapping windows of one stretch of lines
            diagonals[(a[0], b[0], b[1] - a[1])].add(a[1])
    out = []
    for (name_a, name_b, shift), starts in diagonals.items():
        at_a, at_b = numbers[name_a], numbers[name_b]
        ordered = sorted(starts)
        first = last = ordered[0]
        for k in ordered[1:] + [None]:
            if k is not None and k == last + 1:
                last = k
                continue
            out.append((f"{name_a}:{at_a[first]}-{at_a[last + size - 1]}",
                        f"{name_b}:{at_b[first + shift]}-{at_b[last + shift + size - 1]}"))
            first = last = k
    return sorted(out)


def _span(place: str) -> tuple[str, int, int]:
    name, lines = place.rsplit(":", 1)
    first, last = lines.split("-")
    return name, int(first), int(last)


def test_no_block_of_lines_is_repeated_in_the_package():
    repeats = repeated_blocks(PACKAGE, ROOT)
    assert not repeats, "blocks of {}+ identical lines written twice (make one serve both):\n{}".format(
        MIN_BLOCK, "\n".join(f"  {a} ~ {b}" for a, b in repeats))


_BODY = '''
def total(rows):
    count = 0
    for row in rows:
        if row is None:
            continue
        count += row
    return count
'''


def test_the_repeat_check_finds_a_planted_copy(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "one.py").write_text("import os\n\n" + _BODY)
    # the same lines, indented and spaced otherwise, with a comment, a blank line and an
    # import between them: still a copy
    (package / "two.py").write_text(
        "class Box:\n"
        "    def total(rows):\n"
        "        import sys  # a comment\n"
        "        count = 0\n"
        "\n"
        "        for row in rows:\n"
        "            # why\n"
        "            if row is None:\n"
        "                continue\n"
        "            count  +=  row\n"
        "        return count\n")
    assert repeated_blocks(package, tmp_path) == [("pkg/one.py:4-10", "pkg/two.py:2-11")]


def test_the_repeat_check_finds_a_copy_within_one_module(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "one.py").write_text(_BODY + "\n\nx = 1\n" + _BODY.replace("total", "total_again", 1))
    repeats = repeated_blocks(package, tmp_path)
    assert repeats == [("pkg/one.py:3-8", "pkg/one.py:14-19")]


def test_the_repeat_check_passes_short_blocks_imports_and_runs_of_one_line(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    five = "\n".join(_BODY.strip().splitlines()[:5]) + "\n"
    imports = "from os import (\n    path,\n    sep,\n    getcwd,\n    listdir,\n    walk,\n)\nimport re\n"
    (package / "one.py").write_text(imports + five + "y = 2\n")
    (package / "two.py").write_text(imports + five + "z = 3\n" + "pass\n" * 20)
    assert repeated_blocks(package, tmp_path) == []


# --- tracker numbers and outside design documents -------------------------------------------


def _docstrings(tree: ast.AST) -> list[ast.Constant]:
    nodes = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                nodes.append(body[0].value)
    return nodes


def cited_history(text: str) -> list[tuple[int, str]]:
    """(line, text) of each tracker number or outside design document in the comments and
    docstrings of the Python source ``text``."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            found += [(token.start[0], m.group()) for m in TRACKER.finditer(token.string)]
            found += [(token.start[0], m.group()) for m in DESIGN_DOC.finditer(token.string)]
    for node in _docstrings(ast.parse(text)):
        for offset, line in enumerate(node.value.splitlines()):
            found += [(node.lineno + offset, m.group()) for m in TRACKER.finditer(line)]
            found += [(node.lineno + offset, m.group()) for m in DESIGN_DOC.finditer(line)]
    return sorted(found)


def cited_history_in_prose(text: str) -> list[tuple[int, str]]:
    """The same for a Markdown page (``#`` headings are not numbers)."""
    return [(number, m.group()) for number, line in enumerate(text.splitlines(), 1)
            for pattern in (TRACKER, DESIGN_DOC) for m in pattern.finditer(line)]


def test_no_comment_or_docstring_names_a_tracker_number_or_an_outside_design_document():
    found = [f"{_name(path, ROOT)}:{line}: {what}" for path in _modules(PACKAGE)
             for line, what in cited_history(path.read_text(encoding="utf-8"))]
    assert not found, "say why in the code, and put history in the commit message:\n  " + "\n  ".join(found)


@pytest.mark.parametrize("page", DOCS, ids=lambda p: _name(p, ROOT))
def test_no_doc_page_names_a_tracker_number_or_an_outside_design_document(page):
    found = [f"{_name(page, ROOT)}:{line}: {what}" for line, what in
             cited_history_in_prose(page.read_text(encoding="utf-8"))]
    assert not found, "cite only files in the repository, and no tracker numbers:\n  " + "\n  ".join(found)


def test_the_citation_checks_find_what_they_look_for():
    source = '''"""Module (issue 6), after ../shared/DESIGN.md section 5."""

COLOR = "#000"  # a string, not a comment: left alone


def f():
    """See pola-rs/polars#22285 and PKCS#8: upstream references and names are fine."""
    return 1  # fixed in #12
'''
    assert [what for _, what in cited_history(source)] == ["DESIGN.md", "issue 6", "#12"]
    assert cited_history_in_prose("# Title\n\nAgainst the targets of Issue 3.\n## 2 things\n") == [(3, "Issue 3")]
