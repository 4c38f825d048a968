"""axe-core on the main pages of every role, at phone size: no critical or serious finding (issue 17).

The pages are each role's home and the lists it works from; the seed-story tests check the pages of the two
stories themselves. Dashboard pages are checked by their own tests."""

import pytest

from tests.browser import axe_findings, login

PAGES = {
    None: ["/accounts/login/", "/cases/public/new/", "/cases/public/track/"],
    "resident": ["/", "/resources/"],
    "volunteer": ["/", "/care/my/"],
    "partner": ["/", "/events/"],
    "worker": ["/", "/cases/", "/cases/list/", "/cases/new/", "/people/", "/care/"],
    "staff": ["/", "/cases/", "/events/", "/renewal/", "/volunteers/", "/deeds/", "/resources/"],
    "leader": ["/"],
}


@pytest.mark.browser
def test_main_pages_of_every_role_have_no_critical_or_serious_findings(
    transactional_db, live_server, phone_page, shipped_data, world, users
):
    page = phone_page
    problems = []
    for persona, paths in PAGES.items():
        page.context.clear_cookies()
        if persona:
            login(page, live_server, persona)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, f"{persona} {path}: {response.status}"
            for finding in axe_findings(page):
                problems.append(f"{persona or '匿名'} {path}: {finding['impact']} {finding['id']} {finding['nodes']}")
    assert problems == [], "\n".join(problems)
