"""Exposure metrics: what a scan's outputs still reveal (report.json ``exposure``).

Measured, not assumed:

* ``plaintext_numbers_written`` — every written file is read back (Parquet: every column as
  text; anything else: its bytes) and every digit run (also ``138 0013 8000`` /
  ``138-0013-8000``) is compared with, and searched for, every input number in E.164 digits (with or without
  ``00``), national digits and ``0`` + national digits. Must be 0.
* ``direct_identifier_columns`` — columns of the rows output that hold plaintext numbers or
  names (by name or by content).
* ``reidentification`` — per row, the size of the candidate set of real numbers consistent
  with what the outputs show: ``10^k`` for a mask hiding ``k`` digits (``138****8000``:
  10,000), narrowed exactly (phonenumbers' carrier and geocoder data, enumerating the hidden
  block) when an output column reveals the carrier or the city; 1 when a plaintext number is
  written. An upper bound: not every completion is an assigned number.
* ``k_anonymity`` — the smallest group of rows sharing the same quasi-identifier values kept
  in the outputs (without and with the mask).
* ``baseline_plaintext`` — the usual workflow (the list copied in plaintext) for comparison:
  every number written, candidate set 1, k = 1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Sequence

import phonenumbers
import polars as pl
from phonenumbers import geocoder

from scanner.privacy.reveal import carrier_of

MIN_NEEDLE_DIGITS = 7
STRICT_RUN = r"[0-9]{7,}"
LOOSE_RUN = r"[0-9](?:[ \-.]?[0-9]){6,}"
PHONE_COLUMN_NAMES = {"e164", "phone", "raw", "national_number", "number", "mobile", "tel",
                      "手机号", "手机", "电话"}
IDENTIFIER_NAMES = PHONE_COLUMN_NAMES | {"name", "email", "姓名", "邮箱"}
QUASI_IDENTIFIERS = ("name_masked", "region", "type", "valid", "source", "consent", "carrier",
                     "city", "province")
CN_MASK = r"^1[0-9]{2}\*{4}[0-9]{4}$"
NARROWING_COLUMNS = ("carrier", "city")
SMALL_CANDIDATE_SET = 100


def _needles(numbers: pl.DataFrame) -> pl.Series:
    """Every textual form of every input number a leak would show (digits only)."""
    e164 = numbers.get_column("e164").drop_nulls().unique()
    digits = e164.str.strip_prefix("+")
    forms = [digits, "00" + digits]
    if "national_number" in numbers.columns:
        nn = numbers.get_column("national_number").drop_nulls().cast(pl.String).unique()
        forms += [nn, "0" + nn]
    out = pl.concat(forms).unique()
    return out.filter(out.str.len_chars() >= MIN_NEEDLE_DIGITS)


def _digit_runs(text: pl.Series) -> pl.Series:
    strict = text.str.extract_all(STRICT_RUN).explode()
    loose = text.str.extract_all(LOOSE_RUN).explode()
    # pure digit runs are already in ``strict``; count only the separated forms again
    loose = loose.filter(loose.str.contains(r"[ \-.]")).str.replace_all(r"[ \-.]", "")
    return pl.concat([strict, loose]).drop_nulls()


def _file_text(path: Path) -> pl.Series:
    """A file's text as a Series of strings (Parquet: every cell; else: its lines)."""
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        cells = [
            frame.get_column(c).cast(pl.List(pl.String)).list.join(" ") if dtype.is_nested()
            else frame.get_column(c).cast(pl.String)
            for c, dtype in frame.schema.items()
        ]
        return pl.concat(cells).drop_nulls() if cells else pl.Series([], dtype=pl.String)
    raw = path.read_bytes()
    return pl.Series(raw.decode("utf-8", errors="replace").splitlines(), dtype=pl.String)


def count_plaintext(text: pl.Series, needles: pl.Series) -> int:
    """How many input numbers (in any of their forms) the digit runs of ``text`` hold.

    A run equal to a number is counted by a hash lookup; a longer run that does not is
    searched for embedded numbers (``x13800138000123``) with Aho-Corasick.
    """
    runs = _digit_runs(text)
    if not runs.len() or not needles.len():
        return 0
    exact = runs.is_in(needles.implode())
    longer = runs.filter(~exact & (runs.str.len_chars() > needles.str.len_chars().min()))
    embedded = 0
    if longer.len():
        embedded = int(longer.str.extract_many(needles.implode(), overlapping=False, leftmost=True)
                       .list.len().sum())
    return int(exact.sum()) + embedded


def plaintext_in_text(text: str, numbers: pl.DataFrame) -> int:
    """Plaintext copies of ``numbers`` in a text not yet written (e.g. the report JSON)."""
    return count_plaintext(pl.Series(text.splitlines(), dtype=pl.String), _needles(numbers))


def _names(numbers: pl.DataFrame) -> pl.Series:
    if "name" not in numbers.columns:
        return pl.Series([], dtype=pl.String)
    names = numbers.get_column("name").drop_nulls().str.normalize("NFKC").str.strip_chars().unique()
    return names.filter(names.str.len_chars() >= 2)


def _direct_identifier_columns(rows: pl.DataFrame, needles: pl.Series, names: pl.Series) -> list[str]:
    found = []
    for column, dtype in rows.schema.items():
        if column in IDENTIFIER_NAMES:
            found.append(column)
            continue
        if dtype.is_nested():
            continue
        values = rows.get_column(column).drop_nulls().cast(pl.String)
        if not values.len():
            continue
        names_hit = int(values.str.strip_chars().is_in(names.implode()).sum()) if names.len() else 0
        if count_plaintext(values, needles) or names_hit >= max(1, values.len() // 10):
            found.append(column)
    return found


def _block_values(prefix: str, column: str) -> pl.Series:
    """The revealed value (carrier or city) of each of the 10^4 hidden blocks after ``prefix``."""
    e164 = [f"+86{prefix}{block:04d}0000" for block in range(10_000)]
    if column == "carrier":
        return carrier_of(pl.DataFrame({"e164": e164}))["carrier"]
    return pl.Series([geocoder.description_for_number(phonenumbers.parse(n), "zh") for n in e164],
                     dtype=pl.String)


def _candidates(rows: pl.DataFrame, phone_identified: bool) -> tuple[pl.Series, list[str]]:
    """Candidate-set size per row with a number (see module docstring), and what narrowed it."""
    masked = rows.filter(pl.col("phone_masked").is_not_null())
    if phone_identified:
        return pl.Series("candidates", [1.0] * masked.height), ["plaintext number"]
    hidden = masked.get_column("phone_masked").str.count_matches(r"\*").cast(pl.Float64)
    narrowing = [c for c in NARROWING_COLUMNS if c in masked.columns]
    work = masked.select(
        pl.col("phone_masked"), (10.0 ** hidden).alias("candidates"),
        *[pl.col(c).cast(pl.String) for c in narrowing],
    ).with_columns(_cn=pl.col("phone_masked").str.contains(CN_MASK),
                   _prefix=pl.col("phone_masked").str.slice(0, 3))
    if narrowing:
        # enumerate the hidden block of each CN mobile prefix: how many blocks show these values
        prefixes = work.filter(pl.col("_cn"))["_prefix"].unique().sort().to_list()
        tables = [pl.DataFrame({"_prefix": p, **{c: _block_values(p, c) for c in narrowing}})
                  for p in prefixes]
        if tables:
            counts = pl.concat(tables).group_by("_prefix", *narrowing).len("_count")
            work = work.join(counts, on=["_prefix", *narrowing], how="left", nulls_equal=True)
            # a value the enumeration never produces (other naming) narrows nothing we can prove
            work = work.with_columns(candidates=pl.when(pl.col("_cn") & pl.col("_count").is_not_null())
                                     .then(pl.col("_count").cast(pl.Float64)).otherwise("candidates"))
    return work.get_column("candidates"), ["phone_masked", *narrowing]


def _k(rows: pl.DataFrame, columns: Sequence[str]) -> dict:
    if not columns or not rows.height:
        return {"quasi_identifiers": list(columns), "k": rows.height, "rows_k_lt_5": 0}
    sizes = rows.group_by(list(columns)).len("size")
    k = int(sizes["size"].min())
    small = int(sizes.filter(pl.col("size") < 5)["size"].sum())
    return {"quasi_identifiers": list(columns), "k": k, "rows_k_lt_5": small}


def exposure_metrics(*, rows: pl.DataFrame, files: Iterable[str | os.PathLike], numbers: pl.DataFrame,
                     quasi_identifiers: Sequence[str] | None = None) -> dict:
    """Exposure of a scan's outputs, for report.json ``exposure`` (no number in the result).

    ``rows``: the rows output (``row``, ``phone_token``, ``phone_masked``, ``region``, ``type``,
    ...); ``files``: the files written (Parquet read as data, others as bytes; leave the
    encrypted vault out); ``numbers``: the private mapping (``e164`` [, ``national_number``,
    ``name``]) the scan held in memory.
    """
    needles = _needles(numbers)
    per_file = {}
    for path in map(Path, files):
        per_file[path.name] = count_plaintext(_file_text(path), needles)
    identifiers = _direct_identifier_columns(rows, needles, _names(numbers))
    phone_identified = any(
        c in PHONE_COLUMN_NAMES or count_plaintext(rows.get_column(c).drop_nulls().cast(pl.String), needles)
        for c in identifiers if not rows.schema[c].is_nested()
    )
    has_mask = "phone_masked" in rows.columns
    candidates, basis = (_candidates(rows, phone_identified) if has_mask
                         else (pl.Series("candidates", [], dtype=pl.Float64), []))
    qis = [c for c in (quasi_identifiers or QUASI_IDENTIFIERS) if c in rows.columns]
    with_mask = _k(rows, [*qis, "phone_masked"]) if has_mask else None
    with_numbers = int(numbers.get_column("e164").is_not_null().sum())
    return {
        "plaintext_numbers_written": sum(per_file.values()),
        "files_checked": per_file,
        "direct_identifier_columns": identifiers,
        "direct_identifiers": len(identifiers),
        "reidentification": {
            "basis": basis,
            "rows": candidates.len(),
            "candidates_min": _int_or_none(candidates.min()),
            "candidates_median": _int_or_none(candidates.median()),
            "candidates_max": _int_or_none(candidates.max()),
            f"rows_below_{SMALL_CANDIDATE_SET}": int((candidates < SMALL_CANDIDATE_SET).sum()),
            "rows_identified": int((candidates <= 1).sum()),
        },
        "k_anonymity": {**_k(rows, qis), "with_mask": with_mask},
        "baseline_plaintext": {
            "plaintext_numbers_written": with_numbers,
            "direct_identifiers": 1 + ("name" in numbers.columns),
            "candidates": 1,
            "k": 1,
        },
    }


def _int_or_none(value) -> int | None:
    return None if value is None else int(value)
