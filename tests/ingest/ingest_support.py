"""Helpers shared by the ingest tests."""


def phones(n, start=0):
    """Generated CN-mobile-shaped test values 138001xxxxx (not real subscribers' data)."""
    return [f"138001{start + i:05d}" for i in range(n)]
