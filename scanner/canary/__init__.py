"""Canary numbers: per-recipient fingerprinting codes that trace leaked copies."""

from scanner.canary.canary import Issued, canary_signal, detect, detect_in_state, issue
from scanner.canary.scheme import Assignment, Hit, tolerated_coalition
from scanner.canary.store import CanaryStore

__all__ = ["Assignment", "CanaryStore", "Hit", "Issued", "canary_signal", "detect",
           "detect_in_state", "issue", "tolerated_coalition"]
