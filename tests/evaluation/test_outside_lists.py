"""evaluate.py --lists DIR --labels FILE: any labelled folder of list files is measured by
the full scanner the same way as the corpus (here one list of each outside kind)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evaluation.evaluate import main as evaluate_main  # noqa: E402
from evaluation.outside.make_lists import KINDS, main as make_lists  # noqa: E402


def test_labelled_files_are_scanned_and_scored_per_kind(tmp_path, capsys):
    out = tmp_path / "lists"
    assert make_lists([str(out), "--per-kind", "1", "--seed", "3"]) == 0
    with open(out / "labels.csv", encoding="utf-8") as fh:
        labels = list(csv.DictReader(fh))
    assert {r["kind"] for r in labels} == set(KINDS) and all((out / r["file"]).exists() for r in labels)
    capsys.readouterr()
    assert evaluate_main(["--lists", str(out), "--labels", str(out / "labels.csv"),
                          "--policy", str(out / "policy.toml")]) == 0
    text = capsys.readouterr().out
    for kind, label in KINDS.items():
        line = next(x for x in text.splitlines() if x.startswith(kind))
        assert label in line and ("recall" if label == "purchased" else "false-alarm") in line
    assert "precision" in text and "calibration" in text and "6 lists" in text


def test_the_fresh_set_is_written_with_its_labels_and_scanned(tmp_path, capsys):
    from evaluation.outside.fresh_lists import KINDS as FRESH, main as fresh_lists

    out = tmp_path / "fresh"
    assert fresh_lists([str(out), "--per-kind", "1", "--seed", "5"]) == 0
    with open(out / "labels.csv", encoding="utf-8") as fh:
        labels = list(csv.DictReader(fh))
    assert {r["kind"]: r["label"] for r in labels} == FRESH and all((out / r["file"]).exists() for r in labels)
    # the three smallest files are scanned, two at a time (the set's lists run to 90,000 rows)
    small = sorted(labels, key=lambda r: (out / r["file"]).stat().st_size)[:3]
    with open(tmp_path / "small.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "label", "kind"])
        w.writeheader()
        w.writerows(small)
    capsys.readouterr()
    assert evaluate_main(["--lists", str(out), "--labels", str(tmp_path / "small.csv"),
                          "--policy", str(out / "policy.toml"), "--jobs", "2"]) == 0
    text = capsys.readouterr().out
    assert all(any(x.startswith(r["kind"]) for x in text.splitlines()) for r in small) and "3 lists" in text


def test_the_outside_sets_are_the_same_in_every_process(tmp_path):
    # string hashing differs per process: no generator may depend on a set's order
    import hashlib
    import os
    import subprocess

    root = Path(__file__).resolve().parents[2]
    for script in ("make_lists.py", "fresh_lists.py"):
        digests = []
        for hash_seed in ("1", "2"):
            out = tmp_path / f"{script}-{hash_seed}"
            subprocess.run([sys.executable, str(root / "evaluation" / "outside" / script), str(out), "--per-kind", "1"],
                           check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": hash_seed})
            digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())})
        assert digests[0] == digests[1], script
