import datetime as dt

import polars as pl
import pytest

from scanner.privacy.keys import KeyMaterial

AS_OF = "2026-11-23T12:00:00+08:00"


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch):
    """No test reads or writes the developer's state folder (key, registry, canaries): not
    through the override, nor the per-user folder a test that drops the override reaches."""
    monkeypatch.setenv("CONTACT_SCANNER_HOME", str(tmp_path / "state-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("CONTACT_SCANNER_KEY", raising=False)


@pytest.fixture(autouse=True)
def language_of_the_invocation_reset():
    """``--lang`` sets the command line's language for its process; in-process CLI tests
    share one, so each test starts and ends with none chosen (the locale's)."""
    from scanner.i18n import set_lang

    set_lang(None)
    yield
    set_lang(None)


@pytest.fixture
def keys():
    return KeyMaterial.from_master(bytes(range(32)))


@pytest.fixture
def scan_frame(keys):
    """Scan a list of row dicts (canonical column names) and return (rows, report)."""
    from scanner.api import scan
    from scanner.policy import policy_from_dict

    def run(records, policy=None, **kwargs):
        columns = sorted({k for r in records for k in r})
        frame = pl.DataFrame({c: [r.get(c) for r in records] for c in columns},
                             schema={c: pl.String for c in columns})
        pol = policy_from_dict(policy or {})
        result = scan(frame, pol, keys=keys, as_of=kwargs.pop("as_of", AS_OF), **kwargs)
        return result

    return run
