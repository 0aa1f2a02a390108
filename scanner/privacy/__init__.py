"""Keys, keyed tokens, masks and the encrypted vault (docs/PRIVACY.md)."""
