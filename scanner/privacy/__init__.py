"""Keys, keyed tokens, masks and the encrypted vault (DESIGN.md §5)."""
