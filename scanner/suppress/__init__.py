"""The do-not-contact store (docs/PRIVACY.md)."""
