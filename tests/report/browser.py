"""Opening a page in Debian's Chromium through Playwright, for the report and tour tests.

The tests are skipped, with the reason, only when /usr/bin/chromium is missing or playwright is not
installed.
"""

import os
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browser_or_skip():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip("Chromium is not installed (apt-get install chromium); the report's browser test needs "
                    f"{CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -c constraints.txt -e '.[dev]')")
    return sync_playwright


@contextmanager
def opened(path, width: int = 1280):
    """``(page, problems)`` for the file ``path`` in a fresh Chromium: problems collects console errors,
    page errors and requests that left the machine (anything but file:, data: and about:)."""
    sync_playwright = browser_or_skip()
    problems = {"console": [], "page": [], "network": []}
    with sync_playwright() as p:
        # launch() starts Chromium with a fresh temporary profile; new_context() a clean session in it
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.on("console", lambda msg: problems["console"].append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: problems["page"].append(str(exc)))
            page.on("request", lambda req: None if req.url.startswith(("file:", "data:", "about:"))
                    else problems["network"].append(req.url))
            page.goto(path.resolve().as_uri(), wait_until="load")
            yield page, problems
            context.close()
        finally:
            browser.close()


def assert_figures_drawn(page) -> int:
    """Every figure.figure on the page has a non-zero size; returns how many there are."""
    figures = page.locator("figure.figure")
    for i in range(figures.count()):
        box = figures.nth(i).bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, f"figure {i} is not drawn"
    return figures.count()
