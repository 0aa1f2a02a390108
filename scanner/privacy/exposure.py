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

Bounded memory: the rows output may be a :class:`polars.LazyFrame` (a scan of the written
``rows.parquet``); it is then read one column at a time, and the group-bys (k-anonymity,
candidate sets) run as streaming queries that keep only their aggregates. The numbers may be
given as distinct values (not one row per input row); only the baseline's count of rows
with a number needs the rows, and it is then passed as ``rows_with_number``.
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
RUN_DIGITS = 7  # the shortest run LOOSE_RUN matches
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
DIGITS = list("0123456789")
TEXT_BLOCK_BYTES = 64 << 20  # a non-Parquet file is searched this many bytes (whole lines) at a time
STREAMING = "streaming"
NO_RUNS = pl.Series("run", [], dtype=pl.String)

Rows = pl.DataFrame | pl.LazyFrame


@dataclass(frozen=True)
class Needles:
    """The input numbers as a leak would show them: integers (so ``0``/``00`` prefixes and
    leading zeros match for free) and digit strings (for numbers embedded in longer runs).

    Held as integers, a third of the memory of their text: ``ints``, every needle's integer
    (sorted, for binary search); ``canonical``, the needles that are their integer written out
    (sorted; ``ints`` itself when there is no other); ``others``, the few other texts
    (leading zeros, beyond Int64). :attr:`texts` writes them all out, only when asked.
    """

    ints: pl.Series
    canonical: pl.Series
    others: pl.Series

    def __post_init__(self) -> None:
        for name in ("ints", "canonical"):  # binary searches need them sorted
            if not getattr(self, name).is_sorted():
                object.__setattr__(self, name, getattr(self, name).sort())

    @property
    def count(self) -> int:
        """How many distinct needle texts there are."""
        return self.canonical.len() + self.others.len()

    @cached_property
    def texts(self) -> pl.Series:
        """Every needle as its digit text (distinct)."""
        return pl.concat([self.canonical.cast(pl.String), self.others])

    def hits(self, values: pl.Series) -> pl.Series:
        """Whether each of ``values`` (integers, nulls allowed) is a needle: a binary search in
        the sorted needles (a hash join would build a table of all needles on every call)."""
        values = values.cast(pl.Int64, strict=False)  # beyond Int64: no needle (as to_integer)
        if not self.ints.len() or not values.len():
            return pl.repeat(False, values.len(), dtype=pl.Boolean, eager=True)
        at = self.ints.search_sorted(values, side="left").clip(0, self.ints.len() - 1)
        return (self.ints.gather(at) == values).fill_null(False)

    @cached_property
    def lengths(self) -> list[int]:
        """The needles' lengths, longest first (embedded search)."""
        # canonical needles have d digits iff 10^(d-1) <= n < 10^d: count them by binary search
        edges = self.canonical.search_sorted(pl.Series([10 ** d for d in range(19)], dtype=pl.Int64))
        edges = [*edges.to_list(), self.canonical.len()]
        lengths = {d + 1 for d in range(19) if edges[d + 1] > edges[d]}
        return sorted(lengths | set(self.others.str.len_chars().unique().to_list()), reverse=True)

    def present_in(self, runs: Iterable[str]) -> set[str]:
        """The needles that occur as a substring of one of ``runs``: every substring of a
        needle length is looked up in one vectorized join, not in a Python set of all
        needles (which costs ~0.3 s per million numbers to build)."""
        subs = {run[i:i + n] for run in runs for n in self.lengths for i in range(len(run) - n + 1)}
        if not subs:
            return set()
        # probe the needles into the (small) substring set, not the other way round
        found = pl.Series("s", list(subs), dtype=pl.String)
        numbers = found.str.to_integer(strict=False).drop_nulls().implode()
        canonical = self.canonical.filter(self.canonical.is_in(numbers)).cast(pl.String).to_list()
        return {t for t in canonical if t in subs} | set(self.others.filter(self.others.is_in(found.implode())))

    @classmethod
    def of(cls, numbers: pl.DataFrame) -> "Needles":
        """From ``e164`` [, ``national_number``]: per input row or distinct values alike."""
        forms = [numbers.get_column("e164").drop_nulls().str.strip_prefix("+")]
        if "national_number" in numbers.columns:
            forms.append(numbers.get_column("national_number").drop_nulls().cast(pl.String))
        canonical, others = [], []
        for texts in forms:  # one form's text at a time
            texts = texts.filter(texts.str.len_chars() >= MIN_NEEDLE_DIGITS)
            ints = texts.str.to_integer(strict=False)
            written_out = ((ints > 0) & (ints.cast(pl.String) == texts)).fill_null(False)
            canonical.append(ints.filter(written_out))
            others.append(texts.filter(~written_out))
        # deduplicating integers is much cheaper than deduplicating their text
        canonical, others = pl.concat(canonical).unique().sort(), pl.concat(others).unique()
        extra = others.str.to_integer(strict=False).drop_nulls()
        ints = pl.concat([canonical, extra]).unique().sort() if extra.len() else canonical
        return cls(ints.alias("_n"), canonical.alias("_n"), others)


def _digit_runs(values: pl.Series) -> pl.Series:
    """Digit runs of 7+ digits in the cells of ``values`` (read as text), separators (space,
    ``-``, ``.``) inside a run removed.

    Two numbers separated by a space merge into one long run; the embedded search of
    :func:`count_plaintext_by_source` still finds both. Hex digests and tokens (32/40/64
    lowercase hex) are skipped first: the digits inside a million random tokens would match
    a few numbers by chance (~2.5 expected per 1M tokens against 1M CN numbers).

    Exact shortcuts (same runs as the general route, ~10x less regex work on scan outputs):
    a cell without any run is dropped (removing a hex word never creates a run: the word is
    bounded by non-word characters, so at least three non-digits separate its neighbours);
    cells are cut at commas (neither a word character nor a run separator); a cell that is
    one hex word yields nothing and one of only digits is its own run. Before any regex, the
    type and two cheap scans decide: booleans and 8/16-bit integers hold no run; a 32/64-bit
    integer's one run is its absolute value when it has 7+ digits (returned as UInt64, never
    written out as text); text whose cells are all shorter than 7 bytes or hold no digit has
    none; nor has a list whose elements cannot form one (:func:`_list_may_hold_run`).
    """
    dtype = values.dtype
    if dtype in (pl.Boolean, pl.Null, pl.Int8, pl.Int16, pl.UInt8, pl.UInt16):
        return NO_RUNS
    if dtype in (pl.Int32, pl.Int64):
        big = values.filter((values >= 10 ** (RUN_DIGITS - 1)) | (values <= -10 ** (RUN_DIGITS - 1)))
        return big.cast(pl.Int128).abs().cast(pl.UInt64)
    if dtype in (pl.UInt32, pl.UInt64):
        return values.filter(values >= 10 ** (RUN_DIGITS - 1)).cast(pl.UInt64)
    if dtype.is_nested() and not _list_may_hold_run(values):
        return NO_RUNS
    text = _cells(values).drop_nulls()
    if not _may_hold_run(text):
        return NO_RUNS
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


def _may_hold_run(text: pl.Series) -> bool:
    """Whether a String Series may hold a run: some cell has 7+ bytes and some cell a digit."""
    return bool(text.len() and text.str.len_bytes().max() >= RUN_DIGITS
                and text.str.contains_any(DIGITS).any())


def _list_may_hold_run(values: pl.Series) -> bool:
    """Whether the cells of a list column, elements joined by spaces, may hold a run.

    Within one element only if :func:`_may_hold_run`; across elements only through the space
    between them, so only if an element begins with a digit (nulls are left out of the join).
    """
    elements = values.cast(pl.List(pl.String)).explode().drop_nulls()
    return _may_hold_run(elements) or bool(elements.str.contains(r"^[0-9]").any())


def _cells(column: pl.Series) -> pl.Series:
    if column.dtype.is_nested():
        return column.cast(pl.List(pl.String)).list.join(" ")
    return column.cast(pl.String)


def _file_text(path: Path) -> Iterator[pl.Series]:
    """A file's cells, a part at a time (Parquet: one column, any type, read as text by
    :func:`_digit_runs`; else: whole lines, about :data:`TEXT_BLOCK_BYTES` at a time)."""
    if path.suffix == ".parquet":
        for column in pl.read_parquet_schema(path):
            values = pl.read_parquet(path, columns=[column]).to_series()
            if not _is_row_index(values):
                yield values
        return
    pending, first, row_field = b"", True, False
    with open(path, "rb") as fh:
        while block := fh.read(TEXT_BLOCK_BYTES):
            if first:  # a CSV written by the tool leads with its row index (see _is_row_index)
                first, row_field = False, (path.suffix == ".csv" and block.startswith(ROW_INDEX.encode() + b","))
            # cut after a b"\n": never inside a UTF-8 sequence, a line or a "\r\n"
            cut = block.rfind(b"\n") + 1
            if not cut:
                pending += block
                continue
            yield _lines(pending + block[:cut], row_field)
            pending = block[cut:]
    if pending:
        yield _lines(pending, row_field)


def _lines(raw: bytes, row_field: bool = False) -> pl.Series:
    lines = pl.Series(raw.decode("utf-8", errors="replace").splitlines(), dtype=pl.String)
    return lines.str.replace(r"^[0-9]+,", ",") if row_field else lines


def count_plaintext_by_source(sources: Mapping[str, pl.Series | Iterable[pl.Series]],
                              needles: Needles) -> dict[str, int]:
    """How many input numbers (in any of their forms) the digit runs of each text hold.

    A text is a Series (cells of any type, read as text) or an iterable of them (read one
    part at a time: only the runs that are no number but may hold one are kept). A run equal
    to a number (up to ``0``/``00`` prefixes) is found by a binary search in the sorted
    needles; the few longer runs that are not are searched for embedded numbers
    (``x13800138000123``), each distinct run once. One pass over all sources, so the needle
    tables are built once.
    """
    counts = dict.fromkeys(sources, 0)
    if not needles.count:
        return counts
    min_len = needles.lengths[-1]
    longer = [pl.DataFrame(schema={"source": pl.String, "run": pl.String})]
    for name, text in sources.items():
        for part in ([text] if isinstance(text, pl.Series) else text):
            runs = _digit_runs(part)
            del part  # one part in memory at a time
            if runs.dtype == pl.String:
                hit, long = needles.hits(runs.str.to_integer(strict=False)), runs.str.len_chars() > min_len
            else:  # an integer column's runs (UInt64, <= 20 digits): > min_len digits iff >= 10^min_len
                hit = needles.hits(runs)
                long = runs >= 10 ** min_len if min_len < 20 else runs.is_null()
            counts[name] += int(hit.sum())
            rest = runs.filter(~hit & long).cast(pl.String)
            if rest.len():
                longer.append(rest.to_frame("run").select(source=pl.lit(name), run="run"))
    longer = pl.concat(longer).group_by("source", "run").len()
    if longer.height:
        texts, lengths = needles.present_in(longer.get_column("run").unique().to_list()), needles.lengths
        for source, run, n in longer.select("source", "run", "len").iter_rows():
            counts[source] += n * _embedded(run, texts, lengths)
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


def plaintext_in_text(text: str, numbers: pl.DataFrame | None, *, needles: Needles | None = None) -> int:
    """Plaintext copies of ``numbers`` (or of ``needles`` already made) in a text not yet
    written (e.g. the report JSON)."""
    return count_plaintext(pl.Series(text.splitlines(), dtype=pl.String), needles or Needles.of(numbers))


def _names(numbers: pl.DataFrame) -> pl.Series:
    if "name" not in numbers.columns:
        return pl.Series([], dtype=pl.String)
    names = numbers.get_column("name").drop_nulls().str.normalize("NFKC").str.strip_chars().unique()
    return names.filter(names.str.len_chars() >= 2)


def _column(rows: Rows, column: str) -> pl.Series:
    """One column of the rows output (of a LazyFrame: read alone)."""
    if isinstance(rows, pl.LazyFrame):
        return rows.select(column).collect(engine=STREAMING).to_series()
    return rows.get_column(column)


ROW_INDEX = "row"


def _is_row_index(values: pl.Series) -> bool:
    """The outputs' own ``row`` column: positive integers, strictly increasing. It numbers
    the input's rows and holds no number of the list, though in a list of millions of rows
    its values are as long as some numbers' national digits (7+): not searched."""
    if values.name != ROW_INDEX or not values.dtype.is_integer() or values.null_count():
        return False
    return values.len() == 0 or (values.min() >= 1 and bool((values.diff().drop_nulls() > 0).all()))


#: A LazyFrame's column is read this many rows at a time (memory on lists of 100M rows).
CHUNK_ROWS = 2_000_000


def _column_values(rows: Rows, column: str) -> Iterator[pl.Series]:
    """One column's cells, produced only when read: of a LazyFrame, :data:`CHUNK_ROWS` at a
    time (one column of 100M tokens alone is ~5 GB as text)."""
    if isinstance(rows, pl.DataFrame):
        values = rows.get_column(column)
        if not _is_row_index(values):
            yield values
        return
    height = _height(rows)

    def chunks() -> Iterator[pl.Series]:
        for offset in range(0, height, CHUNK_ROWS):
            yield rows.select(column).slice(offset, CHUNK_ROWS).collect(engine=STREAMING).to_series()

    if column == ROW_INDEX and _chunks_are_row_index(chunks()):
        return
    yield from chunks()


def _chunks_are_row_index(chunks: Iterable[pl.Series]) -> bool:
    """:func:`_is_row_index` over a column read in consecutive chunks."""
    last = 0
    for values in chunks:
        if not _is_row_index(values):
            return False
        if values.len():
            if values[0] <= last:
                return False
            last = values[-1]
    return True


def _height(rows: Rows) -> int:
    return rows.height if isinstance(rows, pl.DataFrame) else rows.select(pl.len()).collect(engine=STREAMING).item()


def _per_column(rows: Rows, needles: Needles) -> dict[str, int]:
    """Plaintext copies of the needles in each column of the rows output (cells as text)."""
    return count_plaintext_by_source({c: _column_values(rows, c) for c in rows.collect_schema()}, needles)


def _reads_back_as(path: Path, rows: Rows) -> bool:
    """Whether the Parquet file at ``path`` holds exactly ``rows``: ``rows`` is a plain scan
    of it, or it reads back column by column as ``rows``."""
    try:
        if isinstance(rows, pl.LazyFrame) and _is_scan_of(rows, path):
            return True
        schema = rows.collect_schema()
        if list(pl.read_parquet_schema(path).items()) != list(schema.items()):
            return False
        return all(pl.read_parquet(path, columns=[c]).to_series().equals(_column(rows, c)) for c in schema)
    except Exception:  # unreadable as Parquet: searched as bytes would be
        return False


def _is_scan_of(rows: pl.LazyFrame, path: Path) -> bool:
    """Whether ``rows`` is the plan of ``pl.scan_parquet(path)`` with default options and
    nothing on top (no projection, filter, slice, row index...): then it reads as the file."""
    try:
        plan = rows.serialize()
        return any(plan == pl.scan_parquet(p).serialize()
                   for p in dict.fromkeys([str(path), str(path.absolute()), str(path.resolve())]))
    except Exception:  # a plan that does not serialize (Python functions): compared by content
        return False


def _direct_identifier_columns(rows: Rows, needles: Needles, names: pl.Series,
                               per_column: Mapping[str, int] | None = None) -> tuple[list[str], bool]:
    """Columns holding plaintext identifiers (by name or content); and whether one is a number.

    ``per_column``: :func:`_per_column` of ``rows`` when already computed.
    """
    schema = rows.collect_schema()
    texts = [c for c, dtype in schema.items() if not dtype.is_nested() and c not in IDENTIFIER_NAMES]
    numbers_in = (per_column if per_column is not None
                  else count_plaintext_by_source({c: _column_values(rows, c) for c in texts}, needles))
    named = _name_hits(rows, [c for c in texts if not numbers_in[c]], names)
    found, phone = [], False
    for column in schema:
        if column in IDENTIFIER_NAMES:
            found.append(column)
            phone = phone or column in PHONE_COLUMN_NAMES
        elif column in texts:
            cells, names_hit = named.get(column, (0, 0))
            if numbers_in[column] or (cells and names_hit >= max(1, cells // 10)):
                found.append(column)
                phone = phone or bool(numbers_in[column])
    return found, phone


def _name_hits(rows: Rows, columns: Sequence[str], names: pl.Series) -> dict[str, tuple[int, int]]:
    """Per column: its non-null cells, and how many of them (as text, stripped) are a name.
    One streaming query over all the columns."""
    if not names.len() or not columns:
        return {}
    stats = rows.lazy().select(
        *[pl.col(c).count().alias(f"cells{i}") for i, c in enumerate(columns)],
        *[pl.col(c).cast(pl.String).str.strip_chars().is_in(names.implode()).sum().alias(f"hits{i}")
          for i, c in enumerate(columns)],
    ).collect(engine=STREAMING).row(0)
    return {c: (stats[i], stats[len(columns) + i]) for i, c in enumerate(columns)}


def _block_values(prefix: str, column: str) -> pl.Series:
    """The revealed value (carrier or city) of each of the 10^4 hidden blocks after ``prefix``."""
    e164 = [f"+86{prefix}{block:04d}0000" for block in range(10_000)]
    if column == "carrier":
        return carrier_of(pl.DataFrame({"e164": e164}))["carrier"]
    from phonenumbers import geocoder  # 1.4 s import: only when a city column needs it

    return pl.Series([geocoder.description_for_number(phonenumbers.parse(n), "zh") for n in e164],
                     dtype=pl.String)


def _candidate_sizes(rows: Rows, phone_identified: bool) -> tuple[pl.DataFrame, list[str]]:
    """The candidate-set sizes of the rows with a number (see module docstring), as distinct
    ``candidates`` with their row count ``len``; and what narrowed them."""
    masked = rows.lazy().filter(pl.col("phone_masked").is_not_null())
    if phone_identified:
        work, basis = masked.with_columns(candidates=pl.lit(1.0)), ["plaintext number"]
    else:
        narrowing = [c for c in NARROWING_COLUMNS if c in rows.collect_schema()]
        work = masked.select(
            candidates=10.0 ** pl.col("phone_masked").str.count_matches(r"\*").cast(pl.Float64),
            *[pl.col(c).cast(pl.String) for c in narrowing],
            _cn=pl.col("phone_masked").str.contains(CN_MASK),
            _prefix=pl.col("phone_masked").str.slice(0, 3),
        )
        basis = ["phone_masked", *narrowing]
        # enumerate the hidden block of each CN mobile prefix: how many blocks show these values
        prefixes = (work.filter(pl.col("_cn")).select(pl.col("_prefix").unique()).collect(engine=STREAMING)
                    .get_column("_prefix").sort().to_list()) if narrowing else []
        if prefixes:
            tables = [pl.DataFrame({"_prefix": p, **{c: _block_values(p, c) for c in narrowing}})
                      for p in prefixes]
            counts = pl.concat(tables).group_by("_prefix", *narrowing).len("_count")
            work = work.join(counts.lazy(), on=["_prefix", *narrowing], how="left", nulls_equal=True)
            # a value the enumeration never produces (other naming) narrows nothing we can prove
            work = work.with_columns(candidates=pl.when(pl.col("_cn") & pl.col("_count").is_not_null())
                                     .then(pl.col("_count").cast(pl.Float64)).otherwise("candidates"))
    sizes = work.group_by("candidates").len().collect(engine=STREAMING).sort("candidates")
    return sizes, basis


def _reidentification(sizes: pl.DataFrame, basis: list[str]) -> dict:
    """Candidate-set statistics from :func:`_candidate_sizes` (the same as over one value a row)."""
    values, rows = sizes.get_column("candidates"), sizes.get_column("len").cast(pl.Int64)
    return {
        "basis": basis,
        "rows": int(rows.sum()),
        "candidates_min": _int_or_none(values.min()),
        "candidates_median": _int_or_none(_median(values, rows)),
        "candidates_max": _int_or_none(values.max()),
        f"rows_below_{SMALL_CANDIDATE_SET}": int(rows.filter(values < SMALL_CANDIDATE_SET).sum()),
        "rows_identified": int(rows.filter(values <= 1).sum()),
    }


def _median(values: pl.Series, rows: pl.Series) -> float | None:
    """The median of sorted ``values`` each repeated ``rows`` times, computed as polars does."""
    total = int(rows.sum())
    if not total:
        return None
    ends = rows.cum_sum()
    middle = [values[int((ends > i).arg_max())] for i in ((total - 1) // 2, total // 2)]
    return pl.Series(middle, dtype=pl.Float64).median()


def _k(rows: Rows, columns: Sequence[str]) -> dict:
    """The smallest group of rows sharing ``columns``, and the rows in groups under 5.

    One streaming group-by on a 64-bit hash of the values (4x faster and a third of the
    memory of grouping the values themselves on 5M rows); a second, independent hash per
    group shows that no two groups share the first (else: the group-by on the values).
    """
    k = small = None
    if columns:
        key = pl.struct(list(columns))
        by_hash = rows.lazy().group_by(_key=_hash(key, 0)).agg(
            pl.len().alias("size"), _hash(key, 1).min().alias("_lo"), _hash(key, 1).max().alias("_hi"))
        k, small, shared = _group_sizes(by_hash, shared=(pl.col("_lo") != pl.col("_hi")).any())
        if shared:  # two groups' values hash alike (~never)
            k, small, _ = _group_sizes(rows.lazy().group_by(list(columns)).len("size"))
    if k is None:  # no quasi-identifier kept, or no row
        k, small = _height(rows), 0
    return {"quasi_identifiers": list(columns), "k": int(k), "rows_k_lt_5": int(small)}


def _hash(key: pl.Expr, seed: int) -> pl.Expr:
    return key.hash(seed)


def _group_sizes(groups: pl.LazyFrame, shared: pl.Expr | None = None) -> tuple[int | None, int, bool]:
    """The smallest ``size`` of ``groups``, the sum of the sizes under 5, and ``shared``."""
    return groups.select(
        k=pl.col("size").min(),
        small=pl.col("size").filter(pl.col("size") < 5).cast(pl.Int64).sum(),
        shared=pl.lit(False) if shared is None else shared,
    ).collect(engine=STREAMING).row(0)


def exposure_metrics(*, rows: Rows, files: Iterable[str | os.PathLike], numbers: pl.DataFrame,
                     quasi_identifiers: Sequence[str] | None = None, needles: Needles | None = None,
                     rows_with_number: int | None = None) -> dict:
    """Exposure of a scan's outputs, for report.json ``exposure`` (no number in the result).

    ``rows``: the rows output (``row``, ``phone_token``, ``phone_masked``, ``region``, ``type``,
    ...), a DataFrame or a LazyFrame (typically ``pl.scan_parquet(out / "rows.parquet")``:
    then read one column at a time, and a file of ``files`` it scans counts as read back);
    ``files``: the files written (Parquet read as data, others as bytes; leave the encrypted
    vault out); ``numbers``: the private mapping (``e164`` [, ``national_number``, ``name``]),
    one row per input row or only distinct values (columns need not align);
    ``rows_with_number``: the input rows with a number (baseline), default: ``numbers``' rows
    with an ``e164``.
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
    schema = rows.collect_schema()
    has_mask = "phone_masked" in schema
    sizes, basis = (_candidate_sizes(rows, phone_identified) if has_mask
                    else (pl.DataFrame(schema={"candidates": pl.Float64, "len": pl.UInt32}), []))
    qis = [c for c in (quasi_identifiers or QUASI_IDENTIFIERS) if c in schema]
    with_mask = _k(rows, [*qis, "phone_masked"]) if has_mask else None
    if rows_with_number is None:
        rows_with_number = int(numbers.get_column("e164").is_not_null().sum())
    return {
        "plaintext_numbers_written": sum(per_file.values()),
        "files_checked": per_file,
        "direct_identifier_columns": identifiers,
        "direct_identifiers": len(identifiers),
        "reidentification": _reidentification(sizes, basis),
        "k_anonymity": {**_k(rows, qis), "with_mask": with_mask},
        "baseline_plaintext": {
            "plaintext_numbers_written": rows_with_number,
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
