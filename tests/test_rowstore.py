"""The scan's private spill directory: no plaintext number or name, private modes, removed
with the result."""

import gc
import random
import stat

import polars as pl
import pytest

from scanner.api import scan
from scanner.rowstore import PartitionedTable, RowStore
from scanner.ingest import read_input
from tests.test_no_plaintext import SAMPLE, _found, _needles, _texts


def test_spill_holds_no_plaintext_and_is_private(keys):
    path = SAMPLE / "crm_export_gb18030.csv"
    result = scan(path, SAMPLE / "policy.toml", keys=keys, as_of="2026-11-23", batch_rows=500)
    spill = result._store.dir
    files = sorted(spill.iterdir())
    names = {p.name.split("-")[0] for p in files}
    assert {"part", "list", "decided", "vault.bin"} <= names
    assert stat.S_IMODE(spill.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    needles = _needles(path)
    haystacks = [t for p in files for t in _texts(p)]
    assert _found(needles, haystacks) == set()
    input_names = {n for n in read_input(path).frame.get_column("name").drop_nulls().to_list() if len(n) >= 2}
    cells = {str(v) for p in files if p.suffix == ".parquet"
             for c in pl.read_parquet(p).columns for v in pl.read_parquet(p, columns=[c]).to_series().to_list()}
    assert input_names and not (input_names & cells)
    del result
    gc.collect()
    assert not spill.exists()


def test_sealed_tables_are_noise_and_refuse_tampering(keys):
    from cryptography.exceptions import InvalidTag
    import pytest

    result = scan(SAMPLE / "crm_export_gb18030.csv", SAMPLE / "policy.toml", keys=keys, as_of="2026-11-23",
                  batch_rows=500)
    store = result._store
    sealed = sorted(store.dir.glob("numbers-*.sealed"))
    assert sealed  # the per-number table (numbers and their duplicate aggregates)
    first = sealed[0].read_bytes()
    assert b"PAR1" not in first  # not a readable Parquet file
    assert store._read_sealed(sealed[0]).height > 0
    sealed[0].write_bytes(first[:-1] + bytes([first[-1] ^ 1]))
    with pytest.raises(InvalidTag):
        store._read_sealed(sealed[0])
    if len(sealed) > 1:  # a file passed off as another fails too
        sealed[0].write_bytes(sealed[1].read_bytes())
        with pytest.raises(InvalidTag):
            store._read_sealed(sealed[0])


def test_a_killed_scans_spill_is_swept_by_the_next_scan(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys
    import tempfile

    from scanner.rowstore import OWNER_FILE, RowStore, sweep_abandoned

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # a scan killed mid-way: its spill directory, owned by a process that is gone
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / "contact-scanner-killed"
    dead.mkdir(mode=0o700)
    (dead / OWNER_FILE).write_text(child.stdout.strip())
    (dead / "part-000000.parquet").write_bytes(b"tokens")
    # a running scan's directory, and one without an owner (being created): left alone
    running = tmp_path / "contact-scanner-running"
    running.mkdir(mode=0o700)
    (running / OWNER_FILE).write_text(str(os.getppid()))
    unowned = tmp_path / "contact-scanner-new"
    unowned.mkdir(mode=0o700)
    other = tmp_path / "unrelated"
    other.mkdir()

    store = RowStore()
    assert not dead.exists()
    assert running.exists() and unowned.exists() and other.exists()
    assert store.dir.exists() and store.dir.parent == tmp_path
    assert (store.dir / OWNER_FILE).read_text() == str(os.getpid())
    assert sweep_abandoned(tmp_path) == []  # its own directory is never swept
    assert store.dir.exists()


@pytest.mark.parametrize("compact_rows", [0, 50, 10**9])
def test_partitioned_table_compacts_as_it_goes_with_the_same_result(monkeypatch, compact_rows):
    """Merging a part's partials as batches arrive (any threshold) gives exactly the table
    one merge of every partial gives, and a part never keeps more unmerged rows than the
    threshold or its merged table."""
    monkeypatch.setattr(PartitionedTable, "COMPACT_ROWS", compact_rows)
    rng = random.Random(compact_rows)
    batches = [pl.DataFrame({"k": [rng.randrange(300) for _ in range(120)], "n": [1] * 120},
                            schema={"k": pl.UInt64, "n": pl.UInt32}).group_by("k").agg(pl.col("n").sum())
               for _ in range(25)]
    store = RowStore()
    table = store.partitioned("t", key="k", merge=lambda t: t.group_by("k").agg(pl.col("n").sum()), partitions=4)
    for batch in batches:
        table.add(batch)
        assert all(pending <= max(compact_rows, merged)
                   for pending, merged in zip(table.pending_rows, table.merged_rows))
    merged_files = [p for files in table.files for p in files if p.name.endswith("-merged.sealed")]
    assert bool(merged_files) == (compact_rows < 10**9)
    expected = pl.concat(batches).group_by("k").agg(pl.col("n").sum()).sort("k")
    assert table.merged().sort("k").equals(expected)
    assert table.merged(lambda t: t.filter(pl.col("n") > 1)).sort("k").equals(expected.filter(pl.col("n") > 1))
    several, total = table.merged_each(lambda t: t.filter(pl.col("n") > 1), lambda t: t.select(pl.col("n").sum()))
    assert several.sort("k").equals(expected.filter(pl.col("n") > 1))
    assert total.get_column("n").sum() == 25 * 120  # one row per part, each part's sum
    kept, total = table.merged_spilled(lambda t: t.filter(pl.col("n") > 1), lambda t: t.select(pl.col("n").sum()))
    assert kept.height == several.height and kept.columns == ["k", "n"]
    assert kept.frame().sort("k").equals(several.sort("k"))
    assert kept.select("n").columns == ["n"] and kept.get_column("k").sort().equals(several.get_column("k").sort())
    # read part by part: the function sees one part at a time, and only the columns asked for
    seen = []
    sums = kept.map(lambda part: seen.append(part.columns) or part.select(pl.col("n").sum()), ["n"])
    assert seen == [["n"]] * len(kept.paths) and sums.get_column("n").sum() == several.get_column("n").sum()
    assert all(b"PAR1" not in path.read_bytes() for path in kept.paths)  # sealed like every numbers file


def test_merged_each_of_an_empty_part_set():
    store = RowStore()
    table = store.partitioned("t", key="k", merge=lambda t: t.group_by("k").agg(pl.col("n").sum()), partitions=4)
    table.add(pl.DataFrame(schema={"k": pl.UInt64, "n": pl.UInt32}))
    first, second = table.merged_each(lambda t: t, lambda t: t.select("n"))
    assert first.height == 0 and first.columns == ["k", "n"] and second.columns == ["n"]
    on_disk = sorted(p.name for p in store.dir.glob("t-*.sealed"))
    assert on_disk == sorted(p.name for files in table.files for p in files)  # merged files removed
    kept, second = table.merged_spilled(lambda t: t, lambda t: t.select("n"))
    assert kept.height == 0 and kept.frame().columns == ["k", "n"] and kept.select("n").columns == ["n"]
