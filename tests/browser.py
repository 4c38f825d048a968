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
