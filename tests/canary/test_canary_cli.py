import pytest


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch):
    monkeypatch.delenv("CONTACT_SCANNER_KEY", raising=False)


@pytest.fixture
def pool_file(tmp_path, pool):
    path = tmp_path / "pool.csv"
    path.write_text("name,手机号\n" + "".join(f"n{i},{n[3:6]} {n[6:]}\n" for i, n in enumerate(pool)))
    return path


def test_issue_list_check(cli, tmp_path, pool_file, pool):
    state = tmp_path / "state"
    out = tmp_path / "acme.csv"
    result = cli("canary", "issue", "--recipient", "acme", "--pool", pool_file, "--count", 12,
                 "--to", out, "--state-dir", state)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    numbers = out.read_text().splitlines()
    assert numbers[0] == "phone" and len(numbers) == 13 and set(numbers[1:]) <= set(pool)
    assert "named with certainty" in result.output
    again = cli("canary", "issue", "--recipient", "acme", "--pool", pool_file, "--count", 12,
                "--to", tmp_path / "b.csv", "--state-dir", state)
    assert again.exit_code == 2 and "already has canaries" in again.output

    listing = cli("canary", "list", "--state-dir", state)
    assert listing.exit_code == 0 and "acme\t12 canaries (3 unique)" in listing.output
    assert not any(n[3:] in listing.output for n in pool)

    leaked = tmp_path / "leaked.txt"
    leaked.write_text("13800138000\nnot a number\n" + "\n".join(n[3:] for n in numbers[1:4]) + "\n")
    check = cli("canary", "check", leaked, "--state-dir", state)
    assert check.exit_code == 1 and "acme" in check.output and "leaked copy" in check.output
    assert not any(n[3:] in check.output for n in pool)
    clean = tmp_path / "clean.txt"
    clean.write_text("13800138000\n")
    assert cli("canary", "check", clean, "--state-dir", state).exit_code == 0


def test_bad_pool_line_is_named_not_echoed(cli, tmp_path):
    pool = tmp_path / "pool.txt"
    pool.write_text("13900000001\n1390000\n")
    result = cli("canary", "issue", "--recipient", "a", "--pool", pool, "--count", 2, "--to",
                 tmp_path / "o.csv", "--state-dir", tmp_path / "s")
    assert result.exit_code == 2 and "line 2" in result.output and "1390000" not in result.output
