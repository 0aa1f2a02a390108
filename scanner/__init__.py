"""contact-scanner: a data-privacy scanner for contact lists."""

import os

#: polars' allocator (jemalloc) settings for a scan: freed pages are kept 2 s before they go
#: back to the system (polars' default: 0.5 s dirty, 1 s muzzy). A scan frees and allocates
#: column buffers of hundreds of MB batch after batch; with polars' default the kernel spent
#: ~25% of the scan's CPU time faulting the same pages back in. Measured on a 10M-row scan
#: (two alternating runs each): wall 42.2 -> 39.6 s, system time 17.1 -> 12.3 s, peak RSS
#: 2.7 -> 2.8 GB (docs/ARCHITECTURE.md, Allocator).
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


def __getattr__(name):
    # Lazy so `import scanner` stays cheap (the command line installs its signal handlers
    # right after it, before the heavy imports).
    if name in ("Policy", "load_policy"):
        from scanner import policy

        return getattr(policy, name)
    if name in ("scan", "ScanResult"):
        from scanner import api

        return getattr(api, name)
    if name == "normalize":
        from scanner.phone.normalize import normalize

        return normalize
    raise AttributeError(name)


__all__ = ["scan", "ScanResult", "normalize", "Policy", "load_policy", "ScannerError", "InputError",
           "PolicyError", "KeyMaterialError", "VaultError", "RegistryError", "VerificationFailed"]
