"""Registering a scanned list: ``scan --register``, ``registry add`` and
``ScanResult.register`` all come here, so they store the same thing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from scanner.privacy.keys import KeyMaterial
from scanner.registry.store import REGISTER_TIMEOUT, ListInfo, Registry


@dataclass(frozen=True)
class Registered:
    """A list registered from a scan: what the registry now holds, and the key it was
    tokenized with (the scan may have made it)."""

    info: ListInfo
    keys: KeyMaterial


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


def add(source: Any, state_dir: str | os.PathLike, *, name: str, list_source: str | None = None,
        leaked: bool = False, owner: str = "received", policy: Any = None,
        key_file: str | os.PathLike | None = None, notice: Callable[[str], None] | None = None) -> Registered:
    """Scan ``source`` (a path, DataFrame or LazyFrame) and register its valid numbers:
    ``registry add``. ``list_source``: the vendor or partner it came from."""
    from scanner.api import scan

    check_name(state_dir, name)
    result = scan(source, policy, state_dir=state_dir, key_file=key_file, notice=notice)
    info = register(result, state_dir, name=name, source=list_source, leaked=leaked, owner=owner)
    return Registered(info, result.keys)
