"""Ingest stage: read a contact list (CSV/TSV/TXT, XLSX, Parquet, JSON/NDJSON or a
frame) as text, detect its encoding, map its headers onto canonical columns and number
its records. Nothing is dropped: unreadable records become rows of nulls listed in
``Ingested.bad_records``. :func:`open_input` reads large inputs batch by batch;
:func:`read_input` reads one whole.
"""

from scanner.ingest.model import CANONICAL, BadRecord, Ingested
from scanner.ingest.reader import read_input
from scanner.ingest.stream import IngestBatch, InputStream, open_input
from scanner.ingest.synonyms import SYNONYMS, canonical_for, normalize_header

__all__ = ["CANONICAL", "BadRecord", "IngestBatch", "Ingested", "InputStream", "SYNONYMS",
           "canonical_for", "normalize_header", "open_input", "read_input"]
