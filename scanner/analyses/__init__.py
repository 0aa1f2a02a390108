"""List-level analyses: group-bys and joins over the kernel's output (DESIGN.md §7)."""
