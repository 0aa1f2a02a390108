"""Every place the tool writes a file or folder, and a run of one command failing there.

Each :class:`Site` names one write site (an output file, the spill in $TMPDIR, the state
folder, the registry, the audit log, ``reveal --to`` ...), the command that writes there
and the path the error must name. :func:`run_case` prepares a workspace where that command
already ran once (so there are previous outputs to keep), makes the write layer fail there
with an errno (:func:`scanner.io_errors.inject_fault`) and records what a user would see:
the exit code, stderr, and every file of the workspace before and after.

A clean failure (:meth:`Outcome.problems` is empty): exit 2; one line on stderr,
``contact-scanner: error: PATH: CAUSE`` with the site's path and the errno's words; no
traceback; the workspace byte for byte as it was (previous outputs kept, no temporary or
partial file, no spill left in $TMPDIR, no empty key).

Used by tests/io_errors/test_write_sites.py and evaluation/enospc_matrix.py.
"""

from __future__ import annotations

import errno
import fnmatch
import gc
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from click.testing import CliRunner

from scanner.cli import main
from scanner.io_errors import cause, inject_fault

ERRNOS = {"ENOSPC": errno.ENOSPC, "EFBIG": errno.EFBIG, "EACCES": errno.EACCES, "EROFS": errno.EROFS}
AS_OF = "2026-11-23"
LIST_CSV = ("手机号,姓名,来源,是否同意,同意渠道,同意用途,同意时间\n"
            "13800138000,张三,官网注册,是,短信,营销,2026-01-05\n"
            "13912345678,李四,官网注册,是,短信,营销,2026-01-05\n"
            "+447400129515,Bob,展会,是,短信,营销,2026-02-01\n"
            "13800138000,张三,官网注册,是,短信,营销,2026-01-05\n")
POOL = [f"+86139{i:08d}" for i in range(10_000_000, 10_000_040)]


@dataclass(frozen=True)
class Site:
    """``args(ws)``: the command; ``pattern``: the failing path(s) under the workspace
    (fnmatch); ``named``: the path the error line names (fnmatch; default ``pattern``);
    ``stage``: force the fault's stage (folders fail when created, whatever the errno);
    ``scans``: the command runs a scan (slower); ``setup(root)``: readies the copied
    workspace for the command (before the "before" snapshot)."""

    name: str
    args: Callable[["Workspace"], list[str]]
    pattern: str
    named: str | None = None
    stage: str | None = None
    scans: bool = False
    setup: Callable[[Path], None] | None = None


class Workspace:
    """Paths in the workspace as command arguments: ``ws("out/rows.parquet")``."""

    def __init__(self, root: Path):
        self.root = root

    def __call__(self, relative: str) -> str:
        return str(self.root / relative)


def _scan(ws: Workspace, out: str | None = None, state: str | None = None, *extra: str) -> list[str]:
    return ["scan", ws("list.csv"), "--out", out or ws("out"), "--state-dir", state or ws("state"),
            "--as-of", AS_OF, "--no-progress", "--fail-on", "never", *extra]


def _certify(ws: Workspace) -> list[str]:
    return ["certify", ws("list.csv"), "--signing-key", ws("signing/signing-key.pem"), "--to", ws("cert.json"),
            "--as-of", AS_OF, "--state-dir", ws("state"), "--fail-on", "never"]


def _reveal(ws: Workspace) -> list[str]:
    return ["reveal", ws("out"), "--to", ws("revealed.csv"), "--reason", "call back the customers",
            "--rows", "all", "--state-dir", ws("state")]


SPILL = "tmp/contact-scanner-*"
STAGED = "out/.contact-scanner-staging.*"  # a scan's files are staged here, then committed
SITES: tuple[Site, ...] = (
    Site("scan --out folder", lambda ws: _scan(ws, ws("out_new")), "out_new", stage="create", scans=True),
    Site("output staging folder", _scan, STAGED, named="out", stage="create", scans=True),
    Site("rows.parquet", _scan, f"{STAGED}/rows.parquet", named="out/rows.parquet", scans=True),
    Site("contactable.csv", _scan, f"{STAGED}/contactable.csv", named="out/contactable.csv", scans=True),
    Site("vault.bin", _scan, f"{STAGED}/vault.bin", named="out/vault.bin", scans=True),
    Site("report.json", _scan, f"{STAGED}/report.json", named="out/report.json", scans=True),
    Site("report.html", _scan, f"{STAGED}/report.html", named="out/report.html", scans=True),
    Site("manifest.json", _scan, f"{STAGED}/manifest.json", named="out/manifest.json", scans=True),
    Site("spill folder ($TMPDIR)", _scan, "tmp", stage="create", scans=True),
    Site("spill owner file", _scan, f"{SPILL}/owner.pid", scans=True),
    Site("spill row parts", _scan, f"{SPILL}/part-*", scans=True),
    Site("spill list parts", _scan, f"{SPILL}/list-*", scans=True),
    Site("spill list results", _scan, f"{SPILL}/decided-*", scans=True),
    Site("spill per-number tables", _scan, f"{SPILL}/numbers-*", scans=True),
    Site("spill vault", _scan, f"{SPILL}/vault.bin", scans=True),
    Site("state folder (new)", lambda ws: _scan(ws, state=ws("state_new")), "state_new", stage="create",
         scans=True),
    Site("key.json (new key)", lambda ws: _scan(ws, state=ws("state_new")), "state_new/key.json", scans=True),
    Site("registry (scan --register)", lambda ws: _scan(ws, None, None, "--register", "second"),
         "state/registry.duckdb", scans=True),
    Site("registry (registry add)",
         lambda ws: ["registry", "add", ws("list.csv"), "--name", "third", "--state-dir", ws("state")],
         "state/registry.duckdb", scans=True),
    Site("registry remove", lambda ws: ["registry", "remove", "first", "--state-dir", ws("state")],
         "state/registry.duckdb"),
    Site("verify (its re-scan's spill)",
         lambda ws: ["verify", ws("cert.json"), ws("list.csv"), "--public-key", ws("signing/signing-key.pub.pem")],
         f"{SPILL}/part-*", scans=True),
    Site("reveal --to", _reveal, "revealed.csv"),
    Site("audit log (reveal)", _reveal, "state/audit.log"),
    Site("audit log seal (keys verify-audit --seal)",
         lambda ws: ["keys", "verify-audit", "--seal", "--state-dir", ws("state")], "state/audit.log",
         setup=lambda root: _tear(root / "state" / "audit.log")),
    Site("consent ledger", lambda ws: ["ledger", "append", ws("ledger.jsonl"), "--phone", ws("phones.txt"),
                                       "--action", "grant", "--channel", "sms", "--purpose", "marketing",
                                       "--evidence", "form-2", "--state-dir", ws("state")],
         "ledger.jsonl"),
    Site("ledger checkpoint", lambda ws: ["ledger", "checkpoint", ws("ledger.jsonl"), "--signing-key",
                                          ws("signing/signing-key.pem"), "--to", ws("checkpoint.json"),
                                          "--state-dir", ws("state")],
         "checkpoint.json"),
    Site("canary store (registry)", lambda ws: ["canary", "issue", "--recipient", "beta", "--pool",
                                                ws("pool.csv"), "--count", "6", "--to", ws("beta.csv"),
                                                "--state-dir", ws("state")],
         "state/registry.duckdb"),
    Site("canary issue --to", lambda ws: ["canary", "issue", "--recipient", "beta", "--pool", ws("pool.csv"),
                                          "--count", "6", "--to", ws("beta.csv"), "--state-dir", ws("state")],
         "beta.csv"),
    Site("certify --to", lambda ws: _certify(ws), "cert.json", scans=True),
    Site("certify page", lambda ws: _certify(ws), "cert.html", scans=True),
    Site("keys signing (private key)", lambda ws: ["keys", "signing", "--out", ws("signing_new")],
         "signing_new/signing-key.pem"),
    Site("keys signing (public key)", lambda ws: ["keys", "signing", "--out", ws("signing_new")],
         "signing_new/signing-key.pub.pem"),
    Site("keys create", lambda ws: ["keys", "create", "--state-dir", ws("state_new")], "state_new/key.json"),
    Site("keys rotate-vault", lambda ws: ["keys", "rotate-vault", "--state-dir", ws("state")], "state/key.json"),
)


def _tear(log: Path) -> None:
    """A torn last line, as a crash mid-append leaves (the chain is broken until sealed)."""
    with open(log, "ab") as fh:
        fh.write(b'{"v": 1, "time": "2026-')


def _invoke(args: list[str]):
    return CliRunner().invoke(main, args)


def prepare(root: Path) -> Workspace:
    """A workspace where every site's command already succeeded once (previous outputs)."""
    ws = Workspace(root)
    (root / "tmp").mkdir(parents=True)
    (root / "list.csv").write_text(LIST_CSV, encoding="utf-8")
    (root / "phones.txt").write_text("13800138000\n")
    (root / "pool.csv").write_text("phone\n" + "\n".join(POOL) + "\n")
    steps = [
        _scan(ws, None, None, "--register", "first"),
        _reveal(ws),
        ["ledger", "append", ws("ledger.jsonl"), "--phone", ws("phones.txt"), "--action", "grant",
         "--channel", "sms", "--purpose", "marketing", "--evidence", "form-1", "--state-dir", ws("state")],
        ["keys", "signing", "--out", ws("signing")],
        ["ledger", "checkpoint", ws("ledger.jsonl"), "--signing-key", ws("signing/signing-key.pem"),
         "--to", ws("checkpoint.json"), "--state-dir", ws("state")],
        ["canary", "issue", "--recipient", "alpha", "--pool", ws("pool.csv"), "--count", "6",
         "--to", ws("alpha.csv"), "--state-dir", ws("state")],
        _certify(ws),
    ]
    with _tmpdir(root / "tmp"):
        for args in steps:
            result = _invoke(args)
            if result.exit_code != 0:
                raise RuntimeError(f"preparing the workspace: {args[:2]} exited {result.exit_code}: "
                                   f"{result.output[-500:]}")
    return ws


class _tmpdir:
    """$TMPDIR for the block (the spill goes there; ``tempfile`` caches its choice)."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self._saved = (os.environ.get("TMPDIR"), tempfile.tempdir)
        os.environ["TMPDIR"], tempfile.tempdir = str(self.path), str(self.path)

    def __exit__(self, *exc):
        env, tempfile.tempdir = self._saved
        if env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = env


def snapshot(root: Path) -> dict[str, str]:
    """Every file (sha256) and folder ("dir") under ``root``, by relative path."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        found[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@dataclass
class Outcome:
    site: Site
    errno_name: str
    exit_code: int | None
    stderr: str
    before: dict[str, str]
    after: dict[str, str]
    root: Path
    unexpected: BaseException | None = None
    notes: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """What makes this failure unclean (empty: exit 2, one line, nothing changed)."""
        out = []
        if self.unexpected is not None:
            out.append(f"raised {type(self.unexpected).__name__}: {self.unexpected}")
        if self.exit_code != 2:
            out.append(f"exit {self.exit_code}")
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("contact-scanner: error: ")]
        if "Traceback" in self.stderr or '  File "' in self.stderr:
            out.append("traceback on stderr")
        # one error line, the last (before it only the notes every command prints: which
        # state folder and key it used)
        if len(errors) != 1 or lines[-1] != errors[0]:
            out.append(f"{len(errors)} error lines on stderr: {lines[-3:]}")
        elif not self._names_site(errors[0]):
            out.append(f"error line does not name the site and cause: {errors[0]!r}")
        changed = sorted(k for k in self.before.keys() | self.after.keys()
                         if self.before.get(k) != self.after.get(k))
        if changed:
            out.append(f"workspace changed: {changed[:6]}")
        return out

    def _names_site(self, line: str) -> bool:
        """``PATH: ...CAUSE...`` (the cause in the system's words, any case)."""
        text = line.removeprefix("contact-scanner: error: ")
        path, _, message = text.partition(": ")
        return (fnmatch.fnmatchcase(path, str(self.root / (self.site.named or self.site.pattern)))
                and cause(ERRNOS[self.errno_name]) in message.lower())


def run_case(site: Site, errno_name: str, prepared: Path, work: Path) -> Outcome:
    """Copy the ``prepared`` workspace to ``work``, run the site's command with the fault
    injected there, and record the outcome."""
    shutil.copytree(prepared, work, symlinks=True)
    ws = Workspace(work)
    if site.setup is not None:
        site.setup(work)
    before = snapshot(work)
    code, stderr, unexpected, result = None, "", None, None
    with _tmpdir(work / "tmp"), inject_fault(str(work / site.pattern), ERRNOS[errno_name], stage=site.stage):
        try:
            result = _invoke(site.args(ws))
            code, stderr = result.exit_code, result.stderr
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                unexpected = result.exception
                stderr += "\nTraceback (CliRunner caught it)"
        except BaseException as exc:  # noqa: BLE001 - recorded as a problem
            unexpected = exc
        # The command's process would end here, and with it the scan's spill (removed by
        # its finalizer at exit): drop what keeps the scan result alive in this process.
        del result
        gc.collect()
    return Outcome(site, errno_name, code, stderr, before, snapshot(work), work, unexpected)
