"""Column roles from header meaning and value profiles: words, combinations, values alone,
look-alike numbers, conflicts, duplicates, the first line, the sample, the mapping's cost."""

import json
import time

import polars as pl
import pytest

from ingest_support import phones
from scanner.errors import InputError, PolicyError
from scanner.ingest import read_input
from scanner.ingest import headers
from scanner.ingest.header_words import meaning, split_words
from scanner.ingest.model import Table
from scanner.ingest.profiles import HEAD_ROWS, PROFILE_ROWS, sample_indexes
from scanner.policy import policy_from_dict


def csv_text(header, rows):
    return "\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n"


@pytest.mark.parametrize(("header", "words"), [
    ("opt_in_time", ("opt", "in", "time")), ("HasOptedOutOfEmail", ("has", "opted", "out", "of", "email")),
    ("createdAt", ("created", "at")), ("UNSUB_TIME", ("unsub", "time")), ("Phone 2", ("phone", "2")),
    ("手机号(必填)", ("手机号",)), ("Phone (mobile)", ("phone",)), ("是否同意营销短信", ("是否", "同意", "营销", "短信")),
    ("获客渠道", ("获客", "渠道")), ("备用电话", ("备用", "电话")), ("订阅时间", ("订阅", "时间")),
    ("E-mail 1 - Value", ("e", "mail", "1", "value")), ("mobile2", ("mobile", "2")),
])
def test_headers_split_into_words(header, words):
    assert split_words(header) == words


@pytest.mark.parametrize(("header", "role"), [
    ("consent_at", "consent_time"), ("opt_in_time", "consent_time"), ("marketing_opt_in", "consent"),
    ("Created Date", "collected_at"), ("utm_source", "source"), ("是否同意营销短信", "consent"),
    ("是否订阅", "consent"), ("订阅时间", "consent_time"), ("授权日期", "consent_time"), ("获客渠道", "source"),
    ("添加渠道", "source"), ("添加时间", "collected_at"), ("Lead Source", "source"), ("CreatedDate", "collected_at"),
    ("SMS Consent Timestamp", "consent_time"), ("Date Added", "collected_at"), ("备用电话", "phone"),
    ("Mobile Phone Number", "phone"), ("手机号码", "phone"), ("联系方式", "phone"), ("客户姓名", "name"),
    # not a role: a detail of one, or something else entirely
    ("手机归属地", None), ("Phone Type", None), ("订单号", None), ("QQ号", None), ("身份证号", None), ("邮编", None),
    ("金额", None), ("Created By", None), ("Last Modified Date", None), ("No. of Employees", None),
    ("Record ID", None), ("phone_md5", None), ("2026年11月客户名单", None), ("备注", None),
])
def test_role_words_combine(header, role):
    assert meaning(header).role == role


@pytest.mark.parametrize("header", ["Email Opt Out", "Do Not Call", "unsubscribed", "退订", "是否拒绝",
                                    "HasOptedOutOfEmail", "Unsubscribed from all email", "请勿致电",
                                    "Do not disturb", "SMS_BLACKLISTED"])
def test_refusal_headers_are_consent_read_inverted(header):
    m = meaning(header)
    assert (m.role, m.inverted) == ("consent", True)


@pytest.mark.parametrize(("header", "alternate"), [("备用电话", True), ("Phone 2", True), ("Other Phone", True),
                                                   ("alt_phone", True), ("Phone 1", False), ("手机", False)])
def test_phone_word_plus_backup_is_another_phone_column(header, alternate):
    m = meaning(header)
    assert (m.role, m.alternate) == ("phone", alternate)


def _ids(n):
    """18-digit resident ID numbers with a valid check digit."""
    weights, check = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), "10X98765432"
    out = []
    for i in range(n):
        body = f"11010119{80 + i % 20:02d}0{1 + i % 9}{10 + i % 18:02d}{i % 1000:03d}"
        out.append(body + check[sum(int(a) * w for a, w in zip(body, weights)) % 11])
    return out


LOOK_ALIKES = {
    "order ids": [f"20231105{i:010d}" for i in range(40)],
    "id cards": _ids(40),
    "qq numbers": [str(10_000_000 + 7919 * i) for i in range(20)] + [str(2_100_000_000 + 7919 * i) for i in range(20)],
    "postal codes": [["100000", "200120", "518057", "310000"][i % 4] for i in range(40)],
    "amounts": [f"{1380 + 17 * i}.{i % 100:02d}" for i in range(40)],
    "row counters": [str(i + 1) for i in range(40)],
    "long counters": [str(13_800_138_000 + i) if False else str(10_000_000_000 + i) for i in range(40)],
}


@pytest.mark.parametrize("kind", list(LOOK_ALIKES))
def test_look_alike_numbers_are_not_phone_columns(write, kind):
    values = LOOK_ALIKES[kind]
    text = csv_text(["x", "联系"], [[v, p] for v, p in zip(values, phones(len(values)))])
    result = read_input(write("l.csv", text))
    assert result.columns == {"phone": "联系"}, kind
    with pytest.raises(InputError, match="no phone column found"):
        read_input(write("only.csv", csv_text(["x", "note"], [[v, "a"] for v in values])))


def test_values_alone_need_phone_min_valid(write):
    # 7 of 10 values are valid mobiles: below the default 0.8, above 0.6
    values = phones(7) + ["12345", "n/a", "000"]
    text = csv_text(["who", "contact"], [[f"n{i}", v] for i, v in enumerate(values)])
    path = write("l.csv", text)
    with pytest.raises(InputError, match="contact: some phone numbers"):
        read_input(path)
    assert read_input(path, phone_min_valid=0.6).columns == {"phone": "contact"}


def test_phone_min_valid_is_a_policy_setting():
    assert policy_from_dict({"columns": {"phone_min_valid": 0.6}}).columns.phone_min_valid == 0.6
    with pytest.raises(PolicyError, match="phone_min_valid"):
        policy_from_dict({"columns": {"phone_min_valid": 1.5}})


def test_columns_errors_name_the_valid_keys_and_the_headers(write):
    with pytest.raises(PolicyError, match=r"columns\.telephone: unknown key \(valid keys: phone, name,"):
        policy_from_dict({"columns": {"telephone": "Tel"}})
    path = write("l.csv", csv_text(["手机", "名字"], [["13800138000", "张三"]]))
    with pytest.raises(InputError, match=r"no such column \(headers: 手机, 名字\)"):
        read_input(path, column_overrides={"source": "来源"})


def test_a_column_no_header_names_is_found_by_its_values(write):
    rows = [[f"N{i}", p, f"u{i}@example.com", "已订阅"] for i, p in enumerate(phones(20))]
    result = read_input(write("l.csv", csv_text(["a", "b", "c", "d"], rows)))
    assert result.columns == {"phone": "b", "email": "c", "consent": "d"}
    entries = {e["column"]: e for e in result.column_report.columns}
    assert entries["b"]["basis"] == "values" and entries["b"]["share"] == 1.0
    assert entries["b"]["evidence"] == "100% valid phone numbers"


def test_two_columns_claiming_a_role_the_better_supported_wins_and_both_are_shown(write):
    rows = [[p, "true" if i % 3 else "false", "yes", "n/a"] for i, p in enumerate(phones(12))]
    result = read_input(write("l.csv", csv_text(["phone", "Email Opt Out", "SMS Opt-In", "Opt-in"], rows)))
    assert result.columns["consent"] == "SMS Opt-In"
    mapping = {e["column"]: e for e in result.column_report.columns}
    assert mapping["Email Opt Out"]["contender"]["role"] == "consent"
    unused = {u["column"]: u for u in result.column_report.unused}
    assert unused["Email Opt Out"]["columns_line"] == '[columns] consent = "Email Opt Out"'
    assert unused["Email Opt Out"]["judged"]
    # a consent header over values that are no consent words is shown, not mapped
    assert "Opt-in" in unused and unused["Opt-in"]["role"] == "consent"


def test_duplicate_header_names_are_both_kept_and_told_apart(write):
    rows = [[f"张{i}", p, q] for i, (p, q) in enumerate(zip(phones(5), phones(5, 100)))]
    result = read_input(write("l.csv", csv_text(["姓名", "手机号", "手机号"], rows)))
    assert result.phone_columns == ("phone", "phone_2")
    entries = [e for e in result.column_report.columns if e["column"] == "手机号"]
    assert [(e["name"], e["position"], e["primary"]) for e in entries] == [("phone", 2, True), ("phone_2", 3, False)]


def test_primary_phone_is_the_mobile_heavy_one(write):
    landlines = [f"010-{62000000 + 137 * i}" for i in range(10)]
    rows = [[a, b] for a, b in zip(landlines, phones(10))]
    result = read_input(write("l.csv", csv_text(["Phone", "Mobile"], rows)))
    assert result.columns["phone"] == "Mobile" and result.columns["phone_2"] == "Phone"


def test_first_line_of_numbers_is_data_and_never_echoed(write):
    text = "张三,13800138000,同意\n李四,13900139000,同意\n"
    result = read_input(write("l.csv", text))
    assert not result.has_header and result.frame.height == 2
    assert result.frame["phone"].to_list() == ["13800138000", "13900139000"]
    # a header cell holding a number is shown as column_N everywhere
    header_text = "客户13800138000,手机号\nx,13900139000\ny,13700137000\n"
    ing = read_input(write("h.csv", header_text))
    shown = json.dumps([ing.columns, ing.extra_columns, ing.column_report.columns,
                        ing.column_report.unused, ing.frame.columns], ensure_ascii=False)
    assert "13800138000" not in shown and "column_1" in shown


def test_the_sample_is_deterministic_and_bounded():
    frame = pl.DataFrame({"a": [str(i) for i in range(50_000)]})
    first = sample_indexes(frame, {}, 50_000)
    assert first == sample_indexes(frame, {}, 50_000)
    assert len(first) == PROFILE_ROWS and first[:HEAD_ROWS] == list(range(HEAD_ROWS))
    assert first == sorted(set(first)) and first[-1] > 10_000
    assert sample_indexes(frame, {3: "bad"}, 10)[:4] == [0, 1, 2, 4]


def test_the_same_file_maps_the_same_way_whatever_the_batch_size(write):
    rows = [[f"n{i}", p, "是" if i % 2 else "否", f"2024-01-{1 + i % 28:02d}"] for i, p in enumerate(phones(30_000))]
    path = write("l.csv", csv_text(["a", "b", "是否订阅", "订阅时间"], rows))
    from scanner.ingest import open_input

    whole = open_input(path).meta
    cut = open_input(path, batch_bytes=4096).meta
    assert whole.column_report == cut.column_report and whole.columns == cut.columns


def _wide_table(n):
    cols = {
        "客户姓名": [f"张{i % 100}" for i in range(n)], "手机": phones(n),
        "备用电话": [p if i % 2 else "" for i, p in enumerate(phones(n, 50_000))],
        "订单号": [f"2023{i:014d}" for i in range(n)], "QQ": [str(10_000_000 + 7 * i) for i in range(n)],
        "金额": [f"{i % 9999}.{i % 100:02d}" for i in range(n)], "是否订阅": ["是", "否"] * (n // 2),
        "订阅时间": ["2023-05-17 10:00"] * n, "获客渠道": ["地推", "电销"] * (n // 2),
        "添加时间": ["2023/5/17"] * n, "email": [f"a{i}@example.com" for i in range(n)], "备注": ["", "vip"] * (n // 2),
    }
    head = pl.DataFrame({f"c{j}": [h] for j, h in enumerate(cols)})
    return Table(pl.concat([head, pl.DataFrame({f"c{j}": v for j, v in enumerate(cols.values())})]))


def test_mapping_reads_a_bounded_sample_and_takes_under_0_3_s():
    headers.decide_layout(_wide_table(100), overrides=None, path=None)  # (normalizer metadata, once)
    spent = {}
    for n in (10_000, 200_000):
        table = _wide_table(n)
        best = min(_cpu(lambda: headers.decide_layout(table, overrides=None, path=None)) for _ in range(2))
        spent[n] = best
        layout, _ = headers.decide_layout(table, overrides=None, path=None)
        assert layout.columns["phone"] == "手机" and layout.columns["phone_2"] == "备用电话"
        assert layout.columns["consent_time"] == "订阅时间" and "QQ" in layout.extra_columns
    # CPU seconds of the process (all threads): the machine's other load does not count
    assert spent[10_000] < 0.3 and spent[200_000] < 0.3, spent


def _cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def test_a_name_header_over_phone_numbers_is_a_phone_column(write):
    rows = [[f"x{i}", p] for i, p in enumerate(phones(10))]
    result = read_input(write("l.csv", csv_text(["备注", "联系人"], rows)))
    assert result.columns == {"phone": "联系人"}


def test_a_wide_sample_is_profiled_on_fewer_records():
    from scanner.ingest.profiles import MAX_CELLS, profile_columns

    width = 3000
    frame = pl.DataFrame({f"c{i}": [str(i)] * 1000 for i in range(width)})
    profiles = profile_columns(frame, "CN")
    assert len(profiles) == width and profiles[0].values == MAX_CELLS // width


def test_values_redirect_a_header(write):
    rows = [[p, f"2024-01-{1 + i:02d}", "web" if i % 2 else "门店", f"2024-02-{1 + i:02d}"]
            for i, p in enumerate(phones(10))]
    result = read_input(write("l.csv", csv_text(["phone", "Email Consent", "channel", "unsubscribed"], rows)))
    # a consent header over dates is the consent time; a bare channel over no channels the
    # source; an opt-out header over dates holds opt-out times: the consent, read inverted
    assert result.columns == {"phone": "phone", "source": "channel", "consent_time": "Email Consent",
                              "consent": "unsubscribed"}
    assert result.inverted == {"consent"}
    [entry] = [c for c in result.column_report.columns if c["role"] == "consent"]
    assert entry["share_of"] == "opt-out times"
    assert not result.column_report.unused


@pytest.mark.parametrize(("header", "role"), [
    ("Name Prefix", None), ("Name Suffix", None), ("Salutation", None), ("Nickname", "name"),
    ("Phone 1 - Label", None), ("E-mail 1 - Label", None), ("Phone 1 - Value", "phone"),
    ("First Name", "name"), ("昵称", "name"),
])
def test_affixes_and_labels_name_no_role_and_a_nickname_is_a_weak_name(header, role):
    assert meaning(header).role == role
    assert meaning("Nickname").strength == meaning("First Name").strength < meaning("Name").strength


def test_google_contacts_current_layout_takes_the_first_name_not_its_prefix_or_nickname(write):
    # (Google Contacts' export: First Name … Name Prefix, Nickname, E-mail 1 - Value, Phone 1 - Value)
    header = ["First Name", "Last Name", "Name Prefix", "Nickname", "E-mail 1 - Value", "Phone 1 - Value"]
    rows = [["Ann", "Smith", "Dr.", "", "ann@example.com", "+1 415 555 0134"],
            ["Bob", "Chen", "", "Bobby", "bob@example.com", "+1 212 555 0199"]]
    result = read_input(write("google.csv", csv_text(header, rows)), region="US")
    assert result.columns["name"] == "First Name"
    assert result.columns["phone"] == "Phone 1 - Value"


def test_empty_columns_yield_their_role_to_columns_holding_values(write):
    # (Outlook's full export: a dozen phone headers and "Assistant's Name", mostly empty)
    header = ["Assistant's Name", "First Name", "Car Phone", "Business Phone", "Mobile Phone", "Pager"]
    rows = [["", "Ann", "", "", "(415) 555-0134", ""], ["", "Bob", "", "(212) 555-0199", "(646) 555-0101", ""]]
    result = read_input(write("outlook.csv", csv_text(header, rows)), region="US")
    assert result.columns["name"] == "First Name"
    assert set(result.phone_columns) == {"phone", "phone_2"}
    assert {result.columns[c] for c in result.phone_columns} == {"Mobile Phone", "Business Phone"}


def test_an_empty_phone_column_is_still_the_phone_column_when_no_other_holds_numbers(write):
    result = read_input(write("l.csv", csv_text(["Mobile Phone", "note"], [["", "a"], ["", "b"]])))
    assert result.columns["phone"] == "Mobile Phone"


def test_ip_addresses_are_not_phone_numbers():
    # Mailchimp's OPTIN_IP: 203.0.113.145 reads as a valid US number by its digits
    from scanner.ingest.profiles import profile_columns

    ips = [f"203.0.113.{100 + i}" for i in range(40)]
    dotted = [f"203.555.{100 + i:04d}" for i in range(40)]   # a number written with dots stays one
    ip, phone = profile_columns(pl.DataFrame({"OPTIN_IP": ips, "tel": dotted}), "US")
    assert ip.phoneish == 0 and ip.phone_valid == 0
    assert phone.phoneish == 1 and phone.phone_valid > 0.9
