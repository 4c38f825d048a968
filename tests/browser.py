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


# axe-core (Deque, MPL-2.0; tests/assets/axe-core.LICENSE), vendored from the npm registry so the check runs offline.
AXE = Path(__file__).resolve().parent / "assets" / "axe.min.js"


def axe_check(page, *, impacts=("critical", "serious")) -> list[dict]:
    """The page's accessibility violations of the given impacts, as axe-core finds them in the current DOM.

    Each is ``{"id", "impact", "help", "targets"}``; ``axe_report`` turns them into an assertion message. The
    script is evaluated through the DevTools protocol rather than ``add_script_tag``: the app's Content-Security-Policy
    refuses inline scripts, as it should, and a checker must not need the page to be weakened."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")).slice(0, 8),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in impacts]


def axe_report(violations, where="") -> str:
    lines = [f"{where}: {len(violations)} accessibility violation(s)"]
    lines += [f"  [{v['impact']}] {v['id']} — {v['help']}: {', '.join(v['targets'])}" for v in violations]
    return "\n".join(lines)


def save_screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=False)
    return path


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
