"""No output file of a scan holds an input phone number in plaintext (docs/PRIVACY.md).

Every number of every sample list is searched for, in the forms a leak would use (E.164,
E.164 without +, national digits), in the bytes of every file the scan wrote (Parquet: its
metadata and every decoded cell, since its bytes may be compressed).
"""

import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.ingest import read_input
from scanner.phone.normalize import normalize

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
FILES = ["crm_export_gb18030.csv", "contacts_en.csv", "vendor_list.xlsx", "vendor_list.txt"]


def _needles(path: Path) -> set[str]:
    raw = read_input(path).frame.get_column("phone")
    norm = normalize(raw, region="CN").filter(pl.col("e164").is_not_null())
    needles = set()
    for e164, national in norm.select("e164", "national_number").iter_rows():
        needles |= {e164, e164.lstrip("+")}
        if len(national) >= 7:
            needles.add(national)
    return needles


def _texts(path: Path) -> list[str]:
    """A file's text: Parquet as its metadata and decoded cells (its compressed bytes hold
    fragments of tokens, whose digit runs can contain a short needle by chance), any other
    file as its bytes."""
    if path.suffix != ".parquet":
        return [path.read_bytes().decode("utf-8", errors="ignore")]
    frame = pl.read_parquet(path)
    return [str(pl.read_parquet_metadata(path))] + [
        str(v) for col in frame.columns for v in frame.get_column(col).to_list()]


def _found(needles: set[str], haystacks: list[str]) -> set[str]:
    """Needles occurring anywhere inside a digit run of a haystack (substring search).

    Tokens (32 lowercase hex) are skipped: under a random key their digit runs contain a
    short needle such as ``86123`` by chance now and then."""
    lengths = {len(n) for n in needles}
    hits = set()
    for text in haystacks:
        for run in re.findall(r"\d{7,}", re.sub(r"\b[0-9a-f]{32}\b", " ", text)):
            for length in lengths:
                for i in range(len(run) - length + 1):
                    if run[i:i + length] in needles:
                        hits.add(run[i:i + length])
    return hits


def test_search_finds_a_planted_number():
    assert _found({"13800138000"}, ["token 8613800138000x"]) == {"13800138000"}


@pytest.mark.parametrize("name", FILES)
def test_scan_outputs_hold_no_plaintext_number(tmp_path, monkeypatch, name):
    monkeypatch.setenv("CONTACT_SCANNER_HOME", str(tmp_path / "state"))
    out = tmp_path / "out"
    args = ["scan", str(SAMPLE / name), "--policy", str(SAMPLE / "policy.toml"), "--out", str(out),
            "--as-of", "2026-11-23", "--fail-on", "never", "--suppress", str(SAMPLE / "suppression.csv")]
    for fmt in ("text", "json"):
        res = CliRunner().invoke(main, args + ["--format", fmt])
        assert res.exit_code == 0, res.output
        stdout_texts = [res.output]
        needles = _needles(SAMPLE / name)
        assert len(needles) > 100
        written = [p for p in out.iterdir() if p.name != "vault.bin"]
        assert {p.name for p in written} >= {"report.json", "rows.parquet", "contactable.csv"}
        haystacks = stdout_texts + [t for p in written for t in _texts(p)]
        leaked = _found(needles, haystacks)
        assert leaked == set(), f"{len(leaked)} plaintext numbers found in outputs"
