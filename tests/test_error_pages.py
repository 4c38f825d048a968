"""The demo shows the Chinese 404 page a user would see, not Django's English debug page (MINHU_FRIENDLY_ERRORS)."""

import pytest


@pytest.mark.django_db
def test_demo_answers_a_missing_page_in_chinese(client, settings):
    settings.DEBUG = True
    settings.FRIENDLY_ERRORS = True
    page = client.get("/no-such-page/")
    text = page.content.decode()
    assert page.status_code == 404 and "页面不存在" in text and "Page not found" not in text


@pytest.mark.django_db
def test_without_the_switch_developers_keep_the_debug_page(client, settings):
    settings.DEBUG = True
    settings.FRIENDLY_ERRORS = False
    assert "Page not found" in client.get("/no-such-page/").content.decode()
