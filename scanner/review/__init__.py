"""Review decisions: the review sheet, applying it, and scans honouring it (docs/PRIVACY.md).

``export`` and ``apply`` are the ``review export`` and ``review apply`` commands as calls.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Exported:
    """A sheet (or token file) written: ``rows`` rows at ``path`` (mode 0600)."""

    path: Path
    rows: int


def export(out_dir: str | os.PathLike, to: str | os.PathLike, keys, *, rows: str = "review",
           lang: str = "en") -> Exported:
    """Write the review sheet (``.xlsx`` or ``.csv``) of the scan in ``out_dir``: the rows
    whose verdict is ``rows`` (review, reject, accept or all), no plaintext number."""
    from scanner.review.roundtrip import export_sheet

    return Exported(*export_sheet(out_dir, to, keys, rows=rows, lang=lang))


def apply(sheet: str | os.PathLike, out_dir: str | os.PathLike, keys, *, state_dir: str | os.PathLike,
          policy: Any = None, reviewer: str | None = None):
    """Validate every decision of a filled sheet against its scan folder (raises naming the
    sheet row; nothing stored), then store them per token in ``state_dir``, audited.
    ``policy``: a Policy or a policy file (default: built-in)."""
    from scanner.policy import Policy, load_policy
    from scanner.review.roundtrip import apply_sheet

    policy = policy if isinstance(policy, Policy) else load_policy(policy)
    return apply_sheet(sheet, out_dir, keys, state_dir=state_dir, policy=policy, reviewer=reviewer)
