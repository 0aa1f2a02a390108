import pytest
from click.testing import CliRunner

from scanner.cli import main


@pytest.fixture
def cli():
    def run(*args, input=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input)

    return run
