"""contact-scanner: a data-privacy scanner for contact lists.

The Python API does everything the command line does, one call per command::

    import scanner
    state = scanner.keys.where(cwd=".").path
    result = scanner.scan("list.csv", "policy.toml", state_dir=state)
    result.write("scan-out")
    result.register(state, "crm", owner="own")
    scanner.reveal("scan-out", to="send.csv", reason="campaign", keys=scanner.keys.load(state), state_dir=state)

``scanner.keys``, ``scanner.registry`` / ``scanner.Registry``, ``scanner.certify`` /
``scanner.verify``, ``scanner.Ledger``, ``scanner.canary``, ``scanner.review`` and
``scanner.suppress`` hold the other commands' calls (README, "The Python API");
``scanner.codes`` is the registry of every finding and signal code.
"""

import os

#: polars' allocator (jemalloc) settings for a scan: freed pages are kept 2 s before they go
#: back to the system (polars' default: 0.5 s dirty, 1 s muzzy). A scan frees and allocates
#: column buffers of hundreds of MB batch after batch; returned sooner, the kernel faults the
#: same pages back in (docs/ARCHITECTURE.md, Allocator).
ALLOCATOR_SETTINGS = "dirty_decay_ms:2000,muzzy_decay_ms:2000"
#: What polars itself puts in the variable (polars/__init__.py), which a child of a process
#: that imported polars inherits: not a user's choice.
POLARS_ALLOCATOR_DEFAULT = "dirty_decay_ms:500,muzzy_decay_ms:1000"
# jemalloc reads the variable when polars loads, so it is set before any import of polars;
# a user's own setting is kept. polars puts its defaults in front, and later options win.
if os.environ.get("_RJEM_MALLOC_CONF") in (None, "", POLARS_ALLOCATOR_DEFAULT):
    os.environ["_RJEM_MALLOC_CONF"] = ALLOCATOR_SETTINGS

from scanner.errors import (  # noqa: E402,F401
    InputError, KeyMaterialError, PolicyError, RegistryError, ScannerError, VaultError,
    VerificationFailed,
)


#: The public API, each name imported on first use. Every command of the command line is
#: one of these calls (scanner/commands/ imports nothing else of the package's logic).
_LAZY = {
    "scan": "scanner.api", "ScanResult": "scanner.api", "normalize": "scanner.phone.normalize",
    "Policy": "scanner.policy", "load_policy": "scanner.policy",
    "reveal": "scanner.privacy.reveal", "RevealResult": "scanner.privacy.reveal",
    "Registry": "scanner.registry.store", "ListInfo": "scanner.registry.store",
    "verify": "scanner.certify.issue", "Certified": "scanner.certify.issue", "Verified": "scanner.certify.issue",
    "Ledger": "scanner.ledger.book",
}
#: Namespaces of calls (``scanner.keys.create``, ``scanner.canary.issue``...); ``certify``
#: is both (``scanner.certify(...)``).
_MODULES = ("keys", "registry", "certify", "canary", "review", "suppress", "ledger", "codes")


def __getattr__(name):
    # Lazy so `import scanner` stays cheap (the command line installs its signal handlers
    # right after it, before the heavy imports).
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _MODULES:
        return importlib.import_module(f"scanner.{name}")
    raise AttributeError(name)


__all__ = ["scan", "ScanResult", "normalize", "Policy", "load_policy", "reveal", "RevealResult", "keys", "Registry",
           "ListInfo", "registry", "certify", "Certified", "verify", "Verified", "Ledger", "ledger", "canary", "review",
           "suppress", "codes", "ScannerError", "InputError", "PolicyError", "KeyMaterialError", "VaultError", "RegistryError",
           "VerificationFailed"]
