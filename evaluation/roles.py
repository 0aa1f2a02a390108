"""Role precision and recall of the column mapping on a folder of labelled exports.

    python evaluation/roles.py [--exports DIR] [--labels FILE] [--region CN] [-v]

``--labels`` is a JSON object: file name → ``{"roles": {column: role}, "inverted": [...]}``
(optionally ``"region"``: the default region of that file's national-format numbers) where
a column is its header, or ``@N`` for the N-th column (headerless files, repeated headers).
Every column not labelled is expected to get no role. A consent column read with the wrong
polarity counts as a wrong assignment. Prints each miss, then precision (correct
assignments / assignments) and recall (correct assignments / labelled roles); exits 1 when
``--min-precision`` or ``--min-recall`` is not met. Defaults: the corpus in
``evaluation/exports`` (written by ``evaluation/exports/generate.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    sys.path.insert(0, str(HERE.parent))

from scanner.errors import ScannerError  # noqa: E402
from scanner.ingest import read_input  # noqa: E402


@dataclass
class Score:
    assigned: int = 0
    correct: int = 0
    labelled: int = 0
    misses: list[str] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.assigned if self.assigned else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.labelled if self.labelled else 1.0


def predicted_roles(path: Path, region: str) -> tuple[dict[str, str], frozenset[str]]:
    """``{column key: role}`` of the mapping (keys as in the labels) and the inverted roles."""
    ing = read_input(path, region=region)
    out: dict[str, str] = {}
    columns = ing.column_report.columns
    headers = [c["column"] for c in columns]
    for c in columns:
        if c.get("role"):
            key = c["column"] if ing.has_header and headers.count(c["column"]) == 1 else f"@{c['position']}"
            out[key] = c["role"]
    return out, ing.inverted


def score_file(path: Path, label: dict, region: str, score: Score) -> None:
    expected: dict[str, str] = dict(label.get("roles", {}))
    inverted = set(label.get("inverted", ()))
    try:
        got, got_inverted = predicted_roles(path, region)
    except ScannerError as exc:
        score.labelled += len(expected)
        score.misses.append(f"{path.name}: not read ({exc.one_line()})")
        return
    score.files += 1
    score.labelled += len(expected)
    score.assigned += len(got)
    for key, role in got.items():
        want = expected.get(key)
        polarity_ok = role not in (inverted | set(got_inverted)) or (
            (role in inverted) == (role in got_inverted))
        if want == role and polarity_ok:
            score.correct += 1
        elif want == role:
            score.misses.append(f"{path.name}: {key!r} is {role} but read "
                                f"{'inverted' if role in got_inverted else 'as stated'}")
        else:
            score.misses.append(f"{path.name}: {key!r} mapped as {role}, expected {want or 'no role'}")
    for key, role in expected.items():
        if key not in got:
            score.misses.append(f"{path.name}: {key!r} expected as {role}, not mapped")


def evaluate(exports: Path, labels: Path, region: str = "CN") -> Score:
    table = json.loads(labels.read_text(encoding="utf-8"))
    score = Score()
    started = time.perf_counter()
    for name, label in sorted(table.items()):
        score_file(exports / name, label, label.get("region", region), score)
    score.seconds = time.perf_counter() - started
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", type=Path, default=HERE / "exports")
    parser.add_argument("--labels", type=Path, default=None)
    parser.add_argument("--region", default="CN", help="default region of national-format numbers")
    parser.add_argument("--min-precision", type=float, default=0.0)
    parser.add_argument("--min-recall", type=float, default=0.0)
    args = parser.parse_args(argv)
    score = evaluate(args.exports, args.labels or args.exports / "labels.json", args.region)
    for miss in score.misses:
        print("miss:", miss)
    print(f"files {score.files}  labelled roles {score.labelled}  assigned {score.assigned}  "
          f"correct {score.correct}")
    print(f"precision {score.precision:.4f}  recall {score.recall:.4f}  ({score.seconds:.2f} s)")
    return 0 if score.precision >= args.min_precision and score.recall >= args.min_recall else 1


if __name__ == "__main__":
    raise SystemExit(main())
