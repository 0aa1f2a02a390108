"""Registry of lists seen before (keyed tokens only). See :mod:`scanner.registry.store`."""

from scanner.registry.store import (  # noqa: F401
    FILE_NAME, SCHEMA_VERSION, ListInfo, Registry, content_fingerprint, open_registry,
)

open = open_registry  # noqa: A001  (the issue's spelling: ``registry.open(state_dir)``)
