"""Every role's main pages pass axe-core with no critical or serious finding, at phone size and on a desktop.

The pages are those a person of each role reaches first: the home page and every entry it offers, a case page and
the intake form, the dashboard; and the public side: the welcome and login pages, the resident's case form, its
tracking page and a published guide. A finding names the rule and the elements, so the fix is one search away."""

import datetime

import pytest
from django.utils import timezone

from cases.actions.intake import case_create
from events.models import DeskTopic
from guides import services as guide_services
from org.models import Role
from org.navigation import entries_for
from org.testing import make_user
from tests.browser import axe_check, axe_report, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["worker", "staff", "leader", "partner", "volunteer", "resident", "admin"]


@pytest.fixture
def scene(world, users, shipped_data):
    """One case in 蓬莱路 and one published guide of 老西门街道: enough for every page below to show content."""
    case, _created = case_create(
        title="下水道堵了",
        description="陕西南路582弄11号底楼院子，一下雨粪管就满溢。",
        region=world.penglai_grid,
        channel="desk",
        category="repair",
        by=users["staff"],
    )
    topic, _created = DeskTopic.objects.get_or_create(name="养老政策", defaults={"category_code": "elderly"})
    reviewer = make_user("reviewer", role=Role.STAFF, region=world.laoximen, unit=world.laoximen_office, name="钱伟")
    revision = guide_services.guide_create(
        code="nursing-home-entry",
        region=world.laoximen,
        owner=world.laoximen_office,
        data={
            "name": "申请入住养老机构",
            "topic": topic.pk,
            "summary": "本市户籍老人申请入住养老机构。",
            "basis": "《上海市养老服务条例》",
            "materials": [{"name": "居民身份证", "originals": 1, "copies": 1, "note": ""}],
            "review_due": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
        },
        by=users["staff"],
    )
    guide_services.revision_submit(revision=revision, by=users["staff"])
    guide_services.revision_approve(revision=revision, by=reviewer)
    return {"case": case, "guide_code": "nursing-home-entry"}


def role_pages(user, scene) -> list[str]:
    pages = ["/"] + [entry["url"] for entry in entries_for(user)]
    roles = user.roles()
    if roles & {Role.WORKER, Role.STAFF, Role.ADMIN}:
        pages += [f"/cases/{scene['case'].pk}/", "/cases/new/", "/cases/list/"]
    return list(dict.fromkeys(pages))


def check(page, url, found):
    response = page.goto(url)
    assert response.status < 400, f"{url}: HTTP {response.status}"
    violations = axe_check(page)
    if violations:
        found.append(axe_report(violations, url))


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_roles_main_pages_have_no_serious_accessibility_finding(live_server, chromium, size, scene, users, world):
    from tests.browser import DESKTOP, PHONE

    found = []
    for role in ROLES:
        context = chromium.new_context(**(PHONE if size == "phone" else DESKTOP))
        page = context.new_page()
        page.set_default_timeout(10_000)
        login(page, live_server, role)
        for path in role_pages(users[role], scene):
            check(page, live_server.url + path, found)
        context.close()
    assert not found, "\n".join(found)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_public_pages_have_no_serious_accessibility_finding(live_server, chromium, size, scene, world):
    from tests.browser import DESKTOP, PHONE

    context = chromium.new_context(**(PHONE if size == "phone" else DESKTOP))
    page = context.new_page()
    page.set_default_timeout(10_000)
    found = []
    for path in ["/", "/accounts/login/", "/cases/public/new/", "/cases/public/track/", "/deeds/public/"]:
        check(page, live_server.url + path, found)
    check(page, f"{live_server.url}/g/{world.laoximen.pk}/", found)
    check(page, f"{live_server.url}/g/{world.laoximen.pk}/{scene['guide_code']}/", found)
    # the resident's own case page, reached by sending the form
    page.goto(f"{live_server.url}/cases/public/new/")
    page.get_by_label("您的称呼").fill("张阿姨")
    page.get_by_label("手机号码").fill("13900001111")
    page.get_by_label("您住在哪个居委").select_option(label="蓬莱路居委")
    page.get_by_label("请说说遇到的问题").fill("楼道灯坏了一个礼拜了，晚上看不见。")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/cases/public/done/**")
    violations = axe_check(page)
    if violations:
        found.append(axe_report(violations, page.url))
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    check(page, f"{live_server.url}/cases/public/case/?number={number}", found)
    context.close()
    assert not found, "\n".join(found)
