"""Several phone columns: frame names ``phone``, ``phone_2``…, their headers, the policy's list."""

import pytest

from scanner.errors import InputError, PolicyError
from scanner.ingest import read_input
from scanner.ingest.model import is_phone_column, phone_column_name
from scanner.policy import policy_from_dict


def test_frame_names_of_phone_columns():
    assert [phone_column_name(i) for i in range(4)] == ["phone", "phone_2", "phone_3", "phone_4"]
    assert all(is_phone_column(n) for n in ("phone", "phone_2", "phone_10"))
    assert not any(is_phone_column(n) for n in ("phone_1", "phone_0", "phone_02", "phones", "phone_x"))


def test_one_phone_column_by_default(write):
    result = read_input(write("l.csv", "手机号,姓名\n13800138000,张三\n"))
    assert result.phone_columns == ("phone",)
    assert result.columns["phone"] == "手机号"


def test_overrides_name_several_phone_columns(write):
    text = "Name,Phone Number,Mobile Phone Number\nAnn,+1 415 555 0100,+1 415 555 0199\n"
    result = read_input(write("hubspot.csv", text),
                        column_overrides={"phone": "Mobile Phone Number", "phone_2": "Phone Number"})
    assert result.phone_columns == ("phone", "phone_2")
    assert result.columns["phone"] == "Mobile Phone Number"
    assert result.columns["phone_2"] == "Phone Number"
    assert result.frame.columns == ["row", "line", "name", "phone_2", "phone"]
    assert result.frame.row(0) == (1, 2, "Ann", "+1 415 555 0100", "+1 415 555 0199")
    assert result.extra_columns == ()


def test_policy_phone_accepts_a_list():
    policy = policy_from_dict({"columns": {"phone": ["手机号", "备用电话"], "name": "姓名"}})
    assert dict(policy.columns.mapping) == {"phone": "手机号", "phone_2": "备用电话", "name": "姓名"}
    assert policy.effective()["columns"]["mapping"] == {"phone": ["手机号", "备用电话"], "name": "姓名"}
    single = policy_from_dict({"columns": {"phone": "手机号"}})
    assert single.effective()["columns"]["mapping"] == {"phone": "手机号"}
    # a one-element list means what the string means
    assert policy_from_dict({"columns": {"phone": ["手机号"]}}).sha256 == single.sha256


@pytest.mark.parametrize("value", [[], ["a", "a"], 5, ["a", 3]])
def test_policy_phone_list_errors(value):
    with pytest.raises(PolicyError, match=r"columns\.phone"):
        policy_from_dict({"columns": {"phone": value}})


def test_policy_list_reaches_the_ingest(write):
    policy = policy_from_dict({"columns": {"phone": ["手机号", "备用电话"]}})
    text = "姓名,手机号,备用电话\n张三,13800138000,13900139000\n"
    result = read_input(write("l.csv", text), column_overrides=dict(policy.columns.mapping))
    assert result.phone_columns == ("phone", "phone_2")
    assert result.columns == {"name": "姓名", "phone": "手机号", "phone_2": "备用电话"}
    with pytest.raises(InputError, match="column override phone_2 = '座机': no such column"):
        read_input(write("l.csv", text), column_overrides={"phone": "手机号", "phone_2": "座机"})
