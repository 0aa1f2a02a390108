"""Consent cells as exports write them: yes/no in every database and spreadsheet form,
status words of mailing tools and CRMs, and opt-out columns read inverted."""

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from scanner.policy import policy_from_dict
from scanner.prepare import consent_class

DEFAULT = policy_from_dict({})

# (cell as exported, class read normally, class read inverted)
YES_NO = [
    ("t", "granted", "refused"), ("f", "refused", "granted"),          # Postgres COPY
    ("TRUE", "granted", "refused"), ("FALSE", "refused", "granted"),  # Excel, BigQuery
    ("True", "granted", "refused"), ("False", "refused", "granted"),  # pandas / Python
    ("1", "granted", "refused"), ("0", "refused", "granted"),         # MySQL tinyint
    ("1.0", "granted", "refused"), ("0.0", "refused", "granted"),     # pandas float column
    ("Y", "granted", "refused"), ("N", "refused", "granted"),
    ("yes", "granted", "refused"), ("No", "refused", "granted"),
    ("on", "granted", "refused"), ("off", "refused", "granted"),      # HTML checkbox
    ("是", "granted", "refused"), ("否", "refused", "granted"),
    ("✓", "granted", "refused"), ("✔", "granted", "refused"), ("√", "granted", "refused"),
    ("×", "refused", "granted"), ("✗", "refused", "granted"),
    ("ＹＥＳ", "granted", "refused"),                                  # full-width
    (" true ", "granted", "refused"),
]

# status words: the same class whatever the column's polarity
STATUS = [
    ("已订阅", "granted"), ("未订阅", "missing"), ("已授权", "granted"), ("未授权", "missing"),
    ("opted_in", "granted"), ("opted_out", "refused"), ("OPTED-IN", "granted"), ("Opt In", "granted"),
    ("OptIn", "granted"), ("OptOut", "refused"),                       # Salesforce consent status
    ("subscribed", "granted"), ("unsubscribed", "withdrawn"),          # Mailchimp
    ("cleaned", "missing"), ("pending", "missing"), ("transactional", "missing"), ("archived", "missing"),
    ("non-subscribed", "missing"),
    ("SUBSCRIBED", "granted"), ("NEVER_SUBSCRIBED", "missing"), ("UNSUBSCRIBED", "withdrawn"),  # Klaviyo
    ("NOT_SUBSCRIBED", "missing"), ("REDACTED", "missing"),            # Shopify
    ("Not subscribed", "missing"),                                     # HubSpot
    ("NotSeen", "missing"), ("Seen", "missing"),
    ("退订", "withdrawn"), ("TD", "withdrawn"), ("STOP", "withdrawn"),
    ("拒绝", "refused"), ("同意", "granted"),
    ("maybe", "unknown"), ("", "missing"), (None, "missing"),
]


def _classes(values, policy=DEFAULT, inverted=False):
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(consent_class(pl.col("v"), policy, inverted=inverted)).to_series().to_list()


@pytest.mark.parametrize("value,normal,inverted", YES_NO)
def test_yes_no_forms(value, normal, inverted):
    assert _classes([value]) == [normal]
    assert _classes([value], inverted=True) == [inverted]


@pytest.mark.parametrize("value,expected", STATUS)
def test_status_words_keep_their_meaning_in_either_polarity(value, expected):
    assert _classes([value]) == [expected]
    assert _classes([value], inverted=True) == [expected]


def test_policy_yes_no_words_invert_too():
    policy = policy_from_dict({"vocabulary": {"yes": ["ja"], "no": ["nein"]}})
    assert _classes(["ja", "nein"], policy) == ["granted", "refused"]
    assert _classes(["ja", "nein"], policy, inverted=True) == ["refused", "granted"]


def test_policy_word_cannot_say_yes_and_no():
    from scanner.errors import PolicyError

    with pytest.raises(PolicyError, match="also says no"):
        policy_from_dict({"vocabulary": {"yes": ["否"]}})


def test_policy_status_entry_is_never_inverted():
    policy = policy_from_dict({"vocabulary": {"consent": {"ok": "granted"}}})
    assert _classes(["ok"], policy, inverted=True) == ["granted"]


@settings(deadline=None)   # (a polars call per example: slow on a loaded machine, never wrong)
@given(st.sampled_from([v for v, _, _ in YES_NO]))
def test_inverting_swaps_granted_and_refused_exactly(value):
    normal, inverted = _classes([value]), _classes([value], inverted=True)
    assert {normal[0], inverted[0]} == {"granted", "refused"}


@settings(deadline=None, max_examples=50)
@given(st.text(max_size=12))
def test_every_cell_gets_one_known_class(value):
    for inverted in (False, True):
        [cls] = _classes([value], inverted=inverted)
        assert cls in {"granted", "refused", "withdrawn", "missing", "unknown"}
