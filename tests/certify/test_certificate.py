import datetime as dt
import json

import pytest

from scanner.certify.certificate import list_fingerprint, summarize, verify
from scanner.certify.signing import generate, load_private, load_public, sign_document
from scanner.errors import VerificationFailed

ROWS = [
    ("13800138000", "是", "官网注册", "2026-01-05"),
    ("139 1234 5678", "是", "官网注册", "2026-02-01"),
    ("+86 150-1111-2222", "退订", "官网注册", "2026-03-01"),
    ("13800138000", "是", "官网注册", "2026-01-05"),
    ("12345", "是", "", "2026-01-05"),
    ("15811112222", "", "购买", ""),
]


def write_list(path, rows):
    path.write_text("手机号,是否同意,来源,同意时间\n" + "".join(",".join(r) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture
def env(tmp_path, cli):
    assert cli("keys", "signing", "--out", tmp_path / "sig").exit_code == 0
    listing = write_list(tmp_path / "list.csv", ROWS)
    cert = tmp_path / "cert.json"
    result = cli("certify", listing, "--signing-key", tmp_path / "sig" / "signing-key.pem", "--to", cert,
                 "--state-dir", tmp_path / "state", "--as-of", "2026-06-01T10:00:00+08:00",
                 "--issuer", "ACME Data")
    assert result.exit_code == 1, result.output  # 3 of 6 rows rejected: a failing list, still certified
    assert "verdict fail" in result.output and cert.exists()
    return {"list": listing, "cert": cert, "public": tmp_path / "sig" / "signing-key.pub.pem",
            "private": tmp_path / "sig" / "signing-key.pem", "tmp": tmp_path}


def run_verify(cli, env, *extra, cert=None, listing=None):
    return cli("verify", cert or env["cert"], listing or env["list"], "--public-key", env["public"], *extra)


def test_round_trip(cli, env):
    doc = json.loads(env["cert"].read_text())
    assert doc["issuer"]["name"] == "ACME Data" and doc["counts"]["rows"]["total"] == 6
    assert doc["list"]["numbers"] == 5 and doc["as_of"].startswith("2026-06-01T10:00:00")
    assert doc["counts"]["findings"]["DU001"] == 1
    assert isinstance(doc["counts"]["purchased_score_bp"], int)
    result = run_verify(cli, env)
    assert result.exit_code == 0, result.output
    assert "re-scan reproduces" in result.output and "list fingerprint" in result.output


def test_no_number_in_certificate(env):
    text = env["cert"].read_text()
    for digits in ("13800138000", "13912345678", "15011112222", "15811112222", "1380013"):
        assert digits not in text


def test_reordered_rows_still_verify(cli, env):
    write_list(env["list"], list(reversed(ROWS)))
    assert run_verify(cli, env).exit_code == 0


def test_one_changed_number_in_the_list(cli, env):
    rows = list(ROWS)
    rows[1] = ("139 1234 5679",) + rows[1][1:]
    write_list(env["list"], rows)
    result = run_verify(cli, env)
    assert result.exit_code == 1 and "altered list" in result.output
    assert "13912345679" not in result.output


def test_added_row_with_a_known_number_changes_counts(cli, env):
    write_list(env["list"], ROWS + [ROWS[0]])  # same number set, one more duplicate row
    result = run_verify(cli, env)
    assert result.exit_code == 1 and "does not reproduce" in result.output


def test_one_changed_count_in_the_certificate(cli, env):
    doc = json.loads(env["cert"].read_text())
    doc["counts"]["findings"]["DU001"] = 0
    env["cert"].write_text(json.dumps(doc))
    result = run_verify(cli, env)
    assert result.exit_code == 1 and "altered after signing" in result.output


def test_issuer_signed_false_counts(cli, env):
    doc = json.loads(env["cert"].read_text())
    doc["counts"]["rows"]["reject"] -= 1
    doc["counts"]["rows"]["accept"] += 1
    env["cert"].write_text(json.dumps(sign_document(doc, load_private(env["private"]))))
    result = run_verify(cli, env)
    assert result.exit_code == 1 and "rows.accept certified" in result.output


def test_certificate_signed_by_another_key(cli, env):
    _, other_public, _ = generate(env["tmp"] / "other")
    result = cli("verify", env["cert"], env["list"], "--public-key", other_public)
    assert result.exit_code == 1 and "wrong key" in result.output
    other_private = load_private(env["tmp"] / "other" / "signing-key.pem")
    forged = sign_document(json.loads(env["cert"].read_text()), other_private)
    env["cert"].write_text(json.dumps(forged))
    result = run_verify(cli, env)
    assert result.exit_code == 1 and "wrong key" in result.output


def test_different_policy(cli, env):
    policy = env["tmp"] / "voice.toml"
    policy.write_text('[campaign]\nchannel = "voice"\n')
    result = run_verify(cli, env, "--policy", policy)
    assert result.exit_code == 1 and "different policy" in result.output


def test_edited_policy_inside_the_certificate(cli, env):
    doc = json.loads(env["cert"].read_text())
    doc["policy"]["effective"]["consent"]["max_age_days"] = 30
    env["cert"].write_text(json.dumps(doc))
    assert run_verify(cli, env).exit_code == 1


def test_expired(env):
    doc = json.loads(env["cert"].read_text())
    later = dt.datetime.fromisoformat(doc["expires"]) + dt.timedelta(seconds=1)
    with pytest.raises(VerificationFailed, match="expired"):
        verify(doc, str(env["list"]), load_public(env["public"]), now=later)


def test_garbage_certificate_is_exit_1(cli, env):
    env["cert"].write_text("{not json")
    assert run_verify(cli, env).exit_code == 1


def test_fingerprint_properties():
    a = ["+8613800138000", "+8613912345678"]
    assert list_fingerprint(a, "00") == list_fingerprint(list(reversed(a)) + a, "00")
    assert list_fingerprint(a, "00") != list_fingerprint(a, "01")
    assert list_fingerprint(a, "00") != list_fingerprint(a[:1], "00")


def test_summarize_moves_registry_dependent_results_to_claims():
    report = {
        "rows": {"total": 10, "accept": 7, "review": 3, "reject": 0},
        "findings": {"DU001": 2, "DU003": 4},
        "list": {"verdict": "fail", "overlaps": [{"list": "x"}],
                 "purchased": {"score": 0.4567, "likely": False, "signals": [
                     {"code": "LS001", "name": "invalid-numbers", "fired": False},
                     {"code": "LS016", "name": "overlap-leaked-list", "fired": True},
                     {"code": "LS017", "name": "canary-hit", "fired": False}]}},
    }
    counts, claims = summarize(report)
    assert counts["findings"] == {"DU001": 2} and counts["signals"] == {"LS001": False}
    assert counts["rows"] == {"total": 10} and "verdict" not in counts
    assert claims["findings"] == {"DU003": 4} and claims["overlaps"] == 1
    assert claims["signals"] == {"LS016": True, "LS017": False}
    assert claims["outcome"]["verdict"] == "fail" and claims["outcome"]["purchased_score_bp"] == 4567
    clean = dict(report, findings={"DU001": 2}, list={**report["list"], "purchased": {"score": 0.1, "signals": []}})
    counts, claims = summarize(clean)
    assert counts["verdict"] == "fail" and counts["purchased_score_bp"] == 1000 and "outcome" not in claims


DATA = __import__("pathlib").Path(__file__).parent / "data"
SAMPLE = __import__("pathlib").Path(__file__).resolve().parents[2] / "sample_data"


def test_certificate_made_under_purchased_v1_still_verifies(cli):
    # a certificate scored under purchased/v1 names no model in its counts, as those made
    # before purchased/v2 do (this one is made by the current code scoring under v1: the
    # ones made by earlier releases no longer reproduce their policy hash since the built-in
    # vocabulary gained the email channel words); the re-scan scores the list under v1 and
    # reproduces its score and signals exactly
    cert = json.loads((DATA / "vendor_list.txt.v1-cert.json").read_text())
    assert "purchased_model" not in cert["counts"] and cert["counts"]["purchased_score_bp"] == 9860
    result = cli("verify", DATA / "vendor_list.txt.v1-cert.json", SAMPLE / "vendor_list.txt",
                 "--public-key", DATA / "v1-fixture.pub.pem")
    assert result.exit_code == 0, result.output
    assert "purchased-list model purchased/v1" in result.output


def test_certificate_made_under_purchased_v2_still_verifies(cli):
    # made by the release that shipped purchased/v2 (score 0.9065 for this list); the
    # re-scan scores it under v2, whatever model is current, and reproduces score and signals
    cert = json.loads((DATA / "vendor_list.txt.v2-cert.json").read_text())
    assert cert["counts"]["purchased_model"] == "purchased/v2" and cert["counts"]["purchased_score_bp"] == 9065
    result = cli("verify", DATA / "vendor_list.txt.v2-cert.json", SAMPLE / "vendor_list.txt",
                 "--public-key", DATA / "v2-fixture.pub.pem")
    assert result.exit_code == 0, result.output
    assert "purchased-list model purchased/v2" in result.output


def test_certificate_made_under_purchased_v3_still_verifies(cli):
    # made by the release that shipped purchased/v3, on members who signed up on days varying
    # as a gamma of shape 5: that release's LS024 (against shape 3, fired at four standard
    # errors) fired, the current one (against shape 8) does not; the re-scan under v3 reports
    # LS024 as v3 did, so the certified signals are reproduced
    cert = json.loads((DATA / "steady_members.csv.v3-cert.json").read_text())
    assert cert["counts"]["purchased_model"] == "purchased/v3" and cert["counts"]["signals"]["LS024"] is True
    result = cli("verify", DATA / "steady_members.csv.v3-cert.json", DATA / "steady_members.csv",
                 "--public-key", DATA / "v3-fixture.pub.pem")
    assert result.exit_code == 0, result.output
    assert "purchased-list model purchased/v3" in result.output


def test_new_certificates_name_their_model(env):
    doc = json.loads(env["cert"].read_text())
    assert doc["counts"]["purchased_model"] == "purchased/v4"


def test_certificate_made_by_an_earlier_release_still_verifies(cli):
    # made before the built-in vocabulary gained the email channel words: its policy is
    # rebuilt with the vocabulary it lists (the one that scan read), so its hash and the
    # re-scan's counts are reproduced
    cert = json.loads((DATA / "vendor_list.txt.earlier-release-cert.json").read_text())
    assert "email" not in cert["policy"]["effective"]["vocabulary"]["channel"].values()
    result = cli("verify", DATA / "vendor_list.txt.earlier-release-cert.json", SAMPLE / "vendor_list.txt",
                 "--public-key", DATA / "earlier-release.pub.pem")
    assert result.exit_code == 0, result.output
    assert "purchased-list model purchased/v1" in result.output
