"""List-level signals (``LS…``): evidence that a list was bought, scraped or generated.

Each signal is metadata plus a function that turns the list's aggregate facts into a
:class:`SignalResult` — ``value``, ``threshold``, ``fired`` and a plain-language ``detail``.
Details carry counts and shares only: never a number, never a number block (a block plus a
masked number restores the hidden digits).

* :mod:`.registry`: :data:`SIGNALS`, the ``@signal`` decorator, :class:`Signal`, :class:`SignalResult`;
* :mod:`.facts`: :func:`collect_facts`, the list's facts (:class:`ListFacts`) from a few
  streaming queries over the scan's row frame;
* :mod:`.blocks`: block counts, consecutive runs and the dense-block test;
* the signal families, in code order: :mod:`.numbers` (LS001–LS003), :mod:`.consent`
  (LS004–LS008), :mod:`.provenance` (LS009–LS012), :mod:`.registered` (LS013–LS016),
  :mod:`.canary` (LS017, computed by the scan from its canary store), :mod:`.enumeration`
  (LS018–LS024).

The functions only do arithmetic on the aggregates (a per-block test touches only blocks
that already hold ``block_min_count`` numbers).
"""

from scanner.analyses.signals.registry import ALL_SIGNALS, SIGNALS, Signal, SignalResult, _pct, signal
from scanner.analyses.signals.facts import (
    CATCH_ALL_SOURCES, NUMBER_FACTS, TEMPLATE_NAME_PATTERN, ListFacts,
    _numbers, _personal, collect_facts, placeholder_flags, placeholder_name, prepare_rows,
)
from scanner.analyses.signals.blocks import _negbin_tails, _plain_number_facts

# Importing the families registers their signals, in code order.
from scanner.analyses.signals import numbers, consent, provenance, registered, canary, enumeration  # noqa: E402,F401
from scanner.analyses.signals.consent import _consent_not_judged  # noqa: E402
from scanner.analyses.signals.provenance import volume_threshold  # noqa: E402

__all__ = ["ALL_SIGNALS", "SIGNALS", "Signal", "SignalResult", "signal", "ListFacts", "collect_facts", "prepare_rows",
           "placeholder_flags", "placeholder_name", "volume_threshold", "CATCH_ALL_SOURCES",
           "NUMBER_FACTS", "TEMPLATE_NAME_PATTERN", "_pct", "_consent_not_judged",
           "_negbin_tails", "_numbers", "_personal", "_plain_number_facts"]
