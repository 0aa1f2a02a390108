import pytest


@pytest.fixture
def write(tmp_path):
    """Write ``content`` (str, encoded with ``encoding``, or bytes) to tmp_path/name."""

    def _write(name, content, encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write

