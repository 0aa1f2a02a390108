"""Times in every form exports write them, read the same way in every batch."""

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from scanner.ingest.dates import DateReading, decide_reading, decide_readings, direct_forms, with_parsed_times

UTC = dt.timezone.utc
SH = "Asia/Shanghai"
DAY, MONTH = DateReading("day-first", "values"), DateReading("month-first", "values")


def _utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


# (value, reading, time zone, expected instant in UTC)
CASES = [
    # ISO 8601, with and without an offset
    ("2025-03-04", DAY, SH, _utc(2025, 3, 3, 16)),
    ("2025-03-04 10:20:30", DAY, SH, _utc(2025, 3, 4, 2, 20, 30)),
    ("2025-03-04T10:20:30", DAY, SH, _utc(2025, 3, 4, 2, 20, 30)),
    ("2025-03-04T10:20:30Z", DAY, SH, _utc(2025, 3, 4, 10, 20, 30)),
    ("2025-03-04T10:20:30+08:00", DAY, "UTC", _utc(2025, 3, 4, 2, 20, 30)),
    ("2025-03-04T10:20:30.123456-05:00", DAY, SH, _utc(2025, 3, 4, 15, 20, 30, 123456)),
    ("2025-03-04 10:20:30.5", DAY, "UTC", _utc(2025, 3, 4, 10, 20, 30, 500000)),
    ("2025-03-04 10:20:30 +0800", DAY, "UTC", _utc(2025, 3, 4, 2, 20, 30)),
    ("2025-03-04T10:20:30+08", DAY, "UTC", _utc(2025, 3, 4, 2, 20, 30)),
    ("2025-03-04 10:20:30 UTC", DAY, SH, _utc(2025, 3, 4, 10, 20, 30)),
    ("２０２５-03-04 10:20:30", DAY, SH, _utc(2025, 3, 4, 2, 20, 30)),           # full-width digits
    # year first with other separators, Chinese, compact
    ("2025/3/4", DAY, SH, _utc(2025, 3, 3, 16)),
    ("2025/3/4", MONTH, SH, _utc(2025, 3, 3, 16)),                                # year first: no ambiguity
    ("2025/03/04 8:05", DAY, SH, _utc(2025, 3, 4, 0, 5)),
    ("2025.3.4", DAY, SH, _utc(2025, 3, 3, 16)),
    ("2025年3月4日", DAY, SH, _utc(2025, 3, 3, 16)),
    ("2025年3月4日 14:30", DAY, SH, _utc(2025, 3, 4, 6, 30)),
    ("2023年8月27日 下午3:20", DAY, SH, _utc(2023, 8, 27, 7, 20)),
    ("2023年8月27日 上午11:20", DAY, SH, _utc(2023, 8, 27, 3, 20)),
    ("20250304", DAY, SH, _utc(2025, 3, 3, 16)),
    ("20250304102030", DAY, SH, _utc(2025, 3, 4, 2, 20, 30)),
    # epoch seconds and milliseconds (UTC whatever the zone)
    ("1700000000", DAY, SH, _utc(2023, 11, 14, 22, 13, 20)),
    ("1700000000000", DAY, SH, _utc(2023, 11, 14, 22, 13, 20)),
    ("1700000000.5", DAY, SH, _utc(2023, 11, 14, 22, 13, 20, 500000)),
    # Excel serial days (1899-12-30 based), local time
    ("45165", DAY, "UTC", _utc(2023, 8, 27)),
    ("45165.75", DAY, "UTC", _utc(2023, 8, 27, 18)),
    ("45165.3166666667", DAY, "UTC", _utc(2023, 8, 27, 7, 36)),
    # day/month and month/day, 12- and 24-hour
    ("8/27/2023 7:32 AM", MONTH, "America/New_York", _utc(2023, 8, 27, 11, 32)),
    ("8/27/2023 7:32 PM", MONTH, "America/New_York", _utc(2023, 8, 27, 23, 32)),
    ("8/27/2023 12:05 AM", MONTH, "UTC", _utc(2023, 8, 27, 0, 5)),
    ("8/27/2023 12:05 PM", MONTH, "UTC", _utc(2023, 8, 27, 12, 5)),
    ("8/27/2023 7:32:15 p.m.", MONTH, "UTC", _utc(2023, 8, 27, 19, 32, 15)),
    ("08/27/2023 19:32", MONTH, "UTC", _utc(2023, 8, 27, 19, 32)),
    ("8/27/23", MONTH, "UTC", _utc(2023, 8, 27)),
    ("3/4/2025", MONTH, "UTC", _utc(2025, 3, 4)),
    ("3/4/2025", DAY, "UTC", _utc(2025, 4, 3)),
    ("27/8/2023 19:32", DAY, "UTC", _utc(2023, 8, 27, 19, 32)),
    ("27.08.2023", DAY, "UTC", _utc(2023, 8, 27)),
    ("27-08-2023 07:32", DAY, "UTC", _utc(2023, 8, 27, 7, 32)),
    ("27/8/2023 7:32 PM", DAY, "UTC", _utc(2023, 8, 27, 19, 32)),
]

# values no reading can read (they are counted, never taken as missing)
UNREADABLE = [
    ("27/8/2023", MONTH), ("8/27/2023", DAY), ("2025-13-01", DAY), ("2025-02-30", DAY),
    ("8/27/2023 13:00 PM", MONTH), ("8/27/2023 0:30 AM", MONTH), ("garbage", DAY), ("99999", DAY),
    ("123456", DAY), ("17000000000", DAY), ("2025-03-04 25:00", DAY), ("TBD", DAY), ("2023/8", DAY),
]


def _parse(values, reading=DAY, tz=SH):
    """``values`` read by the general route, and by the direct forms found on them: both
    must agree (the forms are a speed-up only)."""
    lf = pl.LazyFrame({"v": values}, schema={"v": pl.String})
    general = with_parsed_times(lf, "v", "out", tz, reading).collect().get_column("out").to_list()
    if reading.format is None:
        forms = direct_forms(pl.Series(values, dtype=pl.String).drop_nulls().unique(), reading.order)
        direct = replace(reading, forms=forms)
        assert with_parsed_times(lf, "v", "out", tz, direct).collect().get_column("out").to_list() == general, forms
    return general


@pytest.mark.parametrize("value,reading,tz,expected", CASES)
def test_every_date_form(value, reading, tz, expected):
    assert _parse([value], reading, tz) == [expected]


@pytest.mark.parametrize("value,reading", UNREADABLE)
def test_unreadable_values_are_null(value, reading):
    assert _parse([value], reading) == [None]


def test_explicit_format_reads_only_that_format():
    reading = DateReading("format", "policy", "%d.%m.%Y %H:%M")
    assert _parse(["27.08.2023 07:32", "2023-08-27"], reading, "UTC") == [_utc(2023, 8, 27, 7, 32), None]
    aware = DateReading("format", "policy", "%Y%m%d %H%M%z")
    assert _parse(["20230827 0732+0800"], aware, "UTC") == [_utc(2023, 8, 26, 23, 32)]


# (sampled values, region, expected order, decided_by)
DECISIONS = [
    (["8/27/2023 7:32 AM", "1/2/2023 1:00 PM"], None, "month-first", "values"),
    (["27/8/2023", "1/2/2023"], None, "day-first", "values"),
    (["27.08.2023", "28.08.2023"], "US", "day-first", "values"),           # the values beat the region
    (["1/2/2023", "3/4/2023"], None, "day-first", "assumed"),
    (["1/2/2023", "3/4/2023"], "US", "month-first", "assumed"),
    (["1/2/2023 1:00 PM"], None, "month-first", "assumed"),                 # 12-hour times: a US form
    (["2023-01-02", "2023-02-01"], "US", "month-first", "assumed"),
    (["8/27/2023", "8/28/2023", "27/8/2023"], None, "month-first", "values"),  # the majority wins
]


@pytest.mark.parametrize("values,region,order,decided_by", DECISIONS)
def test_day_or_month_first_is_decided_from_the_values(values, region, order, decided_by):
    frame = pl.DataFrame({"consent_time": values})
    reading = decide_readings(frame, region=region)["consent_time"]
    assert (reading.order, reading.decided_by) == (order, decided_by)


def test_decision_reads_the_records_the_roles_are_decided_on(tmp_path):
    from scanner.ingest import headers, open_input

    n = headers.SAMPLE_ROWS
    lines = [f"1380013{i % 10000:04d},1/2/2023" for i in range(n)] + ["13800138000,27/8/2023"]
    path = tmp_path / "list.csv"
    path.write_text("phone,consent_time\n" + "\n".join(lines) + "\n", encoding="utf-8")
    for batch_bytes in (64 << 20, 4096):
        stream = open_input(path, batch_bytes=batch_bytes)
        stream.close()
        reading = stream.meta.date_formats["consent_time"]
        assert (reading.order, reading.decided_by, reading.day_month_values) == ("day-first", "assumed", 1)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda t: t.replace(microsecond=0, fold=0)), min_size=1, max_size=40))
def test_every_written_form_of_an_instant_reads_back_to_it(instants):
    """Many instants per example, each written in every form and parsed in one batch."""
    forms: dict[str, list] = {"us": [], "eu": [], "iso": [], "zh": [], "epoch": [], "millis": []}
    for t in instants:
        hour12, ampm = t.hour % 12 or 12, "AM" if t.hour < 12 else "PM"
        forms["us"].append(f"{t.month}/{t.day}/{t.year} {hour12}:{t.minute:02d}:{t.second:02d} {ampm}")
        forms["eu"].append(f"{t.day:02d}.{t.month:02d}.{t.year} {t.hour:02d}:{t.minute:02d}:{t.second:02d}")
        forms["iso"].append(t.isoformat() + "Z")
        forms["zh"].append(f"{t.year}年{t.month}月{t.day}日 {t.hour}:{t.minute:02d}:{t.second:02d}")
        seconds = int(t.replace(tzinfo=UTC).timestamp())
        # epoch times are read from 2001-09-09 on (ten digits)
        forms["epoch"].append(str(seconds) if seconds >= 10**9 else None)
        forms["millis"].append(str(seconds * 1000) if seconds >= 10**9 else None)
    expected = [t.replace(tzinfo=UTC) for t in instants]
    assert _parse(forms["us"], MONTH, "UTC") == expected
    for name in ("eu", "iso", "zh"):
        assert _parse(forms[name], DAY, "UTC") == expected, name
    for name in ("epoch", "millis"):
        assert _parse(forms[name], DAY, SH) == [e if v else None for e, v in zip(expected, forms[name])], name


def test_rows_read_as_their_distinct_values_and_unreadable_ones_keep_their_shape():
    from scanner.prepare import with_times

    values = [v for v, *_ in CASES] + [v for v, _ in UNREADABLE] + [None, "", " "]
    frame = pl.DataFrame({"consent_time": values * 3, "collected_at": values[::-1] * 3})
    readings = {"consent_time": MONTH, "collected_at": DAY}
    rows = with_times(frame.lazy(), SH, readings).collect()
    one_by_one = [_parse([v], MONTH, SH)[0] for v in values]
    assert rows.get_column("consent_at").to_list() == one_by_one * 3
    unread = dict(zip(values, rows.get_column("consent_time_unread").to_list()))
    shape = str.maketrans("012345678", "999999999")
    for value, reading in UNREADABLE:   # read month-first here
        if reading is MONTH or value[0] not in "0123456789/":
            assert unread[value] == value.translate(shape)
    assert unread["8/27/2023"] is None and unread[""] is None and unread[" "] is None
