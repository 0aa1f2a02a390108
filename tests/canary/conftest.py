import random

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.privacy.keys import KeyMaterial


@pytest.fixture
def keys():
    return KeyMaterial.from_master(bytes(range(32)))


@pytest.fixture
def pool():
    """300 valid CN mobile numbers the vendor controls, E.164."""
    return [f"+86139{i:08d}" for i in range(10_000_000, 10_000_300)]


@pytest.fixture
def rng():
    return random.Random(20261122)



@pytest.fixture
def cli():
    def run(*args, input=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input)

    return run
