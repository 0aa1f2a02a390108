"""The input numbers as the plaintext check looks for them (:class:`Needles`)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable

import polars as pl


MIN_NEEDLE_DIGITS = 7
DECADES = pl.Series([10 ** d for d in range(1, 19)], dtype=pl.Int64)  # a positive n has 1 + #{d <= n} digits
#: Needles.hits: up to this many values are looked up by probing the needles, at most PROBES
#: times; beyond, the needles are sorted once for binary searches
PROBE_VALUES = 1 << 16
PROBES = 8


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
        needles (costly to build for millions of numbers)."""
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
