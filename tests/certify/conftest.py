import pytest
from click.testing import CliRunner

from scanner.cli import main


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch):
    monkeypatch.delenv("CONTACT_SCANNER_KEY", raising=False)
    monkeypatch.delenv("CONTACT_SCANNER_HOME", raising=False)


@pytest.fixture
def cli():
    def run(*args, input=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input)

    return run
