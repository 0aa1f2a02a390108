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
``rows.parquet``); it is then read one column at a time (:data:`CHUNK_ROWS` rows at a time,
searched by :data:`SEARCHERS` threads), and the group-bys (k-anonymity, candidate sets) run
as streaming queries that keep only their aggregates. The numbers may be given as distinct
values (not one row per input row); only the baseline's count of rows with a number needs
the rows, and it is then passed as ``rows_with_number``.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import phonenumbers
import polars as pl

from scanner.grouping import pass_filters
from scanner.privacy.embedded import DATE_AT, MAX_SEPARATOR_RUN, NO_DATE, SEPARATOR, chain_regex
from scanner.privacy.reveal import carrier_of

MIN_NEEDLE_DIGITS = 7
DECADES = pl.Series([10 ** d for d in range(1, 19)], dtype=pl.Int64)  # a positive n has 1 + #{d <= n} digits
RUN_DIGITS = 7  # the fewest digits of a run
#: A cell that may hold a run: 7 digits, separator runs allowed between them.
LOOSE_RUN = chain_regex(RUN_DIGITS)
#: A chain of digit groups, as the masking reads one (scanner/privacy/masking.py).
CHAIN = rf"\d+(?:{SEPARATOR}{{1,{MAX_SEPARATOR_RUN}}}\d+)*"
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
DIGITS = list("0123456789\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19")  # ASCII and full-width
TEXT_BLOCK_BYTES = 64 << 20  # a non-Parquet file is searched this many bytes (whole lines) at a time
STREAMING = "streaming"
NO_RUNS = pl.Series("run", [], dtype=pl.String)
#: Needles.hits: up to this many values are looked up by probing the needles, at most PROBES
#: times; beyond, the needles are sorted once for binary searches
PROBE_VALUES = 1 << 16
PROBES = 8
#: A cell of this shape holds no run (at most 6 digits on either side of the ``*``) and no
#: whitespace: a mask (``138****8000``, ``+1******0100``).
MASK_LIKE = r"^\+?[0-9]{0,6}\*+[0-9]{0,6}$"
#: Whole cells of these shapes are left out of the search (:func:`_part_facts`)
NO_RUN_SHAPES = (PURE_HEX, MASK_LIKE)
#: A text part is searched as its distinct values when it has this many times fewer (and
#: at least DEDUPE_MIN cells, the first DEDUPE_MIN telling first).
DEDUPE_RATIO = 16
DEDUPE_MIN = 4096

Rows = pl.DataFrame | pl.LazyFrame


@dataclass(frozen=True)
class Needles:
    """The input numbers as a leak would show them: integers (so ``0``/``00`` prefixes and
    leading zeros match for free) and digit strings (for numbers embedded in longer runs).

    Held as integers, a third of the memory of their text: ``written``, the integers of the
    needles that are their integer written out, as parsed (any order, repeats allowed);
    ``others``, the few other texts (leading zeros, beyond Int64), distinct; ``lengths``,
    every needle's length, longest first. Sorted and distinct forms are made only when asked
    (:attr:`canonical`, :attr:`ints`, :attr:`texts`): a clean output holds few digit runs,
    and a few are looked up faster by probing the needles (:meth:`hits`) than by sorting
    millions of them.
    """

    written: pl.Series
    others: pl.Series
    lengths: list[int]
    _probes: list[int] = field(default_factory=lambda: [0], repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return not (self.written.len() or self.others.len())

    @cached_property
    def count(self) -> int:
        """How many distinct needle texts there are."""
        return self.canonical.len() + self.others.len()

    @cached_property
    def canonical(self) -> pl.Series:
        """The needles that are their integer written out (sorted, distinct)."""
        return self.written.unique().sort()

    @cached_property
    def _extra(self) -> pl.Series:
        return self.others.str.to_integer(strict=False).drop_nulls()

    @cached_property
    def ints(self) -> pl.Series:
        """Every needle's integer (sorted, distinct: for binary search)."""
        return pl.concat([self.canonical, self._extra]).unique().sort() if self._extra.len() else self.canonical

    @cached_property
    def _every(self) -> pl.Series:
        """Every needle's integer, in any order (repeats allowed)."""
        return pl.concat([self.written, self._extra]) if self._extra.len() else self.written

    @cached_property
    def texts(self) -> pl.Series:
        """Every needle as its digit text (distinct)."""
        return pl.concat([self.canonical.cast(pl.String), self.others])

    def hits(self, values: pl.Series) -> pl.Series:
        """Whether each of ``values`` (integers, nulls allowed) is a needle.

        A few values (up to :data:`PROBE_VALUES`, the first :data:`PROBES` times) are found
        by probing every needle into the set of the values; more, by a binary search in the
        sorted needles (sorted once; a hash join would build a table of all needles on every
        call). Both are set membership: the same answer.
        """
        values = values.cast(pl.Int64, strict=False)  # beyond Int64: no needle (as to_integer)
        if self.empty or not values.len():
            return pl.repeat(False, values.len(), dtype=pl.Boolean, eager=True)
        if "ints" not in self.__dict__ and values.len() <= PROBE_VALUES and self._probes[0] < PROBES:
            self._probes[0] += 1
            every = self._every
            present = every.filter(every.is_in(values.drop_nulls().implode()))
            return values.is_in(present.implode()).fill_null(False)
        ints = self.ints
        at = ints.search_sorted(values, side="left").clip(0, ints.len() - 1)
        return (ints.gather(at) == values).fill_null(False)

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
        written = self.written.filter(self.written.is_in(numbers)).cast(pl.String).to_list()
        return {t for t in written if t in subs} | set(self.others.filter(self.others.is_in(found.implode())))

    @classmethod
    def of(cls, numbers: pl.DataFrame) -> "Needles":
        """From ``e164`` [, ``national_number``, ``digits``]: per input row or distinct values alike.

        A form's text is the E.164 number without its ``+``, or the national number; it is
        a needle when it has :data:`MIN_NEEDLE_DIGITS` characters or more. Exact shortcut:
        the number is parsed as it stands (polars reads ``[+-]?[0-9]+`` as an integer, and
        nothing else: see the tests), and a text that parses to a positive integer with as
        many digits as the text has bytes (so neither sign nor leading zero) is that integer
        written out, without making its text or its integer's text. Any other text takes
        the general route: its integer written out or not, compared as text.
        """
        forms = [(numbers.get_column("e164").drop_nulls(), True)]
        for column in ("national_number", "digits"):  # digits: an embedded number as written
            if column in numbers.columns:
                forms.append((numbers.get_column(column).drop_nulls().cast(pl.String), False))
        with ThreadPoolExecutor(max_workers=len(forms)) as pool:  # a form a core
            parts = list(pool.map(lambda form: _form_needles(*form), forms))
        written = pl.concat([ints for part in parts for ints in part[0]]).alias("_n")
        others = pl.concat([part[1] for part in parts]).unique()
        return cls(written, others, sorted({n for part in parts for n in part[2]}, reverse=True))


def _form_needles(raw: pl.Series, e164: bool) -> tuple[list[pl.Series], pl.Series, set[int]]:
    """One form's needles (:meth:`Needles.of`): the integers written out, the other texts,
    and their lengths."""
    size = raw.str.len_bytes()  # of the form: the E.164 number's without its "+"
    if e164:
        size = size - raw.str.starts_with("+").cast(pl.UInt32)
    ints = raw.cast(pl.Int64, strict=False)
    digits = DECADES.search_sorted(ints, side="right") + 1  # of a positive integer
    plain = ((ints > 0) & (digits == size) & (size >= MIN_NEEDLE_DIGITS)).fill_null(False)
    rest = raw.filter(~plain)
    if e164:
        rest = rest.str.strip_prefix("+")
    rest = rest.filter(rest.str.len_chars() >= MIN_NEEDLE_DIGITS)
    parsed = rest.str.to_integer(strict=False)
    written_out = ((parsed > 0) & (parsed.cast(pl.String) == rest)).fill_null(False)
    lengths = set(size.filter(plain).unique().to_list()) | set(rest.str.len_chars().unique().to_list())
    return [ints.filter(plain), parsed.filter(written_out)], rest.filter(~written_out), lengths


def _digit_runs(values: pl.Series) -> pl.Series:
    """Digit runs of 7+ digits in the cells of ``values`` (read as text), separators (space,
    ``-``, ``.``) inside a run removed; see :func:`_part_facts`."""
    return _part_facts(values, dedupe=False)[0]


def _part_facts(values: pl.Series, names: "_Names | None" = None,
                dedupe: bool = True) -> tuple[pl.Series, pl.Series | None, int]:
    """The digit runs of ``values`` (:func:`_digit_runs`), how many times each occurs (None:
    once), and how many cells (as text, stripped) are one of ``names`` (0 without).

    Two numbers separated by a space merge into one long run; the embedded search of
    :func:`count_plaintext_by_source` still finds both. Hex digests and tokens (32/40/64
    lowercase hex) are skipped first: the digits inside a million random tokens would match
    a few numbers by chance (~2.5 expected per 1M tokens against 1M CN numbers).

    Exact shortcuts (same runs as the general route, ~10x less regex work on scan outputs):
    a cell without any run is dropped (removing a hex word never creates a run: the word is
    bounded by non-word characters, so at least three non-digits separate its neighbours);
    so is a cell shaped like a mask (:data:`MASK_LIKE`: no 7 digits in a row); cells are
    cut at commas (neither a word character nor a run separator); a cell that is one hex
    word yields nothing and one of only digits is its own run. Before any regex, the type
    and two cheap scans decide: booleans and 8/16-bit integers hold no run; a 32/64-bit
    integer's one run is its absolute value when it has 7+ digits (returned as UInt64,
    never written out as text); text whose cells are all shorter than 7 bytes or hold no
    digit has none; nor has a list whose elements cannot form one
    (:func:`_list_may_hold_run`). Text with few distinct values (:func:`_few_distinct`)
    is searched (and its names counted) once per distinct value, each run counted as often
    as its cell occurs.
    """
    dtype = values.dtype
    if dtype in (pl.Boolean, pl.Null, pl.Int8, pl.Int16, pl.UInt8, pl.UInt16):
        return NO_RUNS, None, names.count(values) if names else 0
    if dtype in (pl.Int32, pl.Int64):
        big = values.filter((values >= 10 ** (RUN_DIGITS - 1)) | (values <= -10 ** (RUN_DIGITS - 1)))
        return big.cast(pl.Int128).abs().cast(pl.UInt64), None, names.count(values) if names else 0
    if dtype in (pl.UInt32, pl.UInt64):
        return values.filter(values >= 10 ** (RUN_DIGITS - 1)).cast(pl.UInt64), None, names.count(values) if names else 0
    if _has_struct(dtype):
        return _leaf_facts(values, names, dedupe)
    if dtype.is_nested() and not _list_may_hold_run(values):
        return NO_RUNS, None, names.count(values) if names else 0
    text = _cells(values).alias("t")
    if names is None and not _may_hold_run(text):
        return NO_RUNS, None, 0
    distinct = _few_distinct(text) if dedupe else None
    if distinct is None:
        return _text_runs(text.to_frame(), names)
    runs = _text_runs(distinct.to_frame(), None)[0]
    hits = names.count_among(text, distinct) if names else 0
    if runs.len():  # each distinct cell's runs, as often as the cell occurs
        return *_text_runs(text.drop_nulls().value_counts(name="n"), None)[:2], hits
    return runs, None, hits


def _has_struct(dtype: pl.DataType) -> bool:
    """Whether a column's cells hold structs (rows.parquet's ``phones``: a list of them)."""
    if isinstance(dtype, (pl.List, pl.Array)):
        return _has_struct(dtype.inner)
    return isinstance(dtype, pl.Struct)


def _leaves(values: pl.Series) -> list[pl.Series]:
    """A struct-holding column as its leaf columns (lists exploded, struct fields apart),
    down to text, numbers and lists of them."""
    if isinstance(values.dtype, pl.Struct):
        return [leaf for f in values.dtype.fields for leaf in _leaves(values.struct.field(f.name))]
    if isinstance(values.dtype, (pl.List, pl.Array)) and _has_struct(values.dtype):
        return _leaves(values.explode() if isinstance(values.dtype, pl.List) else values.arr.explode())
    return [values]


def _leaf_facts(values: pl.Series, names: "_Names | None",
                dedupe: bool) -> tuple[pl.Series, pl.Series | None, int]:
    """:func:`_part_facts` of a struct-holding column, searched leaf by leaf: each field
    gets the shortcuts of its own kind (tokens and masks are dropped whole), where the
    text of the whole cell would be one long string mixing them (~20x slower). A run never
    spans two fields (they hold tokens, masks and codes the scan wrote, one value each)."""
    facts = [_part_facts(leaf, None, dedupe) for leaf in _leaves(values)]
    runs = pl.concat([r.cast(pl.String) for r, _, _ in facts])
    counted = any(n is not None for _, n, _ in facts)
    n = pl.concat([n if n is not None else pl.repeat(1, r.len(), dtype=pl.UInt32, eager=True)
                   for r, n, _ in facts]) if counted else None
    return runs, n, names.count(values) if names else 0


def _few_distinct(text: pl.Series) -> pl.Series | None:
    """The distinct values of ``text`` (nulls left out) when it has :data:`DEDUPE_RATIO` times fewer (its
    first cells tell whether to look: that only chooses the route)."""
    if text.len() < DEDUPE_MIN:
        return None
    head = text.head(DEDUPE_MIN)
    if head.n_unique() * DEDUPE_RATIO > head.len():
        return None
    distinct = text.unique().drop_nulls()
    return distinct if distinct.len() * DEDUPE_RATIO <= text.len() else None


def _text_runs(frame: pl.DataFrame, names: "_Names | None") -> tuple[pl.Series, pl.Series | None, int]:
    """:func:`_part_facts` of text cells ``t``, each occurring ``n`` times if given (then no
    null among them). A null cell holds nothing: every filter below leaves it out."""
    counted = "n" in frame.columns
    if not _may_hold_run(frame.get_column("t")):
        return NO_RUNS, None, names.count(frame.get_column("t")) if names else 0
    hits = 0
    # whole cells that hold no run; a name among them is counted only if some name has their shape
    for shape in NO_RUN_SHAPES:
        matched = frame.get_column("t").str.contains(shape)
        if matched.any():
            hits += names.count(frame.get_column("t").filter(matched)) if names and names.shaped(shape) else 0
            frame = frame.filter(~matched)
        if not frame.height:
            break
    hits += names.count(frame.get_column("t")) if names else 0
    if frame.get_column("t").str.contains(",", literal=True).any():
        frame = frame.with_columns(pl.col("t").str.split(",")).explode("t")
        frame = frame.filter(~pl.col("t").str.contains(PURE_HEX))
    frame = frame.filter(pl.col("t").str.contains(LOOSE_RUN))
    digits = frame.get_column("t").str.contains(r"^[0-9]+$")
    # a run of several groups keeps their boundaries as "|" (numbers are searched in whole
    # groups: :meth:`_Search.result`); dates are no run, as the masking reads them
    found = frame.filter(~digits).with_columns(
        pl.col("t").str.normalize("NFKC").str.replace_all(HEX_WORD, "#").str.replace_all(DATE_AT, NO_DATE)
        .str.extract_all(CHAIN)).explode("t").drop_nulls("t")
    found = found.with_columns(pl.col("t").str.replace_all(f"{SEPARATOR}+", "|")).filter(
        pl.col("t").str.replace_all("|", "", literal=True).str.len_bytes() >= RUN_DIGITS)
    runs = pl.concat([frame.filter(digits), found])
    return runs.get_column("t").alias("run"), runs.get_column("n") if counted else None, hits


def _may_hold_run(text: pl.Series) -> bool:
    """Whether a String Series (nulls allowed) may hold a run: some cell has 7+ bytes and
    some cell a digit (looked for in its first cells first)."""
    if (text.str.len_bytes().max() or 0) < RUN_DIGITS:  # None: no cell
        return False
    return bool(text.head(DEDUPE_MIN).str.contains_any(DIGITS).any() or text.str.contains_any(DIGITS).any())


def _list_may_hold_run(values: pl.Series) -> bool:
    """Whether the cells of a list column, elements joined by spaces, may hold a run.

    Within one element only if :func:`_may_hold_run`; across elements only through the space
    between them, so only if an element begins with a digit (nulls are left out of the join):
    sorts from ``"0"`` up to, not including, ``":"`` (the character after ``"9"``).
    """
    if not (isinstance(values.dtype, pl.List) and not values.dtype.inner.is_nested()):
        return _may_hold_run(_cells(values))  # arrays, lists of lists: their text as written
    elements = values.cast(pl.List(pl.String)).explode().drop_nulls()
    return _may_hold_run(elements) or bool(elements.str.contains(rf"^(?:\d|{SEPARATOR})").any())


@dataclass(frozen=True)
class _Names:
    """The names of the list (:func:`_names`), to count the cells of a column that are one."""

    values: pl.Series

    @cached_property
    def _set(self) -> pl.Series:
        return self.values.implode()

    @cached_property
    def _shapes(self) -> dict[str, bool]:
        return {}

    def shaped(self, shape: str) -> bool:
        """Whether some name has ``shape`` (one of :data:`NO_RUN_SHAPES`: no whitespace in
        it, so a cell of that shape, stripped, is itself; and no name if none has it)."""
        if shape not in self._shapes:
            self._shapes[shape] = bool(self.values.str.contains(shape).any())
        return self._shapes[shape]

    @cached_property
    def integral(self) -> bool:
        """Whether some name reads as an integer's text (``-?[0-9]+``, all an integer's text can be)."""
        return bool(self.values.str.contains(r"^-?[0-9]+$").any())

    @cached_property
    def boolean(self) -> bool:
        return bool(self.values.is_in(["true", "false"]).any())

    def count(self, cells: pl.Series) -> int:
        """How many ``cells`` (any type, as text, stripped) are a name."""
        if (cells.dtype.is_integer() and not self.integral) or (cells.dtype == pl.Boolean and not self.boolean):
            return 0
        return int(_cells(cells).str.strip_chars().is_in(self._set).sum())

    def count_among(self, cells: pl.Series, distinct: pl.Series) -> int:
        """:meth:`count` of text ``cells`` whose ``distinct`` values are known: each distinct
        value stripped once, then the cells that are one of those that are a name."""
        named = distinct.filter(distinct.str.strip_chars().is_in(self._set))
        return int(cells.is_in(named.implode()).sum()) if named.len() else 0


def _cells(column: pl.Series) -> pl.Series:
    if column.dtype.is_nested():
        return column.to_frame().select(_text_of(pl.col(column.name), column.dtype)).to_series()
    return column.cast(pl.String)


def _text_of(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A nested cell as one text, its leaves joined by spaces (lists of structs such as
    rows.parquet's ``phones`` included), nulls left out."""
    if isinstance(dtype, (pl.List, pl.Array)):
        if not dtype.inner.is_nested():
            return expr.cast(pl.List(pl.String)).list.join(" ")
        return expr.list.eval(_text_of(pl.element(), dtype.inner)).list.join(" ")
    if isinstance(dtype, pl.Struct):
        return pl.concat_str([_text_of(expr.struct.field(f.name), f.dtype) for f in dtype.fields],
                             separator=" ", ignore_nulls=True)
    return expr.cast(pl.String)


def _file_text(path: Path) -> Iterator[pl.Series]:
    """A file's cells, a part at a time (Parquet: one column, any type, read as text by
    :func:`_digit_runs`; else: whole lines, about :data:`TEXT_BLOCK_BYTES` at a time)."""
    if path.suffix == ".parquet":
        for column in pl.read_parquet_schema(path):
            values = pl.read_parquet(path, columns=[column]).to_series()
            if not _is_row_index(values):
                yield values
        return
    pending, first, row_field = b"", True, 0
    with open(path, "rb") as fh:
        while block := fh.read(TEXT_BLOCK_BYTES):
            if first:  # a CSV written by the tool leads with its row index (see _is_row_index)
                first, row_field = False, _index_fields(block) if path.suffix == ".csv" else 0
            # cut after a b"\n": never inside a UTF-8 sequence, a line or a "\r\n"
            cut = block.rfind(b"\n") + 1
            if not cut:
                pending += block
                continue
            yield _lines(pending + block[:cut], row_field)
            pending = block[cut:]
    if pending:
        yield _lines(pending, row_field)


def _parquet_metadata(path: Path) -> tuple[pl.Series, pl.Series]:
    """A Parquet file's own texts besides its cells: (the min/max statistics of every column
    chunk but the row index's, the schema's names and the key-value metadata, decoded
    where it is base64 as Arrow's schema is)."""
    import base64
    import binascii

    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    stats = []
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            if chunk.path_in_schema in ROW_INDEXES or chunk.statistics is None or not chunk.statistics.has_min_max:
                continue
            stats += [str(chunk.statistics.min), str(chunk.statistics.max)]
    texts = [*meta.schema.names, str(meta.created_by or "")]
    for key, value in (meta.metadata or {}).items():
        texts.append(key.decode("utf-8", "replace"))
        texts.append(value.decode("utf-8", "replace"))
        try:
            texts.append(base64.b64decode(value, validate=True).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            pass
    return pl.Series(stats, dtype=pl.String), pl.Series(texts, dtype=pl.String)


#: The parts of a Parquet file searched besides its cells.
PARQUET_PARTS = ("column statistics", "schema and key-value metadata")


def _index_fields(block: bytes) -> int:
    """How many index fields (``row``, then ``line``) a CSV the tool wrote leads with."""
    for k in range(len(ROW_INDEXES), 0, -1):
        if block.startswith(",".join(ROW_INDEXES[:k]).encode() + b","):
            return k
    return 0


def _lines(raw: bytes, row_field: int = 0) -> pl.Series:
    lines = pl.Series(raw.decode("utf-8", errors="replace").splitlines(), dtype=pl.String)
    return lines.str.replace("^" + "[0-9]+," * row_field, "," * row_field) if row_field else lines


class _Search:
    """Counts the needles in the digit runs of several sources, given a part at a time
    (:func:`count_plaintext_by_source`)."""

    def __init__(self, needles: Needles, sources: Iterable[str]) -> None:
        self.needles, self.counts = needles, dict.fromkeys(sources, 0)
        self.longer = [pl.DataFrame(schema={"source": pl.String, "run": pl.String, "n": pl.Int64})]

    def add(self, source: str, runs: pl.Series, n: pl.Series | None = None) -> None:
        """Count a part's ``runs`` (each ``n`` times if given); keep the long ones that are no
        number but may hold one."""
        if not runs.len():
            return
        if runs.dtype == pl.String:
            grouped = runs.str.contains("|", literal=True)
            hit = self.needles.hits(runs.str.to_integer(strict=False)) | self._other(runs)
        else:  # an integer column's runs (UInt64, <= 20 digits): one group each
            hit = self.needles.hits(runs)
            grouped = pl.repeat(False, runs.len(), eager=True)
        self.counts[source] += int(hit.sum() if n is None else n.filter(hit).sum())
        rest = grouped
        if rest.any():
            n = pl.repeat(1, runs.len(), dtype=pl.Int64, eager=True) if n is None else n.cast(pl.Int64)
            self.longer.append(pl.DataFrame({"source": source, "run": runs.filter(rest).cast(pl.String),
                                             "n": n.filter(rest)}))

    def _other(self, runs: pl.Series) -> pl.Series:
        """Whether each run is one of the needles that are not their integer written out."""
        others = self.needles.others
        return runs.is_in(others.implode()).fill_null(False) if others.len() else pl.repeat(
            False, runs.len(), eager=True)

    def result(self) -> dict[str, int]:
        """The counts, runs of several groups searched in whole groups: a number is a run of
        consecutive groups (``0086|138|0013|8000``, and both of ``010|12345678|13800138000``),
        never digits cut out of a group (``2024113800138000123`` is an order id: in a list
        of a million numbers a long id would hold one by chance every few thousand ids)."""
        longer = pl.concat(self.longer).group_by("source", "run").agg(pl.col("n").sum())
        if longer.height:
            runs = longer.get_column("run").unique().to_list()
            spans = [(run, i, j, text) for run in runs for i, j, text in _group_ranges(run, self.needles.lengths)]
            if spans:
                texts = pl.Series([t for *_, t in spans], dtype=pl.String)
                hit = (self.needles.hits(texts.str.to_integer(strict=False)) | self._other(texts)).to_list()
                found: dict[str, list[tuple[int, int]]] = {}
                for (run, i, j, _), h in zip(spans, hit):
                    if h:
                        found.setdefault(run, []).append((i, j))
                for source, run, n in longer.select("source", "run", "n").iter_rows():
                    self.counts[source] += n * _leftmost_longest(found.get(run, []))
        return self.counts


def count_plaintext_by_source(sources: Mapping[str, pl.Series | Iterable[pl.Series]],
                              needles: Needles) -> dict[str, int]:
    """How many input numbers (in any of their forms) the digit runs of each text hold.

    A text is a Series (cells of any type, read as text) or an iterable of them (read one
    part at a time: only the runs that are no number but may hold one are kept). A run equal
    to a number (up to ``0``/``00`` prefixes) is found by :meth:`Needles.hits`; the few
    longer runs that are not are searched for embedded numbers (``x13800138000123``), each
    distinct run once. One pass over all sources, so the needle tables are built once.
    """
    search = _Search(needles, sources)
    if needles.empty:
        return search.counts
    for name, text in sources.items():
        for part in ([text] if isinstance(text, pl.Series) else text):
            runs, n, _ = _part_facts(part)
            del part  # one part in memory at a time
            search.add(name, runs, n)
    return search.result()


#: A range of groups may be this many digits longer than the longest needle (an ``00`` or
#: ``0`` prefix the integer comparison drops).
PREFIX_DIGITS = 4


def _group_ranges(run: str, lengths: list[int]) -> Iterator[tuple[int, int, str]]:
    """``(first, last, digits)`` of each range of consecutive groups of ``run`` (groups split
    by ``|``) as long as some needle, up to :data:`PREFIX_DIGITS` more."""
    groups = run.split("|")
    low, high = lengths[-1], lengths[0] + PREFIX_DIGITS
    for i in range(len(groups)):
        text = ""
        for j in range(i, len(groups)):
            text += groups[j]
            if len(text) > high:
                break
            if len(text) >= low:
                yield i, j, text


def _leftmost_longest(spans: list[tuple[int, int]]) -> int:
    """How many non-overlapping spans, each the leftmost, then longest, of what is left."""
    found, after = 0, -1
    for i, j in sorted(spans, key=lambda s: (s[0], -s[1])):
        if i > after:
            found, after = found + 1, j
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
#: Index columns the outputs lead with: ``row`` and the input's ``line`` (both positive and
#: strictly increasing; neither holds a number of the list).
ROW_INDEXES = (ROW_INDEX, "line")


def _is_row_index(values: pl.Series) -> bool:
    """The outputs' own ``row`` column: positive integers, strictly increasing. It numbers
    the input's rows and holds no number of the list, though in a list of millions of rows
    its values are as long as some numbers' national digits (7+): not searched."""
    if values.name not in ROW_INDEXES or not values.dtype.is_integer() or values.null_count():
        return False
    return values.len() == 0 or (values.min() >= 1 and bool((values.diff().drop_nulls() > 0).all()))


#: A LazyFrame's column is read this many rows at a time (memory on lists of 100M rows),
#: and searched by SEARCHERS threads (so at most SEARCHERS chunks of one column at once).
CHUNK_ROWS = 2_000_000
SEARCHERS = 2


def _column_values(rows: Rows, column: str) -> Iterator[pl.Series]:
    """One column's cells to search, produced only when read: of a LazyFrame,
    :data:`CHUNK_ROWS` at a time (one column of 100M tokens alone is ~5 GB as text)."""
    return (read() for read, searched, _ in _column_parts(rows, column) if searched)


def _column_parts(rows: Rows, column: str, names: bool = False) -> Iterator[tuple[Callable[[], pl.Series], bool, bool]]:
    """One column's cells a part at a time (:func:`_column_values`), as a function that
    reads the part, with whether its runs are searched (not those of a row index,
    :func:`_is_row_index`) and whether its names are counted (with ``names``: once each,
    the row index's too). Read in chunks, a row index is known only when read whole; then,
    if it is none, read again to be searched."""
    if isinstance(rows, pl.DataFrame):
        values = rows.get_column(column)
        yield (lambda: values), not _is_row_index(values), True
        return
    height = _height(rows)

    def read(offset: int) -> pl.Series:
        return rows.select(column).slice(offset, CHUNK_ROWS).collect(engine=STREAMING).to_series()

    def chunks() -> Iterator[pl.Series]:
        return (read(offset) for offset in range(0, height, CHUNK_ROWS))

    if column not in ROW_INDEXES:
        yield from ((partial(read, offset), True, True) for offset in range(0, height, CHUNK_ROWS))
        return
    if names:  # the names are counted on the way
        last = 0
        for values in chunks():
            last = None if last is None else _index_after(values, last)
            yield partial(_itself, values), False, True
        index = last is not None
    else:
        index = _chunks_are_row_index(chunks())
    if not index:
        yield from ((partial(read, offset), True, not names) for offset in range(0, height, CHUNK_ROWS))


def _itself(values: pl.Series) -> pl.Series:
    return values


def _chunks_are_row_index(chunks: Iterable[pl.Series]) -> bool:
    """:func:`_is_row_index` over a column read in consecutive chunks."""
    last = 0
    for values in chunks:
        last = _index_after(values, last)
        if last is None:
            return False
    return True


def _index_after(values: pl.Series, last: int) -> int | None:
    """The last row number when ``values`` go on with a row index whose last was ``last``."""
    if not _is_row_index(values):
        return None
    if not values.len():
        return last
    return values[-1] if values[0] > last else None


def _height(rows: Rows) -> int:
    return rows.height if isinstance(rows, pl.DataFrame) else rows.select(pl.len()).collect(engine=STREAMING).item()


def _per_column(rows: Rows, needles: Needles) -> dict[str, int]:
    """Plaintext copies of the needles in each column of the rows output (cells as text)."""
    return _scan_rows(rows, needles).numbers


@dataclass(frozen=True)
class _RowsScan:
    """What one read of each column of the rows output shows (:func:`_scan_rows`)."""

    numbers: dict[str, int]  # per column: plaintext copies of the needles
    names: dict[str, tuple[int, int]]  # per column checked by content: cells, cells that are a name
    stars: pl.DataFrame | None  # the masks' ``*`` counts (``stars``) with their rows (``len``)


def _scan_rows(rows: Rows, needles: Needles, names: _Names | None = None,
               stars: str | None = None) -> _RowsScan:
    """:func:`_per_column`; with ``names``, :func:`_name_hits` of every column
    :func:`_direct_identifier_columns` checks by content (unneeded for a column found to hold
    a number); with ``stars``, that text column's non-null cells by their count of ``*``
    (:func:`_candidate_sizes`): all from the same read of each column."""
    schema = rows.collect_schema()
    search, named, tally = _Search(needles, schema), {}, None
    if needles.empty and names is None:
        return _RowsScan(search.counts, named, tally)
    checked = set(_checked_by_content(schema)) if names is not None else set()
    if stars is not None and schema.get(stars) == pl.String:
        tally = [pl.DataFrame(schema={"stars": pl.UInt32, "len": pl.UInt32})]

    def facts(column: str, job: tuple[Callable[[], pl.Series], bool, bool]) -> tuple:
        read, searched, counted = job
        part = read()
        wanted = names if counted and column in checked else None
        if searched and not needles.empty:
            runs, n, found = _part_facts(part, wanted)
        else:
            runs, n, found = NO_RUNS, None, wanted.count(part) if wanted else 0
        cells = part.len() - part.null_count() if wanted else 0
        counts = (part.str.count_matches("*", literal=True).drop_nulls().alias("stars").value_counts(name="len")
                  if column == stars and tally is not None and counted else None)
        return runs, n, found, cells, counts

    with ThreadPoolExecutor(max_workers=SEARCHERS) as pool:
        for column in schema:
            cells = hits = 0
            parts = _column_parts(rows, column, column in checked)
            for runs, n, found, part_cells, counts in _in_order(pool, partial(facts, column), parts):
                search.add(column, runs, n)
                cells, hits = cells + part_cells, hits + found
                if counts is not None:
                    tally.append(counts)
            if column in checked:
                named[column] = (cells, hits)
    if tally is not None:
        tally = pl.concat(tally).group_by("stars").agg(pl.col("len").sum())
    return _RowsScan(search.result(), named, tally)


def _in_order(pool: ThreadPoolExecutor, fn: Callable, items: Iterable, ahead: int | None = None) -> Iterator:
    """``fn`` of each of ``items``, in order, run by ``pool`` with at most ``ahead`` started
    and not yet given (so that many parts of a column are in memory at once)."""
    pending: deque = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= (ahead or SEARCHERS):
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # stopped (an error, a signal): parts not yet started are not searched
        for future in pending:
            future.cancel()


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
                               per_column: Mapping[str, int] | None = None,
                               named: Mapping[str, tuple[int, int]] | None = None) -> tuple[list[str], bool]:
    """Columns holding plaintext identifiers (by name or content); and whether one is a number.

    ``per_column``, ``named``: :func:`_scan_rows` of ``rows`` when already computed.
    """
    schema = rows.collect_schema()
    texts = _checked_by_content(schema)
    numbers_in = (per_column if per_column is not None
                  else count_plaintext_by_source({c: _column_values(rows, c) for c in texts}, needles))
    if named is None:
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


def _checked_by_content(schema: Mapping[str, pl.DataType]) -> list[str]:
    """The columns :func:`_direct_identifier_columns` checks by content (not by name)."""
    return [c for c, dtype in schema.items() if not dtype.is_nested() and c not in IDENTIFIER_NAMES]


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


def _candidate_sizes(rows: Rows, phone_identified: bool,
                     stars: pl.DataFrame | None = None) -> tuple[pl.DataFrame, list[str]]:
    """The candidate-set sizes of the rows with a number (see module docstring), as distinct
    ``candidates`` with their row count ``len``; and what narrowed them.

    ``stars``: the masks' ``*`` counts with their rows (:func:`_scan_rows`), when already
    counted: then, unless a column narrows the masks, no column is read again.
    """
    narrowing = [c for c in NARROWING_COLUMNS if c in rows.collect_schema()]
    if stars is not None and (phone_identified or not narrowing):
        candidates = pl.lit(1.0) if phone_identified else 10.0 ** pl.col("stars").cast(pl.Float64)
        sizes = stars.select(candidates=candidates, len="len").group_by("candidates").agg(pl.col("len").sum())
        return sizes.sort("candidates"), ["plaintext number"] if phone_identified else ["phone_masked"]
    masked = rows.lazy().filter(pl.col("phone_masked").is_not_null())
    if phone_identified:
        work, basis = masked.with_columns(candidates=pl.lit(1.0)), ["plaintext number"]
    else:
        work = masked.select(
            candidates=10.0 ** pl.col("phone_masked").str.count_matches("*", literal=True).cast(pl.Float64),
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
    return _k_both(rows, columns)[0]


def _k_both(rows: Rows, columns: Sequence[str], more: str | None = None) -> tuple[dict, dict | None]:
    """:func:`_k` of ``columns``, and with ``more``, of ``columns`` and ``more`` (the second's
    hashes folded on from the first's: :func:`_hash` gives the same hashes as its own)."""
    sets = [list(columns), *([[*columns, more]] if more is not None else [])]
    hashed = [cols for cols in sets if cols]  # no column: every row in one group
    results = [None] * (len(sets) - len(hashed))
    if hashed:
        hashes = rows.lazy().select(_h0=_hash(hashed[0], 0), _h1=_hash(hashed[0], 1),
                                    **({"_m": pl.col(more)} if len(hashed) == 2 else {}))
        keys = [("_h0", "_h1")]
        if len(hashed) == 2:
            hashes = hashes.with_columns(_f0=_fold(pl.col("_h0"), pl.col("_m"), 0), _f1=_fold(pl.col("_h1"), pl.col("_m"), 1))
            keys.append(("_f0", "_f1"))

        def sizes(key: str, check: str, where: pl.Expr | None) -> tuple:
            groups = (hashes if where is None else hashes.filter(where)).group_by(_key=key).agg(
                pl.len().alias("size"), pl.col(check).min().alias("_lo"), pl.col(check).max().alias("_hi"))
            return _sizes(groups, shared=(pl.col("_lo") != pl.col("_hi")).any()).collect(engine=STREAMING).row(0)

        # The two group-bys one after the other (run together, both tables are held at once:
        # 4.3 GiB instead of 2.6 GiB at 90M rows, for 20% less time), each in passes
        # (scanner.grouping: with the mask nearly every key is rare).
        height = _height(rows)
        for key, check in keys:
            parts = [sizes(key, check, where) for where in pass_filters(height, pl.col(key))]
            ks = [k for k, _, _ in parts if k is not None]
            results.append((min(ks) if ks else None, sum(small or 0 for _, small, _ in parts),
                            any(shared for _, _, shared in parts)))
    out = []
    for cols, found in zip(sets, results):
        k, small, shared = found if found is not None else (None, None, False)
        if shared:  # two groups' values hash alike (~never)
            k, small, _ = _group_sizes(rows.lazy().group_by(cols).len("size"))
        if k is None:  # no quasi-identifier kept, or no row
            k, small = _height(rows), 0
        out.append({"quasi_identifiers": cols, "k": int(k), "rows_k_lt_5": int(small)})
    return out[0], (out[1] if more is not None else None)


#: odd, so that folding a column's hash in (h * FOLD + hash) keeps every difference
FOLD = 0x9E3779B97F4A7C15


def _hash(columns: Sequence[str], seed: int) -> pl.Expr:
    """A 64-bit hash of a row's values in ``columns``: each column's own hash folded in,
    ``h * FOLD + hash`` (wrapping); ~3x faster than the hash of their struct. Rows whose
    values differ in one column's hash always differ (FOLD is odd, so invertible modulo
    2^64), in several by chance; :func:`_k` checks the groups with a second seed."""
    folded = pl.col(columns[0]).hash(seed)
    for column in columns[1:]:
        folded = _fold(folded, pl.col(column), seed)
    return folded


def _fold(folded: pl.Expr, value: pl.Expr, seed: int) -> pl.Expr:
    return folded * pl.lit(FOLD, dtype=pl.UInt64) + value.hash(seed)


def _group_sizes(groups: pl.LazyFrame, shared: pl.Expr | None = None) -> tuple[int | None, int, bool]:
    """The smallest ``size`` of ``groups``, the sum of the sizes under 5, and ``shared``."""
    return _sizes(groups, shared).collect(engine=STREAMING).row(0)


def _sizes(groups: pl.LazyFrame, shared: pl.Expr | None = None) -> pl.LazyFrame:
    return groups.select(
        k=pl.col("size").min(),
        small=pl.col("size").filter(pl.col("size") < 5).cast(pl.Int64).sum(),
        shared=pl.lit(False) if shared is None else shared,
    )


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
    names = _names(numbers)
    schema = rows.collect_schema()
    has_mask = "phone_masked" in schema
    qis = [c for c in (quasi_identifiers or QUASI_IDENTIFIERS) if c in schema]
    # A Parquet file that reads back cell for cell as ``rows`` holds the same text, so its
    # count is the rows' count (one regex pass instead of two); any other file is searched.
    files = [Path(p) for p in files]
    same = {p.name for p in files if p.suffix == ".parquet" and _reads_back_as(p, rows)}
    scan = _scan_rows(rows, needles, _Names(names) if names.len() else None, stars="phone_masked")
    per_column = scan.numbers
    sources: dict[str, pl.Series | Iterable[pl.Series]] = {p.name: _file_text(p) for p in files if p.name not in same}
    parquet = [p for p in files if p.suffix == ".parquet"]
    for p in parquet:
        sources.update(zip((f"{p.name} {part}" for part in PARQUET_PARTS), _parquet_metadata(p)))
    searched = count_plaintext_by_source(sources, needles)
    per_file = {p.name: (sum(per_column.values()) if p.name in same else searched[p.name])
                + sum(searched.get(f"{p.name} {part}", 0) for part in PARQUET_PARTS) for p in files}
    found_in = {**{f"{c}": n for c, n in per_column.items() if n},
                **{k: n for k, n in searched.items() if n and k not in per_file}}
    identifiers, phone_identified = _direct_identifier_columns(rows, needles, names, per_column, scan.names)
    sizes, basis = (_candidate_sizes(rows, phone_identified, scan.stars) if has_mask
                    else (pl.DataFrame(schema={"candidates": pl.Float64, "len": pl.UInt32}), []))
    k_anonymity, with_mask = _k_both(rows, qis, "phone_masked" if has_mask else None)
    if rows_with_number is None:
        rows_with_number = int(numbers.get_column("e164").is_not_null().sum())
    return {
        "plaintext_numbers_written": sum(per_file.values()),
        "files_checked": per_file,
        "checks": _checks(numbers, needles, files, found_in),
        "direct_identifier_columns": identifiers,
        "direct_identifiers": len(identifiers),
        "reidentification": _reidentification(sizes, basis),
        "k_anonymity": {**k_anonymity, "with_mask": with_mask},
        "baseline_plaintext": {
            "plaintext_numbers_written": rows_with_number,
            "direct_identifiers": 1 + ("name" in numbers.columns),
            "candidates": 1,
            "k": 1,
        },
    }


NEEDLE_FORMS = ("E.164 digits (with or without +, 00 or the trunk 0)", "national number",
                "digits as written in the input", "separated: groups joined by spaces, - . ( ) / and full-width forms")


def _checks(numbers: pl.DataFrame, needles: Needles, files: Sequence[Path], found_in: Mapping[str, int]) -> dict:
    """What the plaintext check searched for and where (report.json ``exposure.checks``);
    ``found_in``: the rows output's columns and the Parquet parts that held a number, with
    how many (names only, never a number)."""
    e164 = numbers.get_column("e164") if "e164" in numbers.columns else pl.Series([], dtype=pl.String)
    embedded = (numbers.filter(pl.col("digits").is_not_null()).get_column("e164")
                if "digits" in numbers.columns else pl.Series([], dtype=pl.String))
    return {
        "numbers": {"all": e164.drop_nulls().n_unique(), "embedded_in_text": embedded.n_unique()},
        "needles": needles.written.n_unique() + needles.others.len(),  # distinct digit texts, unsorted
        "forms": list(NEEDLE_FORMS),
        "searched": {p.name: (["cells", *PARQUET_PARTS] if p.suffix == ".parquet" else ["text"]) for p in files},
        "found_in": dict(found_in),
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
