"""List-level analyses: group-bys and joins over the kernel's output (docs/ARCHITECTURE.md)."""
