"""axe-core on the pages each role works in, with the demo's data on them, on a desktop and at phone size.

tests/test_accessibility.py checks each role's home and lists at phone size on an almost empty world; the story tests
check the pages of the two stories. This one loads `make demo`'s data set and logs in with the demo logins, so the
pages carry what a person really sees (a case with its timeline, a renovation project's progress, the big screen, a
booking grid with past slots, a recipient's contacts) and checks them at both sizes: no critical or serious finding.
A finding names the page, the rule and the elements, so the fix is one search away."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from care.models import CareRecipient
from cases.models import Case
from deeds.models import Story
from events.models import Desk, QueueTicket, ServiceEvent
from guides.models import Guide
from org.demo import DEMO_PASSWORD
from org.models import Region
from org.scoping import within
from renewal.models import Certificate, RenewalProject
from resources.models import Resource
from tests.browser import DESKTOP, PHONE, axe_findings, login
from volunteers.models import Organisation, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, shipped_data):
    """`make demo`'s data set. It builds on the desk topics and skills the migrations ship, which a transactional
    test before this one may have flushed."""
    from events.models import DeskTopic
    from volunteers.models import Skill

    for model, module in [
        (DeskTopic, "events.migrations.0002_default_topics"),
        (Skill, "volunteers.migrations.0002_default_skills"),
    ]:
        if not model.objects.exists():
            importlib.import_module(module).add(apps, None)
    call_command("demo_data", stdout=io.StringIO())


def pages_by_role() -> dict[str | None, list[str]]:
    """The pages of each role: beyond its home and menu, the object pages it opens most, taken from the demo data."""
    laoximen = Region.objects.get(name="老西门街道")
    penglai = Region.objects.get(name="蓬莱路居委")  # the demo worker's neighbourhood
    case = Case.objects.filter(within([penglai])).order_by("pk").first()
    project = RenewalProject.objects.order_by("pk").first()
    certificate = Certificate.objects.filter(project=project).order_by("pk").first()
    event = ServiceEvent.objects.order_by("-starts_at").first()
    desk = Desk.objects.filter(event=event).order_by("pk").first()
    ticket = QueueTicket.objects.order_by("pk").first()
    guide = Guide.objects.filter(region=laoximen).order_by("pk").first()
    recipient = CareRecipient.objects.order_by("pk").first()  # the meal round of 陕西南路 (天平街道)
    room = Resource.objects.in_region(laoximen).order_by("pk").first()  # 蓬莱路居委会议室
    story = Story.objects.filter(status="published").order_by("pk").first()
    volunteer = Volunteer.objects.order_by("pk").first()
    organisation = Organisation.objects.order_by("pk").first()
    public = [
        "/",
        "/accounts/login/",
        "/cases/public/new/",
        "/cases/public/track/",
        f"/g/{laoximen.pk}/",
        f"/g/{laoximen.pk}/{guide.code}/",
        f"/deeds/public/{laoximen.pk}/",
        reverse("events:public", args=[event.public_token]),
    ]
    if story:
        public.append(reverse("deeds:public_story", args=[story.pk]))
    if ticket:
        public.append(reverse("events:ticket", args=[ticket.token]))
    return {
        None: public,
        "worker": [
            "/",
            "/cases/",
            f"/cases/{case.pk}/",
            "/cases/new/",
            "/people/",
            "/people/new/",
            "/care/",
            "/insight/hotspots/",
        ],
        "worker_tianping": ["/care/", f"/care/recipients/{recipient.pk}/", "/care/visits/", "/care/figures/"],
        "staff": [
            "/",
            "/cases/list/",
            f"/cases/{case.pk}/",
            f"/events/{event.pk}/",
            f"/events/desks/{desk.pk}/",
            "/events/new/",
            f"/guides/{guide.pk}/",
            f"/renewal/{project.pk}/",
            f"/renewal/{project.pk}/progress/",
            f"/renewal/certificates/{certificate.pk}/",
            f"/volunteers/{volunteer.pk}/",
            f"/resources/{room.pk}/",
            "/deeds/",
            "/dashboard/",
        ],
        "leader": ["/", "/dashboard/", "/dashboard/screen/", f"/renewal/{project.pk}/progress/", "/guides/"],
        "partner": ["/", "/events/", "/volunteers/", f"/volunteers/organisations/{organisation.pk}/"],
        "volunteer": ["/", "/care/my/", "/volunteers/me/", "/events/"],
        "resident": ["/", "/resources/", f"/resources/{room.pk}/", f"/resources/{room.pk}/book/", "/resources/mine/"],
        "admin": ["/", "/org/regions/", "/audit/", "/guides/review/"],
    }


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_pages_each_role_works_in_have_no_critical_or_serious_finding(live_server, chromium, demo, size):
    problems = []
    for role, paths in pages_by_role().items():
        context = chromium.new_context(**(PHONE if size == "phone" else DESKTOP))
        page = context.new_page()
        page.set_default_timeout(15_000)
        if role:
            login(page, live_server, role, DEMO_PASSWORD)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, f"{role or '匿名'} {path}: HTTP {response.status}"
            for finding in axe_findings(page):
                problems.append(f"{role or '匿名'} {path}: {finding['impact']} {finding['id']} {finding['nodes']}")
        context.close()
    assert problems == [], "\n".join(problems)
