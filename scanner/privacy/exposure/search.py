"""The plaintext search: the needles counted in the digit runs of any number of texts."""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, Mapping

import polars as pl

from scanner.privacy.exposure.needles import Needles
from scanner.privacy.exposure.runs import part_facts


class PlaintextSearch:
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
    search = PlaintextSearch(needles, sources)
    if needles.empty:
        return search.counts
    for name, text in sources.items():
        for part in ([text] if isinstance(text, pl.Series) else text):
            runs, n, _ = part_facts(part)
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
SEARCHERS = 2


def in_order(pool: ThreadPoolExecutor, fn: Callable, items: Iterable, ahead: int | None = None) -> Iterator:
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
