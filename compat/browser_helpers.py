"""What the browser suites (console, uploader app) share: Debian's Chromium through playwright, polling the page
under its Content-Security-Policy, screenshots for a person to look at, and the WCAG contrast check."""

import os
import re
import time

import playwright.sync_api as playwright_api
import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCREENSHOTS = os.path.join(ROOT, ".build", "screenshots")


@pytest.fixture(scope="module")
def playwright():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs it (BROWSER_APT_PACKAGES)")
    with playwright_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    # Debian's Chromium, never `playwright install`.
    browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
    yield browser
    browser.close()


def wait_until(page, expression, timeout=30):
    """Polls `expression` in the page (page.wait_for_function would evaluate it with eval, which the pages'
    Content-Security-Policy rightly forbids)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if page.evaluate(expression):
                return
        except playwright_api.Error:
            pass  # the page navigated while it was asked; ask the next one
        time.sleep(0.1)
    raise AssertionError("%s did not hold within %d s" % (expression, timeout))


def screenshot(page, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, name + ".png"), full_page=True)


CONTRAST_SCRIPT = """[...document.querySelectorAll('a, button, label, p, td, th, h1, h2, dt, dd, span, code')]
    .filter(e => e.offsetParent !== null && e.textContent.trim())
    .map(e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor, e.tagName + ' ' + e.textContent.trim().slice(0, 30)]; })"""


def luminance(color):
    channels = [float(c) / 255 for c in re.findall(r"[\d.]+", color)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def assert_readable(page):
    """WCAG AA: every visible text at least 4.5:1 against its own background, or the white page behind it."""
    for color, background, what in page.evaluate(CONTRAST_SCRIPT):
        alpha = re.findall(r"[\d.]+", background)
        behind = background if len(alpha) == 3 or (len(alpha) == 4 and float(alpha[3]) > 0) else "rgb(255, 255, 255)"
        light, dark = sorted([luminance(color), luminance(behind)], reverse=True)
        ratio = (light + 0.05) / (dark + 0.05)
        assert ratio >= 4.5, "%s: %s on %s is %.2f:1" % (what, color, behind, ratio)
