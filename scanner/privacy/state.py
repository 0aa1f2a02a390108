"""The state folder: where the key, the registry and the audit log live (docs/PRIVACY.md).

It is found the way git finds ``.git``, so every command run anywhere inside a project
uses the same key:

1. ``--state-dir``, else ``$CONTACT_SCANNER_HOME`` (an override: only that folder counts);
2. else the nearest ``.contact-scanner/`` in the current directory or one of its parents;
3. else the per-user data folder (``platformdirs``: ``~/.local/share/contact-scanner`` on
   Linux, ``~/Library/Application Support/contact-scanner`` on macOS).

A new key is made automatically only when that search finds no state folder at all (the
folder it settles on does not exist yet, or is empty): a folder that holds a registry or
an audit log but no key means the key was lost, and a fresh one would silently stop every
token from matching.

Like ssh, a state folder that others can write to is refused: whoever can write there can
swap the key or the registry.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import KeyMaterialError
from scanner.io_errors import os_cause
from scanner.io_errors import check_fault

HOME_ENV = "CONTACT_SCANNER_HOME"
STATE_DIR_NAME = ".contact-scanner"
APP_NAME = "contact-scanner"


@dataclass(frozen=True)
class StateDir:
    """A resolved state folder and how it was chosen (for the "using ..." line)."""

    path: Path
    how: str  # "--state-dir", "$CONTACT_SCANNER_HOME", "found upward", "per-user folder"

    @property
    def exists(self) -> bool:
        return self.path.is_dir()

    def describe(self) -> str:
        return f"{self.path} ({self.how})"


def per_user_dir() -> Path:
    """The per-user data folder (honours ``$XDG_DATA_HOME`` on Linux)."""
    import platformdirs  # only needed when nothing nearer names the folder

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def find_state_dir(explicit: str | os.PathLike | None = None, *,
                   cwd: str | os.PathLike | None = None) -> StateDir:
    """Resolve the state folder: override, nearest ``.contact-scanner/`` upward, per-user."""
    if explicit is not None:
        return StateDir(Path(explicit), "--state-dir")
    env = os.environ.get(HOME_ENV)
    if env:
        return StateDir(Path(env), f"${HOME_ENV}")
    start = Path(cwd) if cwd is not None else Path.cwd()
    for folder in (start, *start.parents):
        candidate = folder / STATE_DIR_NAME
        if candidate.is_dir():
            return StateDir(candidate, "found upward")
    return StateDir(per_user_dir(), "per-user folder")


def is_unused(path: Path) -> bool:
    """No state folder here yet: missing, or an empty folder (a key may be created)."""
    if not path.exists():
        return True
    # a temp file left by a key creation cut short is not state
    return path.is_dir() and all(p.name.startswith(".") and p.name.endswith(".tmp")
                                 for p in path.iterdir())


def check_state_dir(path: Path) -> None:
    """Refuse a state folder that is not a folder, that belongs to another user (root
    aside, as ssh allows), or that group or others may write to."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise KeyMaterialError("state folder cannot be read ({cause})", path=str(path), cause=os_cause(exc)) from None
    if not stat.S_ISDIR(info.st_mode):
        raise KeyMaterialError("state folder is not a folder; pass a folder with --state-dir",
                               path=str(path))
    if info.st_uid not in (os.geteuid(), 0):
        raise KeyMaterialError(
            "state folder belongs to uid {owner}, not to you (uid {uid}); use your own with --state-dir, "
            "or run chown {uid} {folder}", path=str(path), owner=info.st_uid, uid=os.geteuid(), folder=path)
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:
        raise KeyMaterialError(
            "state folder is writable by group or others (mode {mode:o}), so anyone could swap its key; "
            "run chmod go-w {folder}", path=str(path), mode=mode, folder=path)


def make_state_dir(path: Path) -> None:
    """Create the folder of a new key (and parents) private to the user: mode 0700."""
    try:
        check_fault(path, "create")
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        raise KeyMaterialError("state folder is not a folder; pass a folder with --state-dir",
                               path=str(path)) from None
    except OSError as exc:
        raise KeyMaterialError("cannot create the state folder ({cause})", path=str(path), cause=os_cause(exc)) from None
