"""The certificate page (CERT.html beside CERT.json, both 0644), certify's exit code at
--fail-on, and verify's first line: the certified verdict."""

from __future__ import annotations

import json
import re
import stat

from tests.certify.test_certificate import ROWS, write_list
from tests.report.test_html import _no_outside_reference

GOOD = [(f"13{i % 10}{1000 + i * 379:04d}{(i * 7919) % 10000:04d}", "是", "官网注册", f"2026-05-0{1 + i % 9}")
        for i in range(12)]


def _certify(cli, tmp_path, rows, *extra, name="cert.json"):
    sig = tmp_path / "sig"
    if not sig.exists():
        assert cli("keys", "signing", "--out", sig).exit_code == 0
    listing = write_list(tmp_path / "list.csv", rows)
    cert = tmp_path / name
    result = cli("certify", listing, "--signing-key", sig / "signing-key.pem", "--to", cert,
                 "--state-dir", tmp_path / "state", "--as-of", "2026-06-01T10:00:00+08:00", *extra)
    return result, cert, listing, sig


def test_certify_writes_the_page_beside_the_certificate_both_0644(cli, tmp_path):
    result, cert, _, sig = _certify(cli, tmp_path, ROWS, "--issuer", 'ACME <script>alert(1)</script> "Data"')
    page = cert.with_suffix(".html")
    assert result.exit_code == 1 and page.exists()
    for path in (cert, page):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    doc = json.loads(cert.read_text("utf-8"))
    html = page.read_text("utf-8")
    _no_outside_reference(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert 'data-verdict="fail"' in html
    assert doc["signature"]["key"] in html and doc["issued"] in html and doc["expires"] in html
    assert doc["policy"]["sha256"] in html and doc["list"]["fingerprint"]["value"] in html
    assert "contact-scanner verify <bdi class=\"data\">cert.json</bdi> LIST --public-key" in html
    for code in doc["counts"]["findings"]:
        assert f"<code>{code}</code>" in html
    for section in ("verdict", "validity", "counts", "policy", "verify"):
        assert f'<section id="{section}"' in html
    for digits in ("13800138000", "13912345678", "15011112222", "15811112222", "1380013"):
        assert digits not in html


def test_certify_exit_code_follows_fail_on(cli, tmp_path):
    failing, _, _, _ = _certify(cli, tmp_path, ROWS, "--fail-on", "never")
    assert failing.exit_code == 0, failing.output
    passing, cert, _, _ = _certify(cli, tmp_path, GOOD, name="good.json")
    assert passing.exit_code == 0, passing.output
    assert json.loads(cert.read_text())["counts"]["verdict"] == "pass"
    strict, _, _, _ = _certify(cli, tmp_path, GOOD[:-1] + [GOOD[0]], "--fail-on", "warning", name="dup.json")
    assert strict.exit_code == 1, strict.output  # a duplicate: review, which reaches --fail-on warning


def test_verify_prints_the_certified_verdict_first_and_notices_on_stderr(cli, tmp_path):
    _, cert, listing, sig = _certify(cli, tmp_path, ROWS)
    doc = json.loads(cert.read_text())
    doc["tool"]["version"] = "0.0.1"  # a version note, not a failure (counts still match)
    from scanner.certify.signing import load_private, sign_document

    doc.pop("signature")
    cert.write_text(json.dumps(sign_document(doc, load_private(sig / "signing-key.pem"))))
    result = cli("verify", cert, listing, "--public-key", sig / "signing-key.pub.pem")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"certified verdict: fail ({cert}: verified)"
    assert "contact-scanner: notice: certified with contact-scanner 0.0.1" in result.stderr
    assert "0.0.1" not in result.stdout


def test_out_ending_in_html_is_refused_before_the_scan(cli, tmp_path):
    result, cert, _, _ = _certify(cli, tmp_path, ROWS, name="cert.html")
    assert result.exit_code == 2 and "must not end in .html" in result.output
    assert not cert.exists()
