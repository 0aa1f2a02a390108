"""Export shapes kept out of the corpus the mapping was tuned on (evaluation/holdout): every
role is found, and a scan gives exactly the consent findings each row's values call for.

The files follow the header sets and value forms their sources document (``source`` in
``labels.json``); their rows were written by hand, one per consent case: granted and dated,
granted with no date (CN009), older than two years (CN003), refused or unsubscribed (CN002),
no consent recorded (CN001)."""

import json
from pathlib import Path

import pytest

from evaluation import roles
from scanner.api import scan
from scanner.policy import policy_from_dict

HOLDOUT = Path(roles.__file__).resolve().parent / "holdout"
LABELS = json.loads((HOLDOUT / "labels.json").read_text("utf-8"))
CONSENT = ("CN001", "CN002", "CN003", "CN004", "CN005", "CN006", "CN009")


def test_every_role_of_the_holdout_shapes_is_found():
    score = roles.evaluate(HOLDOUT, HOLDOUT / "labels.json")
    assert score.files == len(LABELS) >= 6
    assert score.misses == []
    assert score.precision == 1.0 and score.recall == 1.0


@pytest.mark.parametrize("name", sorted(LABELS))
def test_holdout_consent_findings_are_exact(name, keys, tmp_path):
    label = LABELS[name]
    region = label["region"]
    policy = policy_from_dict({"campaign": {"region": region, "allowed_regions": [region]}})
    result = scan(HOLDOUT / name, policy, keys=keys, as_of="2024-06-01", registry=False,
                  state_dir=tmp_path / "state")
    got = [sorted(set(f) & set(CONSENT)) for f in result.rows.get_column("findings").to_list()]
    assert got == label["findings"]
