"""Every write site under a full disk (or another errno): how many fail cleanly.

    python evaluation/enospc_matrix.py                 # ENOSPC at every write site
    python evaluation/enospc_matrix.py --errno all     # ENOSPC, EFBIG, EACCES, EROFS

For each site of :data:`evaluation.write_sites.SITES` the command that writes there runs
in a workspace where it already succeeded once, with the errno injected at the write
layer. Clean: exit 2, one error line naming the site's path and the cause, no traceback,
the workspace byte for byte as it was. Prints one line per site and then
``N of N write sites: clean exit 2`` (per errno).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluation.write_sites import ERRNOS, SITES, prepare, run_case  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errno", default="ENOSPC", choices=[*ERRNOS, "all"])
    args = parser.parse_args(argv)
    names = list(ERRNOS) if args.errno == "all" else [args.errno]
    all_clean = True
    with tempfile.TemporaryDirectory(prefix="enospc-matrix-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        prepare(root / "prepared")
        for name in names:
            clean = 0
            for i, site in enumerate(SITES):
                outcome = run_case(site, name, root / "prepared", root / f"{name}-{i}")
                problems = outcome.problems()
                clean += not problems
                line = outcome.stderr.strip().splitlines()[-1:] or ["(nothing on stderr)"]
                print(f"{name:7} {site.name:32} {'clean' if not problems else 'NOT CLEAN'}: "
                      f"{'; '.join(problems) if problems else line[0]}")
            print(f"{clean} of {len(SITES)} write sites: clean exit 2 ({name})")
            all_clean &= clean == len(SITES)
        print(f"({time.perf_counter() - started:.0f} s)")
    return 0 if all_clean else 1


if __name__ == "__main__":
    sys.exit(main())
