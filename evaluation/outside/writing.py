"""A labelled set of list files as ``evaluate.py --lists DIR --labels FILE`` reads it: one CSV
per list, ``labels.csv`` (file, label, kind) and the ``policy.toml`` to scan them under.
Only the writing is shared: each set's lists come from its own generators."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Callable


def write_set(out: Path, *, policy: str, kinds: dict[str, str], makers: dict[str, Callable],
              per_kind: int, seed_key: str) -> int:
    """Write ``per_kind`` lists of each of ``kinds`` (kind -> label) into ``out``; list ``i`` of
    a kind is ``makers[kind]`` of ``random.Random(f"{seed_key}:{kind}:{i}")`` (its header and
    rows). Returns how many lists were written."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "policy.toml").write_text(policy, encoding="utf-8")
    with open(out / "labels.csv", "w", newline="", encoding="utf-8") as fh:
        labels = csv.writer(fh)
        labels.writerow(["file", "label", "kind"])
        for kind, label in kinds.items():
            for i in range(per_kind):
                header, rows = makers[kind](random.Random(f"{seed_key}:{kind}:{i}"))
                name = f"{kind}-{i:04d}.csv"
                with open(out / name, "w", newline="", encoding="utf-8") as list_file:
                    w = csv.writer(list_file)
                    w.writerow(header)
                    w.writerows(rows)
                labels.writerow([name, label, kind])
    return len(kinds) * per_kind
