import pytest

from review_support import Month


@pytest.fixture
def month(tmp_path, monkeypatch):
    return Month(tmp_path, monkeypatch)
