"""Ingest stage: read a contact list (CSV/TSV/TXT, XLSX, Parquet, JSON/NDJSON or a
frame) as text, detect its encoding, map its headers onto canonical columns and number
its records. Nothing is dropped: unreadable records become rows of nulls listed in
``Ingested.bad_records``.
"""

from scanner.ingest.model import CANONICAL, BadRecord, Ingested
from scanner.ingest.reader import read_input
from scanner.ingest.synonyms import SYNONYMS, canonical_for, normalize_header

__all__ = ["CANONICAL", "BadRecord", "Ingested", "SYNONYMS", "canonical_for", "normalize_header",
           "read_input"]
