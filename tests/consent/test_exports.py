"""End to end on exports shaped as the tools write them: the consent findings are exact.

Shapes (headers and value forms as the tools document them): a Salesforce/HubSpot
contact report (``Email Opt Out`` as 0/1 or true/false, US dates ``8/27/2023 7:32 AM``),
a Postgres ``COPY … CSV HEADER`` dump (booleans ``t``/``f``, ``timestamptz`` text such as
``2023-08-27 07:32:00.123+08``), a ``mongoexport --jsonArray`` file (nested ``consent``
object, extended JSON ``{"$date": …}`` and ``{"$numberLong": …}``), and an Excel-made sheet
with serial dates.
"""

import json

import pytest

from scanner.api import scan
from scanner.policy import policy_from_dict

AS_OF = "2024-06-01"
CONSENT = ("CN001", "CN002", "CN003", "CN006", "CN009")
# number of the n-th row: valid CN mobiles, distinct
NUMBERS = [f"1380013{8000 + i}" for i in range(20)]


def _consent_findings(result):
    return [sorted(set(f) & set(CONSENT)) for f in result.rows.get_column("findings").to_list()]


def _scan(path, policy, keys):
    return scan(path, policy_from_dict(policy), keys=keys, as_of=AS_OF)


def test_salesforce_contact_report_with_email_opt_out_and_us_dates(tmp_path, keys):
    # Salesforce "Contacts & Accounts" report export, US locale
    rows = [
        ("Ada", "0", "8/27/2023 7:32 AM"),      # not opted out: granted
        ("Bo", "1", "8/27/2023 7:32 PM"),       # opted out
        ("Cy", "0", "1/5/2022 10:00 AM"),       # granted, older than 730 days
        ("Di", "0", ""),                        # granted, no date
        ("Ed", "", "3/4/2024 9:15 AM"),         # nothing recorded
        ("Fa", "0", "13/27/2023 7:32 AM"),      # unreadable date
        ("Gi", "false", "12/31/2023 11:59 PM"),
        ("Ha", "true", "12/1/2023 12:00 AM"),
    ]
    text = "First Name,Mobile,Email Opt Out,Created Date\n" + "".join(
        f"{n},{NUMBERS[i]},{o},{d}\n" for i, (n, o, d) in enumerate(rows))
    path = tmp_path / "report1693121520.csv"
    path.write_text(text, encoding="utf-8")
    policy = {"columns": {"consent": "Email Opt Out", "consent_time": "Created Date", "invert": ["consent"]},
              "campaign": {"timezone": "America/New_York"}, "rules": {"ignore": ["PR001"]}}
    result = _scan(path, policy, keys)
    assert _consent_findings(result) == [
        [], ["CN002"], ["CN003"], ["CN009"], ["CN001"], ["CN001"], [], ["CN002"]]
    inp = result.report["input"]
    assert inp["inverted"] == ["consent"]
    assert inp["dates"]["consent_time"] == {"order": "month-first", "decided_by": "values", "format": None,
                                            "day_month_values": 7, "forms": ["%m/%d/%Y %I:%M %p"],
                                            "unreadable": 1}
    assert inp["unmapped"]["consent_time"] == [{"value": "99/99/9999 9:99 AM", "rows": 1}]


def test_postgres_copy_dump_with_t_f_booleans(tmp_path, keys):
    rows = [
        ("t", "2023-08-27 07:32:00.123456+08", "2023-08-01 10:00:00+08"),
        ("f", "2023-08-27 07:32:00+08", "2023-08-01 10:00:00+08"),
        ("t", "2021-01-02 03:04:05+00", "2021-01-01 00:00:00+00"),   # expired
        ("t", "", "2023-08-01 10:00:00+08"),                          # undated (NULL)
        ("", "", ""),                                                 # NULL consent
        ("t", "2025-01-01 00:00:00+08", "2023-08-01 10:00:00+08"),   # in the future
    ]
    text = "id,phone,marketing_opt_in,opt_in_at,created_at\n" + "".join(
        f"{i + 1},{NUMBERS[i]},{c},{t},{k}\n" for i, (c, t, k) in enumerate(rows))
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    policy = {"columns": {"consent": "marketing_opt_in", "consent_time": "opt_in_at", "collected_at": "created_at"},
              "rules": {"ignore": ["PR001"]}}
    result = _scan(path, policy, keys)
    assert _consent_findings(result) == [[], ["CN002"], ["CN003"], ["CN009"], ["CN001"], ["CN006"]]
    consent_at = result._list.select("consent_at").collect().get_column("consent_at").to_list()
    assert consent_at[0].isoformat() == "2023-08-26T23:32:00.123456+00:00"
    assert result.report["input"]["dates"]["collected_at"]["unreadable"] == 0


def test_mongoexport_nested_consent_object(tmp_path, keys):
    docs = [
        {"_id": {"$oid": "64eb0f1a9d1e8a0012345601"}, "mobile": NUMBERS[0],
         "consent": {"status": "granted", "ts": {"$date": "2023-08-27T07:32:00Z"}},
         "createdAt": {"$date": {"$numberLong": "1693121520000"}}},
        {"_id": {"$oid": "64eb0f1a9d1e8a0012345602"}, "mobile": NUMBERS[1],
         "consent": {"status": "withdrawn", "ts": {"$date": "2023-09-01T00:00:00Z"}}},
        {"_id": {"$oid": "64eb0f1a9d1e8a0012345603"}, "mobile": NUMBERS[2],
         "consent": {"status": "granted", "ts": 1700000000}},                       # epoch seconds
        {"_id": {"$oid": "64eb0f1a9d1e8a0012345604"}, "mobile": NUMBERS[3],
         "consent": {"status": "granted"}},                                        # undated
        {"_id": {"$oid": "64eb0f1a9d1e8a0012345605"}, "mobile": NUMBERS[4]},       # no consent object
        {"_id": {"$oid": "64eb0f1a9d1e8a0012345606"}, "mobile": NUMBERS[5],
         "consent": {"status": "pending", "ts": 1600000000000}},                   # double opt-in unconfirmed
    ]
    path = tmp_path / "contacts.json"
    path.write_text(json.dumps(docs), encoding="utf-8")
    policy = {"columns": {"phone": "mobile", "consent_time": "consent.ts", "collected_at": "createdAt"},
              "rules": {"ignore": ["PR001"]}}
    result = _scan(path, policy, keys)
    inp = result.report["input"]
    assert inp["columns"]["consent"] == "consent.status"   # the dotted column maps by its words
    assert _consent_findings(result) == [[], ["CN002"], [], ["CN009"], ["CN001"], ["CN001"]]
    assert "consent" not in inp["unmapped"]                 # pending is a known status
    assert inp["dates"]["collected_at"]["unreadable"] == 0


def test_ndjson_lines_flatten_too(tmp_path, keys):
    lines = [{"phone": NUMBERS[0], "consent": {"status": "yes", "at": "2024-01-02T03:04:05+08:00"}},
             {"phone": NUMBERS[1], "consent": {"status": "no"}}]
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = _scan(path, {"columns": {"consent_time": "consent.at"}, "rules": {"ignore": ["PR001"]}}, keys)
    assert result.report["input"]["columns"]["consent"] == "consent.status"
    assert _consent_findings(result) == [[], ["CN002"]]


@pytest.mark.parametrize("serial,expected", [("45165", []), ("44197.5", ["CN003"]), ("45999", ["CN006"])])
def test_excel_serial_dates(tmp_path, keys, serial, expected):
    path = tmp_path / "list.csv"
    path.write_text(f"手机号,是否同意,同意时间\n{NUMBERS[0]},✓,{serial}\n", encoding="utf-8")
    result = _scan(path, {"rules": {"ignore": ["PR001"]}}, keys)
    assert _consent_findings(result) == [expected]


def test_hubspot_export_maps_and_inverts_with_no_policy(tmp_path, keys):
    """The roles come from the headers and values alone: the opt-out column is read
    inverted, the US dates month-first."""
    rows = [("false", "8/27/2023 7:32 AM"), ("true", "8/27/2023 7:32 PM"), ("false", ""),
            ("false", "1/5/2022 10:00 AM"), ("", "12/1/2023 9:00 AM")]
    text = "Record ID,First Name,Mobile Phone Number,Email Opt Out,Marketing opt in date,Create Date\n" + "".join(
        f"{1000 + i},N{i},{NUMBERS[i]},{o},{d},12/31/2023 11:00 PM\n" for i, (o, d) in enumerate(rows))
    path = tmp_path / "hubspot-crm-exports-all-contacts-2024-06-01.csv"
    path.write_text(text, encoding="utf-8")
    result = _scan(path, {"rules": {"ignore": ["PR001"]}}, keys)
    inp = result.report["input"]
    assert inp["columns"]["consent"] == "Email Opt Out" and inp["inverted"] == ["consent"]
    assert inp["columns"]["consent_time"] == "Marketing opt in date"
    assert inp["dates"]["consent_time"]["order"] == "month-first"
    assert _consent_findings(result) == [[], ["CN002"], ["CN009"], ["CN003"], ["CN001"]]


def test_postgres_dump_maps_with_no_policy(tmp_path, keys):
    text = "id,phone,marketing_opt_in,opt_in_at\n" + "".join(
        f"{i + 1},{NUMBERS[i]},{c},{t}\n" for i, (c, t) in enumerate(
            [("t", "2023-08-27 07:32:00+08"), ("f", "2023-08-27 07:32:00+08"), ("t", "")]))
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    result = _scan(path, {"rules": {"ignore": ["PR001"]}}, keys)
    assert result.report["input"]["columns"]["consent"] == "marketing_opt_in"
    assert _consent_findings(result) == [[], ["CN002"], ["CN009"]]
