"""Registering a scanned list: ``scan --register``, ``registry add`` (:mod:`.adding`) and
``ScanResult.register`` all come here, so they store the same thing."""

from __future__ import annotations

import os
from typing import Any

from scanner.registry.store import REGISTER_TIMEOUT, ListInfo, Registry


def register(result: Any, state_dir: str | os.PathLike, *, name: str, source: str | None = None,
             leaked: bool = False, owner: str = "received", as_version: bool = False,
             timeout: float = REGISTER_TIMEOUT) -> ListInfo:
    """Register a finished scan's distinct valid numbers (as tokens) under ``name``.

    ``as_version``: a taken name gets a new version (``NAME@vK``) instead of an error.
    Waits up to ``timeout`` for a busy registry: a registration made after a scan's outputs
    are staged would otherwise be lost."""
    report = result.report
    return Registry.open(state_dir, key_id=result.keys.key_id, timeout=timeout).add(
        name, result.valid_tokens(), source=source, leaked=leaked, row_count=report["rows"]["total"],
        input_sha256=report["input"].get("sha256"), owner=owner, as_version=as_version,
        findings=report["findings"])


def check_name(state_dir: str | os.PathLike, name: str, *, key_id: str | None = None,
               as_version: bool = False) -> None:
    """Refuse, before a long scan, a name that is invalid, taken (unless ``as_version``) or
    a registry made with another key. :func:`register` checks again in its transaction."""
    Registry.open(state_dir, key_id=key_id).check_new_name(name, as_version=as_version)
