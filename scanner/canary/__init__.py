"""Canary numbers: per-recipient fingerprinting codes that trace leaked copies.

``issue`` and ``check`` are the ``canary issue`` and ``canary check`` commands as calls;
``status`` is ``canary list``.
"""

from scanner.canary.canary import CanaryStatus, Checked, Issued, canary_signal, check, detect, detect_in_state, issue, status
from scanner.canary.scheme import DEFAULT_COALITION, Assignment, Hit, tolerated_coalition
from scanner.canary.store import CanaryStore

__all__ = ["DEFAULT_COALITION", "Assignment", "CanaryStatus", "CanaryStore", "Checked", "Hit", "Issued", "canary_signal", "check", "detect",
           "detect_in_state", "issue", "status", "tolerated_coalition"]
