"""Playwright driving Debian's Chromium (never a downloaded browser).

Use the ``browser_page`` fixture (phone-size) or ``desktop_page`` from the root conftest together
with pytest-django's ``live_server``. Screenshots go to var/screenshots/; ``make screenshots`` (which sets
``MINHU_SCREENSHOTS=docs``) writes the README's copies in docs/screenshots/, so a plain test run never changes
tracked files.
"""

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = _ROOT / ("docs" if os.environ.get("MINHU_SCREENSHOTS") == "docs" else "var") / "screenshots"

# A phone the size older residents use, at 18px body text.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
DESKTOP = {"viewport": {"width": 1280, "height": 860}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}

LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def login(page, live_server, username, password=None):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or f"pw-{username}")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def save_screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=False)
    return path


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


# axe-core 4.10.2 (MPL-2.0), vendored from the npm registry: `npm pack axe-core@4.10.2`, tests/assets/axe.min.js
# (sha256 b511cd9dec01c76f4b2ad1723b66b6db37d4c2eb4ed199076e1829d9ee7b75e3). Evaluated through the browser's
# debugging protocol, so the app's Content-Security-Policy (no inline scripts) stays as it is.
AXE = _ROOT / "tests" / "assets" / "axe.min.js"
BLOCKING = ("critical", "serious")


def axe_findings(page, impacts=BLOCKING) -> list[dict]:
    """The accessibility checker's violations on the current page at the given impacts, each with up to three
    offending elements (for the assertion message)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return [v for v in found if v["impact"] in impacts]


def page_fits(page, width: int = 390) -> bool:
    """Nothing pushes the page wider than the phone (no sideways scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth") <= width
