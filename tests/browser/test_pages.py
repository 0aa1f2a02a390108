"""report.html and the certificate page in a real browser, in both languages: every section
renders, every chart is drawn, the page asks for nothing but itself, logs no error, shows
no number, and Chinese is drawn as glyphs, not boxes. Screenshots go to the test's
temporary folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
SECTIONS = ("verdict", "mapping", "findings", "consent", "provenance", "purchased", "duplicates", "exposure",
            "rules")
CHARTS = ("verdict", "findings", "age", "hours", "gaps", "sources", "blocks")
CERT_SECTIONS = ("verdict", "validity", "counts", "policy", "verify")
LISTS = {"crm": ("crm_export_gb18030.csv", ["--suppress", str(SAMPLE / "suppression.csv")]),
         "vendor": ("vendor_list.xlsx", [])}


def _run(*args) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """report.html of two sample lists and a certificate page, each in English and Chinese,
    with the numbers of each list (for the plaintext check)."""
    from scanner.api import scan

    work = tmp_path_factory.mktemp("pages")
    state = work / "state"
    out: dict[tuple[str, str], Path] = {}
    numbers: dict[str, set[str]] = {}
    for name, (file, extra) in LISTS.items():
        for lang in ("en", "zh"):
            folder = work / f"{name}-{lang}"
            _run("scan", SAMPLE / file, "--policy", SAMPLE / "policy.toml", "--out", folder, "--state-dir", state,
                 "--as-of", "2026-11-23", "--no-progress", "--fail-on", "never", "--lang", lang, *extra)
            out[(name, lang)] = folder / "report.html"
        result = scan(SAMPLE / file, SAMPLE / "policy.toml", state_dir=state, as_of="2026-11-23", registry=False)
        table = result.distinct_numbers()
        numbers[name] = {v for c in ("e164", "national_number") if c in table.columns
                         for v in table.get_column(c).drop_nulls().to_list() if len(v.strip("+")) >= 7}
    _run("keys", "signing", "--out", work / "sig")
    for lang in ("en", "zh"):
        cert = work / f"cert-{lang}.json"
        _run("certify", SAMPLE / "vendor_list.xlsx", "--signing-key", work / "sig" / "signing-key.pem", "--out", cert,
             "--state-dir", state, "--as-of", "2026-11-23", "--lang", lang, "--issuer", "ACME 数据")
        out[("cert", lang)] = cert.with_suffix(".html")
    numbers["cert"] = numbers["vendor"]
    return out, numbers


PAGES = [(n, lang) for n in ("crm", "vendor", "cert") for lang in ("en", "zh")]


@pytest.mark.parametrize("name,lang", PAGES)
def test_page_renders_alone_without_errors_or_numbers(pages, open_page, tmp_path, name, lang):
    paths, numbers = pages
    opened = open_page(paths[(name, lang)])
    page = opened.page
    assert opened.outside == [], opened.outside      # nothing but the page itself
    assert opened.errors == [], opened.errors         # no console error
    page.screenshot(path=str(tmp_path / f"{name}-{lang}.png"), full_page=True)
    assert page.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
    for section in (CERT_SECTIONS if name == "cert" else SECTIONS):
        box = page.locator(f"section#{section}").bounding_box()
        assert box and box["height"] > 20 and box["width"] > 200, section
    if name != "cert":
        # the vendor's list has no consent times: those charts' places say why, visibly
        empty = {"age", "hours", "gaps"} if name == "vendor" else set()
        for chart in empty:
            note = page.locator(f'[data-empty="{chart}"]')
            assert note.count() == 1 and note.is_visible() and len(note.inner_text()) > 10, chart
        for chart in set(CHARTS) - empty:
            svg = page.locator(f'[data-chart="{chart}"] svg')
            assert svg.count() == 1, chart
            box = svg.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 30, (chart, box)
            marks = page.locator(f'[data-chart="{chart}"] svg path, [data-chart="{chart}"] svg rect').count()
            assert marks > 2, chart
    # no number in what the page shows (text and every SVG label), in any spacing
    shown = page.evaluate("document.body.innerText + '\\n' + [...document.querySelectorAll('svg text')]"
                          ".map(t => t.textContent).join('\\n')")
    flat = re.sub(r"[\s\-().+]", "", shown)
    leaked = [n for n in numbers[name] if n.lstrip("+") in flat]
    assert leaked == [], len(leaked)


def test_the_answer_is_on_the_first_screen(pages, open_page):
    paths, _ = pages
    page = open_page(paths[("vendor", "en")], width=1280, height=800).page
    first = page.locator("section#verdict")
    box = first.bounding_box()
    assert box["y"] + box["height"] <= 800, box  # verdict, reasons and the next steps fit the screen
    text = first.inner_text()
    assert "Do not import this list as it is." in text
    assert "looks bought, scraped or generated" in text
    assert len(page.locator("section#verdict ol.actions li").all()) == 3


def test_chinese_is_drawn_as_glyphs_not_boxes(pages, open_page, tmp_path):
    """Each Chinese character of the heading drawn alone differs from every other and from
    a character no font has (which every browser draws as the same box)."""
    paths, _ = pages
    page = open_page(paths[("crm", "zh")]).page
    heading = page.locator("h1").inner_text()
    chars = [c for c in dict.fromkeys(heading) if "\u4e00" <= c <= "\u9fff"]
    assert len(chars) >= 4, heading
    shots = {}
    for c in [*chars[:6], "\U0010fffd"]:
        page.evaluate("c => { const h = document.querySelector('h1'); h.textContent = c; }", c)
        shots[c] = page.locator("h1").screenshot(path=str(tmp_path / f"glyph-{ord(c):x}.png"))
    tofu = shots.pop("\U0010fffd")
    assert all(png != tofu for png in shots.values())
    assert len(set(shots.values())) == len(shots)


def test_chinese_page_has_chinese_headings(pages, open_page):
    paths, _ = pages
    page = open_page(paths[("crm", "zh")]).page
    for h2 in page.locator("h2").all_inner_texts():
        assert re.search(r"[\u4e00-\u9fff]", h2), h2


def test_the_page_prints(pages, open_page):
    """Printing (the print stylesheet) gives a PDF of several pages, without errors."""
    opened = open_page(paths_for(pages, "crm", "en"))
    pdf = opened.page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 2
    assert opened.errors == [] and opened.outside == []


def paths_for(pages, name, lang):
    return pages[0][(name, lang)]


@pytest.mark.parametrize("name", ["crm", "cert"])
def test_the_page_renders_within_a_second(pages, open_page, name):
    """The browser's own clock from navigation to the end of the load event (parsed, laid
    out, charts drawn), best of 3: the wall clock of a shared machine counts other work."""
    times = []
    for _ in range(3):
        page = open_page(paths_for(pages, name, "en")).page
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        times.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
    assert min(times) < 1.0, times


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chart_labels_are_drawn_whole_inside_their_chart(pages, open_page, lang, tmp_path):
    """No text of a chart reaches beyond the chart's box (a long code name on the findings
    chart was cut off at its left edge: the layout measured it narrower than the browser
    drew it)."""
    page = open_page(paths_for(pages, "crm", lang)).page
    page.locator('[data-chart="findings"]').first.screenshot(path=str(tmp_path / f"findings-{lang}.png"))
    overflow = page.evaluate("""() => [...document.querySelectorAll('[data-chart] svg')].map(svg => {
        const box = svg.getBoundingClientRect();
        let worst = 0;
        svg.querySelectorAll('text').forEach(t => {
            const r = t.getBoundingClientRect();
            worst = Math.max(worst, box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom);
        });
        return [svg.closest('[data-chart]').dataset.chart, worst]; })""")
    assert len(overflow) == len(CHARTS)
    assert [c for c, worst in overflow if worst > 0.5] == [], overflow
