"""``registry add``: scan a list and register it (above the scan: it calls
:func:`scanner.api.scan`, which :mod:`.registration` must not)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from scanner.privacy.keys import KeyMaterial
from scanner.registry.registration import check_name, register
from scanner.registry.store import ListInfo


@dataclass(frozen=True)
class Registered:
    """A list registered from a scan: what the registry now holds, and the key it was
    tokenized with (the scan may have made it)."""

    info: ListInfo
    keys: KeyMaterial


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
