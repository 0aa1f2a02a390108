"""JSON objects become dotted columns before the columns are mapped."""

import json

from scanner.ingest.structured import MAX_JSON_DEPTH, read_json


def _read(records):
    table, _ = read_json(json.dumps(records), None)
    return table.header, [table.frame.get_column(c).to_list() for c in table.frame.columns]


def test_nested_objects_become_dotted_columns_in_first_seen_order():
    header, columns = _read([
        {"phone": "13800138000", "consent": {"status": "granted", "ts": 1700000000}, "city": "SH"},
        {"phone": "13900139000", "consent": {"status": "refused", "meta": {"by": "form"}}},
    ])
    assert header == ["phone", "consent.status", "consent.ts", "consent.meta.by", "city"]
    assert columns[1] == ["granted", "refused"] and columns[2] == ["1700000000", None]
    assert columns[3] == [None, "form"]


def test_a_key_holding_objects_and_plain_values_keeps_both():
    header, columns = _read([{"consent": "yes"}, {"consent": {"status": "no"}}])
    assert header == ["consent", "consent.status"]
    assert columns == [["yes", None], [None, "no"]]


def test_mongodb_extended_json_loses_its_type_wrappers():
    header, columns = _read([{"_id": {"$oid": "64eb0f1a9d1e8a0012345601"},
                              "at": {"$date": {"$numberLong": "1693121520000"}},
                              "n": {"$numberDecimal": "1.50"}, "d": {"$date": "2023-08-27T07:32:00Z"}}])
    assert header == ["_id", "at", "n", "d"]
    assert columns == [["64eb0f1a9d1e8a0012345601"], ["1693121520000"], ["1.50"], ["2023-08-27T07:32:00Z"]]


def test_arrays_and_empty_objects_stay_json_text():
    header, columns = _read([{"tags": [{"a": 1}], "extra": {}}])
    assert header == ["tags", "extra"]
    assert columns == [['[{"a": "1"}]'], ["{}"]]


def test_the_deepest_allowed_nesting_flattens():
    record: dict = {"v": "x"}
    for _ in range(MAX_JSON_DEPTH - 2):
        record = {"k": record}
    header, columns = _read([record])
    assert header == [".".join(["k"] * (MAX_JSON_DEPTH - 2) + ["v"])] and columns == [["x"]]
