"""Review decisions: the review sheet, applying it, and scans honouring it (docs/PRIVACY.md)."""
