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
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

import phonenumbers
import polars as pl

from scanner.privacy.reveal import carrier_of

MIN_NEEDLE_DIGITS = 7
LOOSE_RUN = r"[0-9](?:[ \-.]?[0-9]){6,}"
HEX_WORD = r"\b(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})\b"
PURE_HEX = r"^(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})$"
PHONE_COLUMN_NAMES = {"e164", "phone", "raw", "national_number", "number", "mobile", "tel",
                      "手机号", "手机", "电话"}
IDENTIFIER_NAMES = PHONE_COLUMN_NAMES | {"name", "email", "姓名", "邮箱"}
QUASI_IDENTIFIERS = ("name_masked", "region", "type", "valid", "source", "consent", "carrier",
                     "city", "province")
CN_MASK = r"^1[0-9]{2}\*{4}[0-9]{4}$"
NARROWING_COLUMNS = ("carrier", "city")
SMALL_CANDIDATE_SET = 100


@dataclass(frozen=True)
class Needles:
    """The input numbers as a leak would show them: integers (so ``0``/``00`` prefixes and
    leading zeros match for free) and digit strings (for numbers embedded in longer runs)."""

    ints: pl.Series
    texts: pl.Series

    @cached_property
    def lengths(self) -> list[int]:
        """The needles' lengths, longest first (embedded search)."""
        return sorted(self.texts.str.len_chars().unique().to_list(), reverse=True)

    def present_in(self, runs: Iterable[str]) -> set[str]:
        """The needles that occur as a substring of one of ``runs``: every substring of a
        needle length is looked up in one vectorized join, not in a Python set of all
        needles (which costs ~0.3 s per million numbers to build)."""
        subs = {run[i:i + n] for run in runs for n in self.lengths for i in range(len(run) - n + 1)}
        if not subs:
            return set()
        # probe the needles into the (small) substring set, not the other way round
        found = pl.Series("s", list(subs), dtype=pl.String)
        return set(self.texts.filter(self.texts.is_in(found.implode())).to_list())

    @classmethod
    def of(cls, numbers: pl.DataFrame) -> "Needles":
        forms = [numbers.get_column("e164").drop_nulls().str.strip_prefix("+")]
        if "national_number" in numbers.columns:
            forms.append(numbers.get_column("national_number").drop_nulls().cast(pl.String))
        texts = pl.concat(forms).unique()
        texts = texts.filter(texts.str.len_chars() >= MIN_NEEDLE_DIGITS)
        return cls(texts.str.to_integer(strict=False).drop_nulls().unique().alias("_n"), texts)


def _digit_runs(text: pl.Series) -> pl.Series:
    """Digit runs of 7+ digits, separators (space, ``-``, ``.``) inside a run removed.

    Two numbers separated by a space merge into one long run; the embedded search of
    :func:`count_plaintext_by_source` still finds both. Hex digests and tokens (32/40/64
    lowercase hex) are skipped first: the digits inside a million random tokens would match
    a few numbers by chance (~2.5 expected per 1M tokens against 1M CN numbers).

    Exact shortcuts (same runs as the general route, ~10x less regex work on scan outputs):
    a cell without any run is dropped (removing a hex word never creates a run: the word is
    bounded by non-word characters, so at least three non-digits separate its neighbours);
    cells are cut at commas (neither a word character nor a run separator); a cell that is
    one hex word yields nothing and one of only digits is its own run.
    """
    text = text.drop_nulls()
    text = text.filter(~text.str.contains(PURE_HEX))  # cheap test first: tokens are most cells
    if text.str.contains(",", literal=True).any():
        text = text.str.split(",").explode()
        text = text.filter(~text.str.contains(PURE_HEX))
    text = text.filter(text.str.contains(LOOSE_RUN))
    digits = text.str.contains(r"^[0-9]+$")
    own = text.filter(digits)
    rest = text.filter(~digits)
    runs = rest.str.replace_all(HEX_WORD, " ").str.extract_all(LOOSE_RUN).explode().drop_nulls()
    return pl.concat([own, runs.str.replace_all(r"[ \-.]", "")])


def _cells(column: pl.Series) -> pl.Series:
    if column.dtype.is_nested():
        return column.cast(pl.List(pl.String)).list.join(" ")
    return column.cast(pl.String)


def _file_text(path: Path) -> Iterator[pl.Series]:
    """A file's text as Series of strings (Parquet: every cell, one column at a time, so
    only one column is ever held as text; else: its lines)."""
    if path.suffix == ".parquet":
        for column in pl.read_parquet_schema(path):
            yield _cells(pl.read_parquet(path, columns=[column]).to_series()).drop_nulls()
        return
    raw = path.read_bytes()
    yield pl.Series(raw.decode("utf-8", errors="replace").splitlines(), dtype=pl.String)


def count_plaintext_by_source(sources: Mapping[str, pl.Series | Iterable[pl.Series]],
                              needles: Needles) -> dict[str, int]:
    """How many input numbers (in any of their forms) the digit runs of each text hold.

    A text is a Series of strings or an iterable of them (read one part at a time: only the
    digit runs are kept). A run equal to a number (up to ``0``/``00`` prefixes) is found by
    one integer join; the few longer runs that are not are searched for embedded numbers
    (``x13800138000123``). One pass over all sources, so the needle tables are built once.
    """
    counts = dict.fromkeys(sources, 0)
    if not needles.texts.len():
        return counts
    runs = pl.concat([
        pl.DataFrame(schema={"source": pl.String, "run": pl.String}),
        *[_digit_runs(part).to_frame("run").with_columns(source=pl.lit(name)).select("source", "run")
          for name, text in sources.items()
          for part in ([text] if isinstance(text, pl.Series) else text)],
    ])
    runs = runs.with_columns(_n=pl.col("run").str.to_integer(strict=False))
    exact = runs.join(needles.ints.to_frame(), on="_n", how="semi")
    for source, n in exact.group_by("source").len().iter_rows():
        counts[source] += n
    min_len = needles.lengths[-1]
    longer = runs.join(exact.select("run").unique(), on="run", how="anti").filter(
        pl.col("run").str.len_chars() > min_len)
    if longer.height:
        texts, lengths = needles.present_in(longer.get_column("run").unique().to_list()), needles.lengths
        for source, run in longer.select("source", "run").iter_rows():
            counts[source] += _embedded(run, texts, lengths)
    return counts


def _embedded(run: str, texts: set[str], lengths: list[int]) -> int:
    """Non-overlapping needles inside ``run``, leftmost-longest first."""
    found, i = 0, 0
    while i < len(run):
        hit = next((n for n in lengths if run[i:i + n] in texts), 0)
        found += bool(hit)
        i += hit or 1
    return found


def count_plaintext(text: pl.Series, needles: Needles) -> int:
    """Plaintext copies of the needles in one text Series."""
    return count_plaintext_by_source({"text": text}, needles)["text"]


def plaintext_in_text(text: str, numbers: pl.DataFrame, *, needles: Needles | None = None) -> int:
    """Plaintext copies of ``numbers`` in a text not yet written (e.g. the report JSON)."""
    return count_plaintext(pl.Series(text.splitlines(), dtype=pl.String), needles or Needles.of(numbers))


def _names(numbers: pl.DataFrame) -> pl.Series:
    if "name" not in numbers.columns:
        return pl.Series([], dtype=pl.String)
    names = numbers.get_column("name").drop_nulls().str.normalize("NFKC").str.strip_chars().unique()
    return names.filter(names.str.len_chars() >= 2)


def _column_text(frame: pl.DataFrame, column: str) -> Iterator[pl.Series]:
    """One column's cells as text, produced only when read (one column at a time: memory)."""
    yield _cells(frame.get_column(column)).drop_nulls()


def _per_column(rows: pl.DataFrame, needles: Needles) -> dict[str, int]:
    """Plaintext copies of the needles in each column of the rows output (cells as text)."""
    return count_plaintext_by_source({c: _column_text(rows, c) for c in rows.columns}, needles)


def _reads_back_as(path: Path, rows: pl.DataFrame) -> bool:
    """Whether the Parquet file at ``path`` holds exactly ``rows`` (column by column)."""
    try:
        if list(pl.read_parquet_schema(path).items()) != list(rows.schema.items()):
            return False
        return all(pl.read_parquet(path, columns=[c]).to_series().equals(rows.get_column(c))
                   for c in rows.columns)
    except Exception:  # unreadable as Parquet: searched as bytes would be
        return False


def _direct_identifier_columns(rows: pl.DataFrame, needles: Needles, names: pl.Series,
                               per_column: Mapping[str, int] | None = None) -> tuple[list[str], bool]:
    """Columns holding plaintext identifiers (by name or content); and whether one is a number.

    ``per_column``: :func:`_per_column` of ``rows`` when already computed.
    """
    texts = [c for c, dtype in rows.schema.items() if not dtype.is_nested() and c not in IDENTIFIER_NAMES]

    def text(column: str) -> pl.Series:
        return rows.get_column(column).drop_nulls().cast(pl.String)

    numbers_in = (per_column if per_column is not None
                  else count_plaintext_by_source({c: _column_text(rows, c) for c in texts}, needles))
    found, phone = [], False
    for column in rows.columns:
        if column in IDENTIFIER_NAMES:
            found.append(column)
            phone = phone or column in PHONE_COLUMN_NAMES
        elif column in texts:
            values = text(column)
            names_hit = int(values.str.strip_chars().is_in(names.implode()).sum()) if names.len() else 0
            if numbers_in[column] or (values.len() and names_hit >= max(1, values.len() // 10)):
                found.append(column)
                phone = phone or bool(numbers_in[column])
    return found, phone


def _block_values(prefix: str, column: str) -> pl.Series:
    """The revealed value (carrier or city) of each of the 10^4 hidden blocks after ``prefix``."""
    e164 = [f"+86{prefix}{block:04d}0000" for block in range(10_000)]
    if column == "carrier":
        return carrier_of(pl.DataFrame({"e164": e164}))["carrier"]
    from phonenumbers import geocoder  # 1.4 s import: only when a city column needs it

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
                     quasi_identifiers: Sequence[str] | None = None, needles: Needles | None = None) -> dict:
    """Exposure of a scan's outputs, for report.json ``exposure`` (no number in the result).

    ``rows``: the rows output (``row``, ``phone_token``, ``phone_masked``, ``region``, ``type``,
    ...); ``files``: the files written (Parquet read as data, others as bytes; leave the
    encrypted vault out); ``numbers``: the private mapping (``e164`` [, ``national_number``,
    ``name``]) the scan held in memory.
    """
    needles = needles or Needles.of(numbers)
    per_column = _per_column(rows, needles)
    # A Parquet file that reads back cell for cell as ``rows`` holds the same text, so its
    # count is the rows' count (one regex pass instead of two); any other file is searched.
    files = [Path(p) for p in files]
    same = {p.name for p in files if p.suffix == ".parquet" and _reads_back_as(p, rows)}
    searched = count_plaintext_by_source({p.name: _file_text(p) for p in files if p.name not in same}, needles)
    per_file = {p.name: sum(per_column.values()) if p.name in same else searched[p.name] for p in files}
    identifiers, phone_identified = _direct_identifier_columns(rows, needles, _names(numbers), per_column)
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


def _int_or_none(value) -> int | float | None:
    # Large candidate counts (junk values with long hidden parts) are reported in 3
    # significant digits: exact integers like 10**32 are noise, and their long digit runs
    # could pass for a phone number in the report's own plaintext check.
    if value is None:
        return None
    if value >= 1e6:
        return float(f"{value:.3g}")
    return int(value)
