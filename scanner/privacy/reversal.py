"""PS001 proof: unkeyed digests of phone numbers are reversible by enumeration.

A column of MD5 / SHA-1 / SHA-256 hex digests (32 / 40 / 64 hex) looks pseudonymous but is
not: a number block (CN mobile: the first 7 digits) leaves only 10^4 numbers to try. Given a
sample of digests and the blocks seen in the list (or any blocks you pass), this module
hashes every number of each block in the usual textual forms (national digits, E.164 with
and without ``+``, ``00`` + country code, and ``0`` + national digits where a trunk prefix is
used) with polars-hash, vectorized, and counts how many sampled digests it reversed, within
a time budget. It never returns or prints a number: only counts, the hash kind and the forms.
"""

from __future__ import annotations

import time
from typing import Iterable

import phonenumbers
import polars as pl
import polars_hash as plh  # noqa: F401  (registers the chash / nchash namespaces)

HEX_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256"}
SUFFIX_DIGITS = 4
BLOCKS_PER_BATCH = 16


def _hash_expr(kind: str, value: pl.Expr) -> pl.Expr:
    if kind == "md5":
        return value.nchash.md5()
    if kind == "sha1":
        return value.nchash.sha1()
    return value.chash.sha2_256()


def digest_kind(digests: pl.Series) -> tuple[str | None, pl.Series]:
    """The hash kind of a digest column (by its dominant hex length) and its clean digests."""
    clean = digests.cast(pl.String).str.strip_chars().str.to_lowercase().drop_nulls()
    clean = clean.filter(clean.str.contains(r"^[0-9a-f]+$"))
    lengths = clean.str.len_chars().filter(clean.str.len_chars().is_in(list(HEX_LENGTHS)))
    if not lengths.len():
        return None, clean.clear()
    length = int(lengths.mode().sort()[0])
    return HEX_LENGTHS[length], clean.filter(clean.str.len_chars() == length)


def blocks_from_numbers(national_numbers: Iterable[str | None], *, top: int = 50) -> list[str]:
    """The most common number blocks (national number minus its last 4 digits) of a list."""
    nn = pl.Series("nn", list(national_numbers), dtype=pl.String).drop_nulls()
    nn = nn.filter(nn.str.len_chars() > SUFFIX_DIGITS + 2)
    blocks = nn.str.slice(0, nn.str.len_chars() - SUFFIX_DIGITS)
    counted = blocks.value_counts(sort=True, name="n")
    return counted.sort(["n", "nn"], descending=[True, False]).get_column("nn").head(top).to_list()


def _forms(region: str) -> dict[str, pl.Expr]:
    cc = str(phonenumbers.country_code_for_region(region))
    nsn = pl.col("nsn")
    forms = {
        "national": nsn,
        "e164": pl.lit("+" + cc) + nsn,
        "e164_no_plus": pl.lit(cc) + nsn,
        "international_00": pl.lit("00" + cc) + nsn,
    }
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is not None and metadata.national_prefix and region != "CN":
        forms["national_trunk"] = pl.lit(metadata.national_prefix) + nsn
    return forms


def reverse_sample(digests: pl.Series, *, region: str = "CN", blocks: Iterable[str] = (),
                   sample: int = 200, time_budget: float = 5.0, seed: int = 0) -> dict:
    """Try to reverse up to ``sample`` distinct digests by enumerating ``blocks``.

    Returns ``{"kind", "sampled", "reversed", "forms", "blocks_tried", "blocks",
    "candidates_tried", "seconds", "complete"}``; ``complete`` is False when the time budget
    ran out before every block was tried. No number is returned.
    """
    started = time.monotonic()
    kind, clean = digest_kind(digests)
    blocks = list(dict.fromkeys(blocks))
    result = {"kind": kind, "sampled": 0, "reversed": 0, "forms": {}, "blocks_tried": 0,
              "blocks": len(blocks), "candidates_tried": 0, "seconds": 0.0, "complete": True}
    if kind is None:
        return result
    distinct = clean.unique()
    targets = distinct.sample(min(sample, distinct.len()), seed=seed) if distinct.len() > sample else distinct
    result["sampled"] = targets.len()
    remaining = set(targets.to_list())
    found_forms: dict[str, int] = {}
    forms = _forms(region)
    suffixes = pl.Series("suffix", [f"{i:0{SUFFIX_DIGITS}d}" for i in range(10 ** SUFFIX_DIGITS)])
    for start in range(0, len(blocks), BLOCKS_PER_BATCH):
        if not remaining:
            break
        if time.monotonic() - started > time_budget:
            result["complete"] = False
            break
        batch = blocks[start:start + BLOCKS_PER_BATCH]
        nsn = (pl.DataFrame({"block": batch}).join(pl.DataFrame(suffixes), how="cross")
               .select(nsn=pl.col("block") + pl.col("suffix")))
        hashed = pl.concat([
            nsn.select(form=pl.lit(name), digest=_hash_expr(kind, expr)) for name, expr in forms.items()
        ])
        hits = hashed.filter(pl.col("digest").is_in(pl.Series(list(remaining)).implode()))
        for digest, form in hits.unique("digest").select("digest", "form").iter_rows():
            remaining.discard(digest)
            found_forms[form] = found_forms.get(form, 0) + 1
        result["blocks_tried"] += len(batch)
        result["candidates_tried"] += hashed.height
    result["reversed"] = result["sampled"] - len(remaining)
    result["forms"] = found_forms
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def count_reversed(digests: pl.Series, *, phones: pl.DataFrame, region: str = "CN",
                   sample: int = 200, time_budget: float = 5.0) -> int:
    """How many sampled digests were reversed, enumerating the blocks of the list's own numbers.

    ``phones`` holds the list's parsed numbers (``national_number`` [, ``e164``]); for the scan's
    PS001 column finding (scanner/analyses/columns.py).
    """
    if "national_number" not in phones.columns:
        return 0
    if "e164" in phones.columns:  # only numbers of the region's country code give its blocks
        cc = "+" + str(phonenumbers.country_code_for_region(region))
        phones = phones.filter(pl.col("e164").str.starts_with(cc))
    nn = phones.get_column("national_number").cast(pl.String)
    blocks = blocks_from_numbers(nn)
    return reverse_sample(digests, region=region, blocks=blocks, sample=sample,
                          time_budget=time_budget)["reversed"]
