import pytest

from scanner.errors import PolicyError
from scanner.policy import load_policy, policy_from_dict


def write(tmp_path, text):
    p = tmp_path / "policy.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_policy():
    p = load_policy(None)
    assert (p.campaign.channel, p.campaign.purpose, p.campaign.region) == ("sms", "marketing", "CN")
    assert p.consent.max_age_days == 730
    assert p.campaign.allowed_regions == ("CN",)


def test_full_policy_loads(tmp_path):
    p = load_policy(write(tmp_path, """
[campaign]
channel = "voice"
purpose = "service"
region = "CN"
allowed_regions = ["CN", "HK"]
[consent]
max_age_days = 365
require_evidence = true
[[sources]]
name = "web-signup"
aliases = ["官网注册", "website"]
valid_from = 2024-01-01
valid_until = 2026-12-31
[rules]
ignore = ["PH008"]
severity = { PH004 = "error" }
[list]
max_reject_share = 0.1
[vocabulary]
consent = { "ok" = "granted" }
"""))
    assert p.campaign.allowed_regions == ("CN", "HK")
    assert p.sources[0].aliases == ("官网注册", "website")
    assert p.severity_of("PH004", "warning") == "error"
    assert p.vocabulary.table("consent")["ok"] == "granted"


@pytest.mark.parametrize("text,fragment", [
    ("[campain]\nchannel='sms'", "unknown table [campain]"),
    ("[campaign]\nchanel='sms'", "campaign.chanel: unknown key"),
    ("[campaign]\nchannel='fax'", "campaign.channel"),
    ("[campaign]\nregion='XX'", "campaign.region"),
    ("[campaign]\ntimezone='Mars/Base'", "campaign.timezone"),
    ("[consent]\nmax_age_days=-3", "consent.max_age_days"),
    ("[consent]\nmax_age_days='730'", "consent.max_age_days: must be an integer, got text"),
    ("[rules]\nignore=['XX999']", "unknown rule code 'XX999'"),
    ("[rules]\nseverity={PH004='fatal'}", "rules.severity"),
    ("[list]\nmax_reject_share=1.5", "list.max_reject_share"),
    ("[[sources]]\naliases=['a']", "sources[0].name: required"),
    ("[[sources]]\nname='a'\nbogus=1", "sources[0].bogus: unknown key"),
    ("[vocabulary]\nconsent={x='maybe'}", "vocabulary.consent"),
    ("[detect]\nbogus_key=3", "detect.bogus_key: unknown key"),
    ("[campaign\n", "invalid TOML"),
])
def test_bad_policies_name_the_key(tmp_path, text, fragment):
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, text))
    assert fragment in info.value.one_line()
    assert "policy.toml" in info.value.one_line()


def test_missing_policy_file(tmp_path):
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path / "nope.toml")


def test_sha256_hashes_the_effective_policy():
    a = policy_from_dict({})
    b = policy_from_dict({"consent": {"max_age_days": 730}})  # a default spelled out
    c = policy_from_dict({"consent": {"max_age_days": 365}})
    assert a.sha256 == b.sha256 != c.sha256
    assert len(a.sha256) == 64


def test_enum_values_and_codes_are_read_whatever_their_case():
    written = policy_from_dict({
        "campaign": {"channel": "SMS", "purpose": "Marketing", "region": "cn", "allowed_regions": ["cn", "hk"]},
        "rules": {"ignore": ["pr001"], "severity": {"ph004": "Error"}},
        "vocabulary": {"consent": {"ok": "Granted"}},
        "report": {"lang": "ZH"},
    })
    canonical = policy_from_dict({
        "campaign": {"channel": "sms", "purpose": "marketing", "region": "CN", "allowed_regions": ["CN", "HK"]},
        "rules": {"ignore": ["PR001"], "severity": {"PH004": "error"}},
        "vocabulary": {"consent": {"ok": "granted"}},
        "report": {"lang": "zh"},
    })
    assert written == canonical and written.sha256 == canonical.sha256
    with pytest.raises(PolicyError, match="'text' is not one of sms, voice"):
        policy_from_dict({"campaign": {"channel": "text"}})
