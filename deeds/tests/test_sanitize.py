"""The story sanitiser keeps only links that stay where they say."""

import pytest

from deeds.sanitize import clean_html


@pytest.mark.parametrize(
    "href",
    ["/\\evil.example/", "/\\/evil.example/", "/&#9;/evil.example/", "/\t/evil.example/", "//evil.example/",
     "javascript:alert(1)", "\\\\evil.example"],
)  # fmt: skip
def test_links_that_lead_off_site_in_disguise_lose_their_target(href):
    assert clean_html(f'<p><a href="{href}">看这里</a></p>') == "<p><a>看这里</a></p>"


@pytest.mark.parametrize("href", ["/deeds/stories/1/", "https://www.shanghai.gov.cn/", "mailto:jd@example.org"])
def test_ordinary_links_are_kept(href):
    assert f'href="{href}"' in clean_html(f'<a href="{href}">链接</a>')
