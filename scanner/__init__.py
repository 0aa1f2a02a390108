"""contact-scanner: a data-privacy scanner for contact lists."""

from scanner.errors import (  # noqa: F401
    InputError, KeyMaterialError, PolicyError, RegistryError, ScannerError, VaultError,
    VerificationFailed,
)
from scanner.policy import Policy, load_policy  # noqa: F401


def __getattr__(name):
    # Lazy so `import scanner` stays cheap for tools that only need errors or policy.
    if name in ("scan", "ScanResult"):
        from scanner import api

        return getattr(api, name)
    if name == "normalize":
        from scanner.phone.normalize import normalize

        return normalize
    raise AttributeError(name)


__all__ = ["scan", "ScanResult", "normalize", "Policy", "load_policy", "ScannerError", "InputError",
           "PolicyError", "KeyMaterialError", "VaultError", "RegistryError", "VerificationFailed"]
