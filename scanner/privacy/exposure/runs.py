"""Digit runs: the 7+-digit stretches of an output's cells a written number could hide in,
found with exact shortcuts (:func:`part_facts`), and the cells that are a name of the list
(:class:`Names`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl

from scanner.privacy.embedded import DATE_AT, MAX_SEPARATOR_RUN, NO_DATE, SEPARATOR, chain_regex
from scanner.privacy.tokens import HEX_DIGEST


RUN_DIGITS = 7  # the fewest digits of a run
#: A cell that may hold a run: 7 digits, separator runs allowed between them.
LOOSE_RUN = chain_regex(RUN_DIGITS)
#: A chain of digit groups, as the masking reads one (scanner/privacy/masking.py).
CHAIN = rf"\d+(?:{SEPARATOR}{{1,{MAX_SEPARATOR_RUN}}}\d+)*"
HEX_WORD = rf"\b{HEX_DIGEST}\b"
PURE_HEX = rf"^{HEX_DIGEST}$"
DIGITS = list("0123456789\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19")  # ASCII and full-width
NO_RUNS = pl.Series("run", [], dtype=pl.String)
#: A cell of this shape holds no run (at most 6 digits on either side of the ``*``) and no
#: whitespace: a mask (``138****8000``, ``+1******0100``).
MASK_LIKE = r"^\+?[0-9]{0,6}\*+[0-9]{0,6}$"
#: Whole cells of these shapes are left out of the search (:func:`part_facts`)
NO_RUN_SHAPES = (PURE_HEX, MASK_LIKE)
#: A text part is searched as its distinct values when it has this many times fewer (and
#: at least DEDUPE_MIN cells, the first DEDUPE_MIN telling first).
DEDUPE_RATIO = 16
DEDUPE_MIN = 4096


def digit_runs(values: pl.Series) -> pl.Series:
    """Digit runs of 7+ digits in the cells of ``values`` (read as text), separators (space,
    ``-``, ``.``) inside a run removed; see :func:`part_facts`."""
    return part_facts(values, dedupe=False)[0]


def part_facts(values: pl.Series, names: "Names | None" = None,
                dedupe: bool = True) -> tuple[pl.Series, pl.Series | None, int]:
    """The digit runs of ``values`` (:func:`digit_runs`), how many times each occurs (None:
    once), and how many cells (as text, stripped) are one of ``names`` (0 without).

    Two numbers separated by a space merge into one long run; the embedded search of
    :func:`count_plaintext_by_source` still finds both. Hex digests and tokens (32/40/64
    lowercase hex) are skipped first: the digits inside a million random tokens would match
    a few numbers by chance in a large list.

    Exact shortcuts (same runs as the general route, far less regex work on scan outputs):
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
    text = cell_text(values).alias("t")
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


def _leaf_facts(values: pl.Series, names: "Names | None",
                dedupe: bool) -> tuple[pl.Series, pl.Series | None, int]:
    """:func:`part_facts` of a struct-holding column, searched leaf by leaf: each field
    gets the shortcuts of its own kind (tokens and masks are dropped whole), where the
    text of the whole cell would be one long string mixing them (much slower). A run never
    spans two fields (they hold tokens, masks and codes the scan wrote, one value each)."""
    facts = [part_facts(leaf, None, dedupe) for leaf in _leaves(values)]
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


def _text_runs(frame: pl.DataFrame, names: "Names | None") -> tuple[pl.Series, pl.Series | None, int]:
    """:func:`part_facts` of text cells ``t``, each occurring ``n`` times if given (then no
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
    # groups: :meth:`PlaintextSearch.result`); dates are no run, as the masking reads them
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
        return _may_hold_run(cell_text(values))  # arrays, lists of lists: their text as written
    elements = values.cast(pl.List(pl.String)).explode().drop_nulls()
    return _may_hold_run(elements) or bool(elements.str.contains(rf"^(?:\d|{SEPARATOR})").any())


@dataclass(frozen=True)
class Names:
    """The names of the list (:func:`list_names`), to count the cells of a column that are one."""

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
        return int(cell_text(cells).str.strip_chars().is_in(self._set).sum())

    def count_among(self, cells: pl.Series, distinct: pl.Series) -> int:
        """:meth:`count` of text ``cells`` whose ``distinct`` values are known: each distinct
        value stripped once, then the cells that are one of those that are a name."""
        named = distinct.filter(distinct.str.strip_chars().is_in(self._set))
        return int(cells.is_in(named.implode()).sum()) if named.len() else 0


def cell_text(column: pl.Series) -> pl.Series:
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
