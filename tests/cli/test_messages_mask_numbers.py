"""What the command line echoes of a path or argument never shows a phone number: a file
or folder named after a number is echoed masked in errors, notices and the summary."""

import re

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.privacy.embedded import mask_message

NUMBERS = ("13800138000", "13600136000", "13700137000", "4155550132")


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTACT_SCANNER_HOME", str(tmp_path / "state 13900139000"))
    monkeypatch.delenv("CONTACT_SCANNER_KEY", raising=False)
    return CliRunner()


def _plain(text: str) -> list[str]:
    return [n for n in NUMBERS + ("13900139000",) if n in re.sub(r"\D", "", text) or n in text]


@pytest.mark.parametrize("content", ["a,b\n1,2\n", None], ids=["no-phone-column", "missing-file"])
def test_errors_mask_a_number_in_the_path(runner, tmp_path, content):
    path = tmp_path / "13800138000.csv"
    if content is not None:
        path.write_text(content)
    out = runner.invoke(main, ["scan", str(path), "--out", str(tmp_path / "o"), "--no-progress"])
    assert out.exit_code == 2
    assert "contact-scanner: error: " in out.output
    assert "138****8000" in out.output and "13800138000" not in out.output


def test_summary_and_notices_mask_numbers_in_paths(runner, tmp_path):
    path = tmp_path / "13800138000.csv"
    path.write_text("phone\n13700137000\n")
    out = runner.invoke(main, ["scan", str(path), "--out", str(tmp_path / "13600136000"), "--no-progress",
                               "--fail-on", "never"])
    assert out.exit_code == 0, out.output
    assert "outputs: " in out.output and "notice" in out.output
    assert "13800138000" not in out.output and "13600136000" not in out.output
    assert "13900139000" not in out.output  # the state folder, named in the key notice


def test_mask_message_reads_the_common_regions():
    line = "/data/13800138000.csv and (415) 555-0132 and 07400 123456 and +447400123456"
    masked = mask_message(line)
    assert not any(n in re.sub(r"\D", "", masked) for n in ("13800138000", "4155550132", "7400123456"))
    assert mask_message("row 17: 3 fields, expected 2 (2026-12-07)") == "row 17: 3 fields, expected 2 (2026-12-07)"


def test_key_ids_and_digests_stay_whole():
    line = "key 8613800138000123 from /k/13800138000.json; sha256 1380013800013800138000abcdef0123"
    masked = mask_message(line)
    assert "key 8613800138000123 from /k/138****8000.json" in masked
    assert "1380013800013800138000abcdef0123" in masked
