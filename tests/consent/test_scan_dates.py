"""A scan reads each time column one way for every batch, reports how, and counts what
it cannot read (shown, never taken as missing)."""

import io

import pytest
from rich.console import Console

from scanner.api import scan
from scanner.report.terminal import print_summary

AS_OF = "2024-06-01"


def _csv(tmp_path, rows, name="list.csv"):
    path = tmp_path / name
    path.write_text("phone,consent,consent_time,source\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


def _numbers(n):
    return [f"1380013{i:04d}" for i in range(n)]


def test_month_first_decided_on_the_first_records_holds_in_every_batch(tmp_path, keys):
    # the first rows say month-first (8/27); ambiguous 3/4 rows far down must read as March 4
    numbers = _numbers(1500)
    rows = [f"{p},yes,8/27/2023 7:32 AM,web" for p in numbers[:1200]]
    rows += [f"{p},yes,3/4/2024 7:32 PM,web" for p in numbers[1200:]]
    path = _csv(tmp_path, rows)
    whole = scan(path, keys=keys, as_of=AS_OF)
    batched = scan(path, keys=keys, as_of=AS_OF, batch_bytes=16384, batch_rows=1000)
    for result in (whole, batched):
        dates = result.report["input"]["dates"]["consent_time"]
        assert (dates["order"], dates["decided_by"], dates["unreadable"]) == ("month-first", "values", 0)
        consent_at = result._list.select("consent_at").collect().get_column("consent_at")
        assert consent_at.dt.month().to_list() == [8] * 1200 + [3] * 300
    assert whole.report["findings"] == batched.report["findings"]


def test_unreadable_times_are_counted_shown_and_never_missing(tmp_path, keys):
    numbers = _numbers(4)
    rows = [f"{numbers[0]},yes,27.08.2023,web", f"{numbers[1]},yes,31.13.2023,web",
            f"{numbers[2]},yes,someday,web", f"{numbers[3]},yes,,web"]
    result = scan(_csv(tmp_path, rows), keys=keys, as_of=AS_OF)
    findings = result.rows.get_column("findings").to_list()
    assert ["CN001" in f for f in findings] == [False, True, True, False]   # unreadable: no consent
    assert ["CN009" in f for f in findings] == [False, False, False, True]  # empty: undated
    inp = result.report["input"]
    assert inp["dates"]["consent_time"]["unreadable"] == 2
    assert inp["unmapped"]["consent_time"] == [{"value": "99.99.9999", "rows": 1}, {"value": "someday", "rows": 1}]
    out = io.StringIO()
    print_summary(result.report, None, Console(file=out, width=200))
    text = out.getvalue()
    assert "unreadable consent_time: 2 rows, shaped 99.99.9999 (1), someday (1)" in text
    assert '[columns] formats = { consent_time = "%d.%m.%Y %H:%M" }' in text
    assert "[vocabulary]" not in text


def test_unreadable_collected_at_is_reported(tmp_path, keys):
    path = tmp_path / "c.csv"
    path.write_text("phone,collected_at\n13800138000,2023-02-30\n13900139000,2023-02-03\n", encoding="utf-8")
    inp = scan(path, keys=keys, as_of=AS_OF).report["input"]
    assert inp["dates"]["collected_at"]["unreadable"] == 1
    assert inp["unmapped"]["collected_at"] == [{"value": "9999-99-99", "rows": 1}]


def test_policy_format_reads_only_that_format(tmp_path, keys):
    from scanner.policy import policy_from_dict

    rows = [f"{p},yes,{t},web" for p, t in zip(_numbers(2), ["04.03.2024 10:00", "2024-03-04"])]
    policy = policy_from_dict({"columns": {"formats": {"consent_time": "%d.%m.%Y %H:%M"}}})
    result = scan(_csv(tmp_path, rows), policy, keys=keys, as_of=AS_OF)
    dates = result.report["input"]["dates"]["consent_time"]
    assert (dates["order"], dates["decided_by"], dates["format"], dates["unreadable"]) == \
        ("format", "policy", "%d.%m.%Y %H:%M", 1)


@pytest.mark.parametrize("formats,message", [
    ({"consent_time": "dd.mm.yyyy"}, "not a strftime format"),
    ({"phone": "%Y"}, "not a time column"),
])
def test_bad_formats_are_policy_errors(formats, message):
    from scanner.errors import PolicyError
    from scanner.policy import policy_from_dict

    with pytest.raises(PolicyError, match=message):
        policy_from_dict({"columns": {"formats": formats}})
