"""List-level analyses: group-bys and joins over the kernel's output (docs/ARCHITECTURE.md)."""

# The list signals are registered by the modules that define them; importing the one that
# defines the later signals here makes the catalogue (signals.SIGNALS) complete whichever
# module is imported first.
from scanner.analyses import signals_clusters  # noqa: E402,F401
