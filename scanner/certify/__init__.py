"""Signed list certificates and Ed25519 signing keys.

``scanner.certify(...)`` is the ``certify`` command as one call (:mod:`.issue`). This
package has the same name, and importing any of its modules binds the name ``certify`` of
:mod:`scanner` to the package, so the package itself is made callable: either way the name
is the call.
"""

import sys
import types


class _Certify(types.ModuleType):
    def __call__(self, *args, **kwargs):
        from scanner.certify.issue import certify

        return certify(*args, **kwargs)


sys.modules[__name__].__class__ = _Certify


def __getattr__(name):
    # lazy: the package's modules import polars and the scan
    if name in ("certify", "verify", "Certified", "Verified", "DEFAULT_VALID_DAYS"):
        from scanner.certify import issue

        return getattr(issue, name)
    raise AttributeError(name)
