"""Golden reports from sample_data/: the planted problems are found, counts are stable.

Set UPDATE_GOLDEN=1 to rewrite the snapshots after an intended change (then review the diff).
"""

import json
import os
from pathlib import Path

import pytest

from scanner.api import scan

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
GOLDEN = Path(__file__).parent / "golden"
PLANTED = json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))
FILES = [name for name, info in PLANTED.items() if "codes" in info]
VOLATILE = {("scan", "id"), ("tool", "version"), ("tool", "polars"), ("input", "path"), ("policy", "path")}


def _scan(name, keys):
    suppress = [SAMPLE / "suppression.csv"] if name.startswith("crm") else []
    return scan(SAMPLE / name, SAMPLE / "policy.toml", keys=keys, as_of="2026-11-23", suppress=suppress)


def _stable(report):
    out = json.loads(json.dumps(report))
    for section, key in VOLATILE:
        out.get(section, {}).pop(key, None)
    return out


@pytest.mark.parametrize("name", FILES)
def test_planted_findings_are_found_exactly(name, keys):
    result = _scan(name, keys)
    assert result.report["findings"] == PLANTED[name]["codes"]
    rows = result.report["rows"]
    assert rows["total"] == PLANTED[name]["rows"] == rows["accept"] + rows["review"] + rows["reject"]


@pytest.mark.parametrize("name", FILES)
def test_golden_report(name, keys):
    report = _stable(_scan(name, keys).report)
    path = GOLDEN / (name + ".report.json")
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert report == expected
