"""The committed sample data is exactly what ``sample_data/generate.py`` writes, in the shapes it claims."""

import csv
import io
import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
GENERATED = [
    "contacts_en.csv",
    "crm_export_gb18030.csv",
    "planted.json",
    "suppression.csv",
    "vendor_list.txt",
    "vendor_list.xlsx",
]
CRM_HEADER = ["姓名", "手机号", "来源", "是否同意", "同意渠道", "同意用途", "同意时间", "同意凭证", "城市"]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample_data")
    subprocess.run(
        [sys.executable, str(SAMPLE / "generate.py"), "--out", str(out)], check=True, capture_output=True
    )
    return out


@pytest.fixture(scope="module")
def planted() -> dict:
    return json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))


def test_generator_reproduces_committed_files_byte_for_byte(regenerated):
    assert sorted(p.name for p in regenerated.iterdir()) == GENERATED
    for name in GENERATED:
        assert (regenerated / name).read_bytes() == (SAMPLE / name).read_bytes(), (
            f"{name} differs from the generator's output: run python sample_data/generate.py"
        )


def test_sample_data_stays_small():
    assert sum((SAMPLE / name).stat().st_size for name in GENERATED) < 1_000_000


def test_crm_export_is_gb18030_and_not_utf8(planted):
    data = (SAMPLE / "crm_export_gb18030.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(data.decode("gb18030"), newline="")))
    assert rows[0] == CRM_HEADER
    assert len(rows) - 1 == planted["crm_export_gb18030.csv"]["rows"] == 2000
    assert all(len(row) == len(CRM_HEADER) for row in rows)
    phones = [row[1] for row in rows[1:]]
    assert any(re.fullmatch("[０-９]{11}", p) for p in phones)  # full-width digits survive the encoding
    assert any(p.endswith(".0") for p in phones) and any("转" in p for p in phones)


def test_vendor_xlsx_phone_column_has_numeric_and_scientific_text_cells(planted):
    with zipfile.ZipFile(SAMPLE / "vendor_list.xlsx") as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        shared = re.findall(r"<si><t[^>]*>([^<]*)</t></si>", book.read("xl/sharedStrings.xml").decode("utf-8"))
    cells = re.findall(r'<c r="A(\d+)"([^>]*)><v>([^<]*)</v></c>', sheet)
    body = [(attrs, value) for row, attrs, value in cells if row != "1"]
    numeric = [value for attrs, value in body if 't="s"' not in attrs]
    text = [shared[int(value)] for attrs, value in body if 't="s"' in attrs]
    assert len(body) == planted["vendor_list.xlsx"]["rows"] == 1500
    assert len(numeric) > 0.8 * len(body)
    assert all(re.fullmatch(r"(86)?1\d{10}", value) for value in numeric)  # whole numbers, no float tail
    scientific = [t for t in text if re.fullmatch(r"\d(\.\d+)?E\+10", t)]
    assert scientific and len(scientific) == planted["vendor_list.xlsx"]["codes"]["PH003"]


def test_plain_text_lists():
    lines = (SAMPLE / "vendor_list.txt").read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 500 and all(re.search(r"\d{11}", line) for line in lines[:-1])
    suppression = (SAMPLE / "suppression.csv").read_text(encoding="utf-8").splitlines()
    assert suppression[0] == "phone" and len(suppression) - 1 == 50
    assert any(line.startswith("+86") for line in suppression)


def test_policy_uses_only_contract_keys():
    policy = tomllib.loads((SAMPLE / "policy.toml").read_text(encoding="utf-8"))
    allowed = {
        "campaign": {"channel", "purpose", "region", "allowed_regions"},
        "consent": {"max_age_days", "require_evidence"},
        "rules": {"ignore", "severity"},
        "list": {"max_reject_share"},
    }
    assert set(policy) == set(allowed) | {"sources"}
    for table, keys in allowed.items():
        assert set(policy[table]) <= keys, table
    assert policy["campaign"] == {"channel": "sms", "purpose": "marketing", "region": "CN", "allowed_regions": ["CN"]}
    assert {s["name"] for s in policy["sources"]} == {"web-signup", "store", "event"}
    for source in policy["sources"]:
        assert set(source) == {"name", "aliases", "valid_from", "valid_until"}
        assert source["valid_from"] < source["valid_until"]
