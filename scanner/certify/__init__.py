"""Signed list certificates and Ed25519 signing keys."""
