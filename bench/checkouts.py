"""What the before/after benchmarks share: two checkouts of the scanner, each run with its
own ``.venv`` (``make install`` in it), named on the command line."""

from __future__ import annotations

import argparse
from pathlib import Path


def checkout_python(checkout: Path) -> str:
    """The interpreter of ``checkout``'s own ``.venv``."""
    return str(checkout / ".venv" / "bin" / "python")


def before_after_parser(doc: str) -> argparse.ArgumentParser:
    """``BEFORE AFTER [--rows N] [--rounds K]``, described by the first line of ``doc``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    return parser
