"""Parse engine: decides e164/valid/type/region for precleaned values.

The current engine asks ``phonenumbers`` once per distinct value; the vectorized engine
replaces the body of :func:`parse_clean` and must return exactly the same frame.
"""

from __future__ import annotations

import polars as pl

from scanner.phone.reference import parse_reference


def parse_clean(clean: pl.Series, region: pl.Series) -> pl.DataFrame:
    """One row per (clean, region) input pair, columns of ``reference.PARSED_SCHEMA``."""
    return parse_reference(clean, region)
