"""Property-based invariants of a scan (hypothesis)."""

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.api import scan
from scanner.policy import policy_from_dict

PHONES = ["13800138000", "+86 138 0013 8000", "13900139000", "17012345678", "95588", "未知", "",
          "1.38001E+10", "13800138000.0", "010-62345678", "+1 650 253 0000", "12345678901"]
CONSENTS = ["是", "否", "退订", "", "maybe", "yes"]
SOURCES = ["官网注册", "数据商提供", "", "第三方合作"]
TIMES = ["2026-01-05", "2020-01-01", "2030-01-01", "", "2025年3月4日"]

record = st.fixed_dictionaries({
    "phone": st.sampled_from(PHONES), "consent": st.sampled_from(CONSENTS),
    "source": st.sampled_from(SOURCES), "consent_time": st.sampled_from(TIMES),
})
POLICY = policy_from_dict({})


def _scan(records, keys):
    frame = pl.DataFrame(records, schema={k: pl.String for k in ("phone", "consent", "source", "consent_time")})
    return scan(frame, POLICY, keys=keys, as_of="2026-11-23")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(record, min_size=1, max_size=12), seed=st.randoms(use_true_random=False))
def test_results_independent_of_row_order(keys, records, seed):
    order = list(range(len(records)))
    seed.shuffle(order)
    a = _scan(records, keys)
    b = _scan([records[i] for i in order], keys)
    # Per input record: the same findings, except which copy of a duplicate counts as "later".
    fa = {i: sorted(set(f) - {"DU001"}) for i, f in enumerate(a.rows.get_column("findings").to_list())}
    fb = {order[j]: sorted(set(f) - {"DU001"}) for j, f in enumerate(b.rows.get_column("findings").to_list())}
    assert fa == fb
    assert a.report["findings"] == b.report["findings"]
    assert a.report["rows"] == b.report["rows"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(record, min_size=1, max_size=12))
def test_every_row_accounted_for(keys, records):
    result = _scan(records, keys)
    rows = result.report["rows"]
    assert rows["total"] == len(records) == result.rows.height
    assert rows["accept"] + rows["review"] + rows["reject"] == rows["total"]
    assert result.rows.get_column("row").to_list() == list(range(1, len(records) + 1))
