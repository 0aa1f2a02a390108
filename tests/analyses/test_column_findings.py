"""PS001/PS002 through a real scan: flagged in report.columns, never copied to outputs."""

import hashlib


PHONES = [f"1380013{i:04d}" for i in range(40)]


def _id_number(i: int) -> str:
    body = f"33010619900101{i:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def test_md5_of_own_number_is_ps001_and_never_copied(scan_frame):
    records = [{"phone": p, "phone_md5": hashlib.md5(p.encode()).hexdigest()} for p in PHONES]
    result = scan_frame(records, {"columns": {"keep": ["phone_md5"]}})
    cols = result.report["columns"]
    assert [(c["code"], c["column"], c["kind"]) for c in cols] == [("PS001", "phone_md5", "md5")]
    assert result.report["findings"]["PS001"] == 1
    assert "phone_md5" not in result.rows.columns
    assert result.report["list"]["verdict"] != "pass"


def test_sha256_digests_reversed_by_enumeration_without_the_row_number(scan_frame):
    # The digests are of *other* numbers in the same blocks: only enumeration reverses them.
    others = [f"1380013{i:04d}" for i in range(5000, 5040)]
    records = [{"phone": p, "hash": hashlib.sha256(o.encode()).hexdigest()} for p, o in zip(PHONES, others)]
    result = scan_frame(records)
    assert [c["code"] for c in result.report["columns"]] == ["PS001"]
    assert "reversed" in result.report["columns"][0]["detail"]


def test_national_id_column_by_content_is_ps002(scan_frame):
    records = [{"phone": p, "证件": _id_number(i)} for i, p in enumerate(PHONES)]
    result = scan_frame(records, {"columns": {"keep": ["证件"]}})
    assert [(c["code"], c["kind"]) for c in result.report["columns"]] == [("PS002", "national-id")]
    assert "证件" not in result.rows.columns


def test_sensitive_header_is_ps002(scan_frame):
    records = [{"phone": p, "银行卡号": "x"} for p in PHONES]
    result = scan_frame(records)
    assert result.report["columns"][0]["code"] == "PS002"


def test_harmless_extra_column_is_kept_when_asked(scan_frame):
    records = [{"phone": p, "城市": "杭州"} for p in PHONES]
    result = scan_frame(records, {"columns": {"keep": ["城市"]}})
    assert result.report["columns"] == []
    assert result.rows.get_column("城市").to_list() == ["杭州"] * len(PHONES)


def test_keep_naming_a_missing_column_is_an_input_error(scan_frame):
    import pytest

    from scanner.errors import InputError

    with pytest.raises(InputError, match="keep"):
        scan_frame([{"phone": PHONES[0]}], {"columns": {"keep": ["nope"]}})
