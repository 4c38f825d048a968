"""The leader's dashboard and the office's big screen in Chromium: every chart drawn (a canvas, offline), the grid map
shaded, and the tables one tap away."""

import pytest

from cases.actions.intake import case_create
from org import shapes
from tests.browser import login, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_leader_sees_the_charts_drawn_and_the_office_the_big_screen(
    live_server, desktop_page, shipped_data, world, users
):
    for title, region, category in [
        ("楼道灯坏了", world.penglai_grid, "repair"),
        ("下水道堵了", world.penglai_grid, "repair"),
        ("垃圾堆放", world.wenmiao, "sanitation"),
    ]:
        case_create(title=title, description=title, region=region, channel="desk", category=category, by=users["staff"])
    square = [[121.48, 31.21], [121.49, 31.21], [121.49, 31.22], [121.48, 31.22], [121.48, 31.21]]
    shapes.load(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": world.penglai_grid.name},
                    "geometry": {"type": "Polygon", "coordinates": [square]},
                },
            ],
        },  # fmt: skip
        root=world.laoximen,
    )
    page = desktop_page
    blocked = []
    page.on("request", lambda r: blocked.append(r.url) if not r.url.startswith(live_server.url) else None)
    login(page, live_server, "leader")
    page.goto(f"{live_server.url}/dashboard/?period=year")
    for chart in ("trend", "map", "category", "unit"):
        canvas = page.locator(f"#chart-{chart} .chart-canvas[data-drawn] canvas")
        canvas.first.wait_for()
    page.locator("#chart-category summary").click()
    assert page.locator("#chart-category table").get_by_text("物业与设施报修").is_visible()
    save_screenshot(page, "dashboard-charts.png")
    page.locator("#chart-map").scroll_into_view_if_needed()
    save_screenshot(page, "dashboard-map.png")

    page.goto(f"{live_server.url}/dashboard/screen/?period=year")
    page.locator("#chart-trend .chart-canvas[data-drawn] canvas").first.wait_for()
    assert page.locator("body.screen").count() == 1
    save_screenshot(page, "dashboard-screen.png")
    assert blocked == []  # nothing fetched from outside: no CDN, no map tiles
