"""A carriage return inside a field of the first lines (where the delimiter and width are
sniffed) is data, never a crash."""

import pytest

from scanner.ingest import read_input


@pytest.mark.parametrize("body", [b"13800138000,a\rb\n13912345678,c\n", b'13800138000,"a\rb"\n13912345678,c\n'])
def test_carriage_return_in_a_sniffed_line(tmp_path, body):
    path = tmp_path / "cr.csv"
    path.write_bytes(b"phone,name\n" + body)
    ing = read_input(path)
    assert ing.frame.height == 2
    assert ing.frame.get_column("name").to_list() == ["a\rb", "c"]
