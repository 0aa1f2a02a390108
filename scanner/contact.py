"""Several phone columns: each row's numbers judged one by one, and its *contact number*.

With more than one phone column the scan works on (row, number) pairs (the kernel's
:func:`~scanner.kernel.phone_pairs`): every rule, the duplicate analysis (over the pairs in
row, then column order), suppression, the registry, tokens, masks and the vault see every
number. The rows output stays one row per input row; its phone columns describe the row's
contact number, the best of its numbers:

1. by verdict: ``accept``, then ``review``, then ``reject`` (a number that passes first);
2. then by type: ``MOBILE``, then ``FIXED_LINE_OR_MOBILE`` (phonenumbers cannot tell them
   apart in some regions, e.g. the US), then the rest;
3. then by column order (the primary column first).

The row's verdict and findings are its contact number's; ``phones`` lists every number.
"""

from __future__ import annotations

import polars as pl

_VERDICT_RANK = {"accept": 0, "review": 1, "reject": 2}
_TYPE_RANK = {"MOBILE": 0, "FIXED_LINE_OR_MOBILE": 1}
_TYPE_RANKS = 3

#: The struct fields of one element of rows.parquet's ``phones`` list.
PHONES_FIELDS = ("column", "token", "mask", "type", "findings", "verdict")


def pair_ordinal(columns: int) -> pl.Expr:
    """A pair's position in the list (row, then column order): what "the first
    occurrence" of a number means for DU001. ``columns``: the number of phone columns."""
    return (pl.col("row") * columns + pl.col("phone_column")).alias("pair")


def contact_expr(columns: int) -> pl.Expr:
    """``is_contact``: whether a pair is its row's contact number (module docstring). Reads
    ``row``, ``verdict``, ``type``, ``phone_column``; a row's pairs must be in one frame."""
    verdict = pl.col("verdict").replace_strict(_VERDICT_RANK, default=2, return_dtype=pl.Int64)
    kind = pl.col("type").replace_strict(_TYPE_RANK, default=_TYPE_RANKS - 1, return_dtype=pl.Int64)
    rank = (verdict * _TYPE_RANKS + kind) * columns + pl.col("phone_column")
    return (rank == rank.min().over("row")).alias("is_contact")


def rows_of_pairs(pairs: pl.LazyFrame, headers: tuple[str, ...], row_columns: list[str]) -> pl.LazyFrame:
    """The rows output from its pairs (in row, then column order, with ``is_contact``):
    the contact pair's ``row_columns``, ``contact_column`` (its header) and ``phones``
    (every pair of the row: :data:`PHONES_FIELDS`), one row per input row in row order."""
    header = pl.col("phone_column").replace_strict(range(len(headers)), list(headers), return_dtype=pl.String)
    pairs = pairs.with_columns(header.alias("contact_column"))
    phones = pl.struct(pl.col("contact_column").alias("column"), pl.col("phone_token").alias("token"),
                       pl.col("phone_masked").alias("mask"), "type", "findings", "verdict")
    # one group-by: the row's pairs are contiguous, so maintain_order keeps row order
    return pairs.group_by("row", maintain_order=True).agg(
        *[pl.col(c).filter(pl.col("is_contact")).first() for c in row_columns if c != "row"],
        pl.col("contact_column").filter(pl.col("is_contact")).first(),
        phones.alias("phones"),
    )
