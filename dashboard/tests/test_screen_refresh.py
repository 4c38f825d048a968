"""The office's big screen reloads its figures every five minutes, but never from under someone reading a table on it
(it used a <meta refresh>, which axe-core rightly calls critical: it pulls the page away mid-read)."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from cases.actions.intake import case_create
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reloads_within(page, minutes: str) -> bool:
    try:
        with page.expect_navigation(timeout=2_000):
            page.clock.fast_forward(minutes)
    except PlaywrightTimeout:
        return False
    return True


def test_the_big_screen_reloads_when_nobody_reads_it_and_waits_while_a_table_is_open(
    live_server, desktop_page, shipped_data, world, users
):
    case_create(
        title="楼道灯坏了", description="楼道灯坏了", region=world.penglai_grid, channel="desk", category="repair",
        by=users["staff"],
    )  # fmt: skip
    page = desktop_page
    login(page, live_server, "leader")
    page.clock.install()
    page.goto(f"{live_server.url}/dashboard/screen/")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0

    # nobody at the screen: the figures are fetched again after five minutes, not before
    assert not reloads_within(page, "04:00")
    assert reloads_within(page, "01:30")

    # someone opened a chart's table to read it: the screen stays as it is
    page.locator("details.chart-table summary").first.click()
    assert not reloads_within(page, "12:00")
