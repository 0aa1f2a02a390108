"""Every write site under every errno: exit 2, one line naming the path and the cause, no
traceback, the workspace byte for byte as it was (previous outputs kept, nothing partial,
no spill left, no empty key).

The errno is injected at the write layer (tests run as root: permission bits stop nothing).
The default suite samples the product (:func:`_cases`); ``-m slow`` runs all of it, and
evaluation/enospc_matrix.py the ENOSPC column.
"""

from __future__ import annotations

import pytest

from evaluation.write_sites import ERRNOS, SITES, prepare, run_case

def _cases():
    """Default suite: a scanning site under one errno (taken in turn), a quick site under
    ENOSPC and one other errno (taken in turn); ``-m slow``: every pair."""
    names = list(ERRNOS)
    for i, site in enumerate(SITES):
        for name in names:
            if site.scans:
                sampled = name == names[i % len(names)]
            else:
                sampled = name in ("ENOSPC", names[1 + i % (len(names) - 1)])
            marks = [] if sampled else [pytest.mark.slow]
            yield pytest.param(site, name, id=f"{site.name}-{name}", marks=marks)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("write-sites") / "prepared"
    prepare(root)
    return root


@pytest.mark.parametrize(("site", "errno_name"), list(_cases()))
def test_write_site_fails_cleanly(site, errno_name, prepared, tmp_path):
    outcome = run_case(site, errno_name, prepared, tmp_path / "work")
    assert outcome.problems() == [], outcome.stderr
