"""The Chinese catalog: every message has both languages and keeps its placeholders, the
compiled catalog is the one gettext loads, the glossary's terms are used throughout, and
the Chinese pages carry no English prose."""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser

import pytest

from scanner.i18n import HERE, gettext_for, locale_lang, resolve_lang
from scanner.i18n.catalog import PLACEHOLDER, problems, read_po


def test_every_message_has_chinese_with_the_same_placeholders_and_is_compiled():
    assert problems() == []


def test_placeholder_check_catches_a_lost_placeholder(monkeypatch):
    po = read_po()
    message = next(m for m in po if m.id and "{n}" in m.id)
    assert sorted(PLACEHOLDER.findall(message.id)) == sorted(PLACEHOLDER.findall(message.string))
    assert PLACEHOLDER.findall(message.string.replace("{n}", "{count}")) != PLACEHOLDER.findall(message.id)


def test_gettext_gives_chinese_and_english_is_the_message_itself():
    assert gettext_for("zh")("Verdict at a glance") == "结论一览"
    assert gettext_for("en")("Verdict at a glance") == "Verdict at a glance"


@pytest.mark.parametrize("env,lang", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LANGUAGE": "en:zh", "LANG": "zh_CN.UTF-8"}, "en"), ({"LANG": "C.UTF-8"}, "en"), ({}, "en")])
def test_the_default_language_comes_from_the_locale(env, lang):
    assert locale_lang(env) == lang
    assert resolve_lang(None, None, env) == lang
    assert resolve_lang(None, "en", {"LANG": "zh_CN.UTF-8"}) == "en"   # the policy over the locale
    assert resolve_lang("zh", "en", {}) == "zh"                        # --lang over the policy


def _glossary():
    return tomllib.loads((HERE / "glossary.toml").read_text("utf-8"))


#: Terms whose Chinese must appear wherever the English word does (the others are checked
#: through the avoided variants: they take different words in compounds, such as 凭证 in 同意凭证).
STRICT = ("verdict", "policy", "certificate", "fingerprint", "threshold", "issuer", "purchased",
          "duplicate")


def test_the_glossary_terms_are_used_throughout():
    glossary = _glossary()
    terms, avoid = glossary["terms"], glossary["avoid"]
    wrong = []
    for m in read_po():
        if not m.id:
            continue
        prose = re.sub(r"\b\w+(?:\.\w+)+\b|\[\w+\]|--[\w-]+|\{\w*\}", " ", m.id)  # keys, [sections], --options, {placeholders}
        for term in STRICT:
            if re.search(rf"\b{term}s?\b", prose, re.I) and terms[term] not in m.string and "``" not in m.id:
                wrong.append((term, m.id, m.string))
        for term, variants in avoid.items():
            wrong += [(term, m.id, v) for v in variants if v in m.string]
    assert wrong == []


class _Text(HTMLParser):
    """The page's visible prose: text outside <code>, <style>, <pre> and input data (<bdi class="data">)."""

    SKIP = {"code", "style", "pre", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("meta", "br", "hr", "rect", "path", "line"):
            return
        skip = tag in self.SKIP or (tag == "bdi" and "data" in (dict(attrs).get("class") or ""))
        self.stack.append(skip or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag in ("meta", "br", "hr", "rect", "path", "line"):
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


#: What may stay Latin on a Chinese page: codes, file and tool names, units and keys.
ALLOWED = re.compile(r"\b(?:[A-Z]{2}\d{3}|contact-scanner|[\w.-]+\.(?:csv|json|html|parquet|bin|pem|toml|xlsx)"
                     r"|SHA-256|E\.164|MAC|Jaccard|Benjamini–Hochberg|GDPR|TCPA|PECR|ePrivacy|MVNO|MD5|SHA-1|JSON"
                     r"|Luhn|HubSpot|ID|IoT|TD|SIM|reveal|csv|gb18030|utf-8|xlsx|parquet|json|ndjson|tsv|txt|sms|voice"
                     r"|marketing|CN|US|EU|UK|X|s)\b")


def english_prose(page: str, data: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(page)
    text = "\n".join(parser.parts)
    for value in sorted(data, key=len, reverse=True):  # input data drawn inside the charts
        text = text.replace(value, " ")
    text = re.sub(r"\[[a-z_]+\]", " ", text)       # policy sections: [vocabulary], [columns]
    text = ALLOWED.sub(" ", text)
    return re.findall(r"[A-Za-z]{2,}(?:[ '-][A-Za-z]{2,})*", text)


@pytest.fixture(scope="module")
def zh_pages(tmp_path_factory):
    from click.testing import CliRunner

    from scanner.cli import main
    from tests.report.test_html import SAMPLE

    work = tmp_path_factory.mktemp("zh")
    pages = {}
    for name, extra in (("crm_export_gb18030.csv", ["--suppress", str(SAMPLE / "suppression.csv")]),
                        ("vendor_list.xlsx", [])):
        out = work / name
        result = CliRunner().invoke(main, [
            "scan", str(SAMPLE / name), "--policy", str(SAMPLE / "policy.toml"), "--out", str(out), "--lang", "zh",
            "--state-dir", str(work / "state"), "--as-of", "2026-11-23", "--no-progress", "--fail-on", "never", *extra])
        assert result.exit_code == 0, result.output
        pages[name] = out
    assert CliRunner().invoke(main, ["keys", "signing", "--out", str(work / "sig")]).exit_code == 0
    result = CliRunner().invoke(main, [
        "certify", str(SAMPLE / "vendor_list.xlsx"), "--signing-key", str(work / "sig" / "signing-key.pem"),
        "--to", str(work / "cert.json"), "--state-dir", str(work / "state"), "--as-of", "2026-11-23",
        "--lang", "zh", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    pages["cert"] = work
    return pages


def _data_values(report: dict) -> set[str]:
    """Texts from the input that a page shows (they may be English: a source named web-form)."""
    values = {s["source"] for s in report.get("provenance", {}).get("sources", [])}
    values |= {c["column"] for c in report["input"].get("mapping", {}).get("columns", [])}
    return {v for v in values if v}


@pytest.mark.parametrize("name", ["crm_export_gb18030.csv", "vendor_list.xlsx", "cert"])
def test_the_chinese_pages_have_no_english_prose(zh_pages, name):
    import json

    if name == "cert":
        page = (zh_pages[name] / "cert.html").read_text("utf-8")
        data: set[str] = set()
    else:
        page = (zh_pages[name] / "report.html").read_text("utf-8")
        data = _data_values(json.loads((zh_pages[name] / "report.json").read_text("utf-8")))
    assert english_prose(page, data) == []
    assert "结论一览" in page or "证书证明的内容" in page


def test_the_check_would_find_english_prose():
    found = english_prose("<p>结论 verdict at a glance <code>CN002</code> <bdi class=\"data\">web-form</bdi></p>", set())
    assert "verdict at" in found and not any("CN002" in f or "web" in f for f in found)
