"""The least work any scan that keeps the contract must do, timed stage by stage.

A lower bound for ``contact-scanner scan``: read the CSV (every column as text), find the
distinct phone values, normalize them exactly (``parse_distinct``, the scan's own engine),
take each number's keyed token and mask, put them back on the rows, and write rows.parquet
(``row``, ``phone_token``, ``phone_masked``, ``valid``, ``type``, ``region``). Nothing else:
no consent, sources, names, rules, duplicates, list analyses, vault, exposure check or
bounded memory (the whole list is held: use it up to ~10M rows). It uses the scan's own
functions, so it answers "how fast could a scan be if everything beyond these steps were
free" on the machine at hand.

    python bench/core_pipeline.py FILE [PHONE_COLUMN]   # prints the result as one JSON line
"""

from __future__ import annotations

import json
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from scanner.phone.normalize import parse_distinct  # noqa: E402
from scanner.privacy.keys import KeyMaterial  # noqa: E402
from scanner.privacy.masking import mask_phone_expr  # noqa: E402
from scanner.privacy.tokens import token_expr  # noqa: E402


#: The phone column of the benchmark lists (bench/bench_scan.py).
PHONE_COLUMN = "手机号"
#: The rows.parquet columns the core pipeline writes (a subset of the scan's).
CORE_COLUMNS = ("row", "phone_token", "phone_masked", "valid", "type", "region")


def core_pipeline(path: Path, phone_column: str, out: Path, region: str = "CN",
                  keys: KeyMaterial | None = None) -> dict:
    """Run the core steps on ``path`` (``keys``: default a fresh random key). Returns
    ``stages`` (stage -> cumulative wall seconds, in order; the last is the total),
    ``cpu`` (CPU seconds of the whole) and ``peak_gib``."""
    keys = keys or KeyMaterial.from_master(secrets.token_bytes(32))
    start, cpu = time.perf_counter(), time.process_time()
    stages: dict[str, float] = {}

    def mark(stage: str) -> None:
        stages[stage] = round(time.perf_counter() - start, 3)

    frame = pl.read_csv(path, infer_schema=False, columns=[phone_column])
    mark("read")
    distinct = frame.select(pl.col(phone_column).alias("raw")).unique().with_columns(
        pl.lit(region).alias("region_hint"))
    mark("distinct")
    answers = parse_distinct(distinct)
    mark("normalize")
    answers = answers.select(
        "raw", token_expr(keys, "phone", pl.col("e164")).alias("phone_token"),
        mask_phone_expr(pl.col("e164"), pl.col("country_code"), pl.col("national_number")).alias("phone_masked"),
        *CORE_COLUMNS[3:])
    mark("token_mask")
    rows = frame.select(pl.int_range(1, frame.height + 1).alias("row"), pl.col(phone_column).alias("raw")).join(
        answers, on="raw", how="left", maintain_order="left").drop("raw")
    mark("rows")
    rows.write_parquet(out, compression="zstd", compression_level=1)
    mark("write")
    return {"stages": stages, "cpu": round(time.process_time() - cpu, 3),
            "peak_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3)}


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    path, phone_column = Path(args[0]), args[1] if len(args) > 1 else PHONE_COLUMN
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
        print(json.dumps(core_pipeline(path, phone_column, Path(tmp) / "rows.parquet")))


if __name__ == "__main__":
    main()
