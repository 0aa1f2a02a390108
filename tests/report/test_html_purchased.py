"""report.html and the summary say why a list is (or is not) likely purchased: purchased/v2's
explanation, in English as report.json keeps it and in Chinese from the templates and
values report.json keeps beside it (``explanation_text``)."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

from scanner.api import scan
from scanner.i18n import Text, gettext_for
from scanner.report.html import report_html

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
sys.path.insert(0, str(ROOT))

from evaluation.corpus import KINDS, generate  # noqa: E402
from evaluation.evaluate import KEYS, run_sample  # noqa: E402


def test_the_page_carries_the_explanation_in_both_languages(keys):
    from tests.i18n.test_catalog import english_prose

    report = scan(SAMPLE / "vendor_list.xlsx", SAMPLE / "policy.toml", keys=keys, as_of="2026-11-23",
                  registry=False).report
    purchased = report["list"]["purchased"]
    why = purchased["explanation"]
    assert why.startswith("Likely purchased")
    page = html.unescape(report_html(report, lang="en"))
    assert 'data-explanation="likely"' in page and why in page
    zh = report_html(report, lang="zh")
    said = Text.from_json(purchased["explanation_text"]).in_(gettext_for("zh"))
    assert said.startswith("很可能是购买的名单") and said in html.unescape(zh)
    assert english_prose(f"<p>{html.escape(said)}</p>", set()) == []


def _words(text: str) -> list[str]:
    """Latin words of a Chinese sentence beyond codes, names of signals and figures."""
    text = re.sub(r"\bLS\d{3}\b|\bSIM\b|\([a-z-]+\)|（[a-z-]+）|\bp [<=] [\d.e-]+", " ", text)
    return re.findall(r"[A-Za-z]{2,}", text)


@pytest.mark.parametrize("kind", ["enumerated-runs", "enumerated-filtered", "fabricated-even-times", "padded",
                                  "resold-copy", "genuine-trade-fair", "genuine-family-plans"])
def test_every_explanation_is_the_english_of_its_template_and_has_chinese(kind):
    assert kind in KINDS
    rep = run_sample(generate(kind, 7, KEYS)).report_purchased
    zh = gettext_for("zh")
    for key in ("explanation", "not_held_against"):
        doc = rep.get(f"{key}_text")
        if rep.get(key) is None:
            assert doc is None
            continue
        text = Text.from_json(doc)
        assert str(text) == rep[key]  # report.json's English is the template filled
        said = text.in_(zh)
        assert re.search(r"[\u4e00-\u9fff]", said) and _words(said) == [], (kind, said)
