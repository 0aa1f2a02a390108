"""One headless Chromium for the whole test session (Debian's package, driven by Playwright).

The browser is installed by the project (``make browser``, which ``make test`` runs): when
it or the CJK font is missing these tests fail and say how to install them; they never
skip. Chromium starts with its background networking off (its own update, sync and
safe-browsing traffic is not the page's), and every page is opened in a fresh context
whose requests are intercepted: the page itself is served, anything else is recorded and
aborted, and the test fails on it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CONTACT_SCANNER_CHROMIUM", "/usr/bin/chromium")
CJK_FONT = "WenQuanYi Micro Hei"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
         "--disable-features=Translate,OptimizationHints,MediaRouter,CertificateTransparencyComponentUpdater"]
INSTALL = "run `make browser` (apt-get install chromium fonts-wqy-microhei)"


def _require_browser_and_font() -> None:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: {INSTALL}", pytrace=False)
    fc_list = shutil.which("fc-list")
    fonts = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout if fc_list else ""
    if CJK_FONT not in fonts:
        pytest.fail(f"the CJK font {CJK_FONT} is not installed, so Chinese would render as boxes: {INSTALL}",
                    pytrace=False)


@pytest.fixture(scope="session")
def browser():
    _require_browser_and_font()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: make install (test extras)", pytrace=False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Opened:
    page: object
    url: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


@pytest.fixture
def open_page(browser):
    """Open a local HTML file; returns :class:`Opened` (requests other than the file itself
    are aborted and listed in ``outside``; console errors and page errors in ``errors``)."""
    import time

    contexts = []

    def open_(path: Path, width: int = 1100, height: int = 900) -> Opened:
        context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=True)
        contexts.append(context)
        page = context.new_page()
        url = path.resolve().as_uri()
        opened = Opened(page, url)

        def route(r):
            if r.request.url == url:
                r.continue_()
            else:
                opened.outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: opened.errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: opened.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: opened.outside.append(r.url) if r.url != url else None)
        start = time.perf_counter()
        page.goto(url, wait_until="load")
        opened.seconds = time.perf_counter() - start
        return opened

    yield open_
    for context in contexts:
        context.close()
