"""Registry of lists seen before (keyed tokens only). See :mod:`scanner.registry.store`."""

from scanner.registry.adding import Registered, add  # noqa: F401
from scanner.registry.registration import check_name, register  # noqa: F401
from scanner.registry.schema import SCHEMA_VERSION  # noqa: F401
from scanner.registry.store import FILE_NAME, ListInfo, Registry, open_registry  # noqa: F401
from scanner.registry.tokens import content_fingerprint  # noqa: F401

open = open_registry  # noqa: A001  (``registry.open(state_dir)``)
