"""Answers at the desk: suggestions as the volunteer types, the one tap that marks the answer, the SMS link, the
consultation record, and the figures in the event report, the gaps page and the dashboard."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from events import services as event_services
from events.models import Consultation
from guides import selectors, services
from guides.models import Guide
from notify.models import Message
from org.models import Role
from org.testing import make_user

from .conftest import serve

QUESTION = "我爸九十了，一个人住不行了，想送他去养老院，要办哪些手续"


@pytest.fixture
def nursing_home(shipped_guides, world):
    return Guide.objects.get(code="nursing-home-entry")


def test_the_shipped_file_has_a_guide_for_every_slug(shipped_guides, world):
    codes = {g.code for g in selectors.region_guides(world.laoximen)}
    assert len(codes) == 24
    assert {"nursing-home-entry", "renewal-appraisal-objection", "parcel-delivery-help"} <= codes
    # 老西门's own family-doctor guide replaces the city's
    doctor = next(g for g in selectors.region_guides(world.laoximen) if g.code == "family-doctor-signing")
    assert doctor.region == world.laoximen
    for guide in Guide.objects.all():
        assert "《" in guide.basis, guide.code  # every basis cites a law or regulation by name


def test_suggestions_appear_as_the_volunteer_types(nursing_home, elderly_desk, users, client_for):
    ticket = serve(elderly_desk, users["staff"])
    response = client_for(users["staff"]).get(
        reverse("guides:suggest"), {"ticket": ticket.pk, "summary": QUESTION}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    first = re.search(r'data-code="([a-z-]+)"', page).group(1)
    assert first == "nursing-home-entry"
    assert "用这份解答" in page


def test_a_tapped_guide_stays_chosen_while_the_text_changes(nursing_home, elderly_desk, users, client_for):
    ticket = serve(elderly_desk, users["staff"], phone="13900001111")
    client = client_for(users["staff"])
    page = client.get(
        reverse("guides:suggest"), {"ticket": ticket.pk, "summary": QUESTION, "choose": nursing_home.pk}
    ).content.decode()
    assert f'name="guide" value="{nursing_home.pk}"' in page and "短信把这份指南发给居民" in page
    page = client.get(
        reverse("guides:suggest"), {"ticket": ticket.pk, "summary": "养老院收费", "guide": nursing_home.pk}
    ).content.decode()
    assert f'name="guide" value="{nursing_home.pk}"' in page


def test_finishing_with_a_guide_marks_the_consultation_and_texts_the_link(
    nursing_home, elderly_desk, users, client_for, world
):
    ticket = serve(elderly_desk, users["staff"], phone="13900001111")
    client_for(users["staff"]).post(
        reverse("events:desk_action", args=[elderly_desk.pk]),
        {"action": "finish", "ticket": ticket.pk, "summary": QUESTION, "guide": nursing_home.pk, "send_guide": "1"},
    )
    consultation = Consultation.objects.get()
    assert consultation.guide == nursing_home
    message = Message.objects.get(purpose="guides.link")
    assert f"/g/{world.laoximen.pk}/nursing-home-entry/" in message.body and "申请入住养老机构" in message.body
    assert message.to_masked.startswith("139")


def test_a_guide_another_region_cannot_read_is_not_marked(make_guide, elderly_desk, users, client_for, world):
    reviewer = make_user("tianping_reviewer", role=Role.STAFF, region=world.tianping, unit=world.tianping_office)
    other = make_guide("legal-aid", "法律援助申请", region=world.tianping, owner=world.tianping_office,
                       by=users["staff_tianping"], reviewer=reviewer)  # fmt: skip
    ticket = serve(elderly_desk, users["staff"])
    client_for(users["staff"]).post(
        reverse("events:desk_action", args=[elderly_desk.pk]),
        {"action": "finish", "ticket": ticket.pk, "summary": "请不起律师", "guide": other.pk},
    )
    assert Consultation.objects.get().guide is None


def test_a_question_that_needs_action_still_becomes_a_case(nursing_home, elderly_desk, users, shipped_data):
    ticket = serve(elderly_desk, users["staff"])
    consultation = event_services.ticket_finish(
        ticket=ticket, by=users["staff"], summary=QUESTION, follow_up=True, guide=nursing_home
    )
    assert consultation.case is not None and consultation.guide == nursing_home


def test_the_consultation_record_marks_a_guide_afterwards(nursing_home, elderly_desk, users, client_for):
    ticket = serve(elderly_desk, users["staff"])
    consultation = event_services.ticket_finish(ticket=ticket, by=users["staff"], summary=QUESTION)
    client = client_for(users["staff"])
    page = client.get(reverse("guides:answer", args=[consultation.pk])).content.decode()
    assert "申请入住养老机构" in page and "标记为由此指南解答" in page
    client.post(reverse("guides:answer", args=[consultation.pk]), {"guide": nursing_home.pk})
    consultation.refresh_from_db()
    assert consultation.guide == nursing_home
    assert client_for(users["staff_tianping"]).get(reverse("guides:answer", args=[consultation.pk])).status_code == 404


def _finish(desk, by, summary, guide=None):
    ticket = serve(desk, by)
    return event_services.ticket_finish(ticket=ticket, by=by, summary=summary, guide=guide)


def test_event_report_counts_answers_from_guides(nursing_home, event, elderly_desk, users, client_for):
    meals = Guide.objects.get(code="elderly-meal-service")
    _finish(elderly_desk, users["staff"], QUESTION, nursing_home)
    _finish(elderly_desk, users["staff"], "养老院怎么排队", nursing_home)
    _finish(elderly_desk, users["staff"], "长者食堂在哪里", meals)
    _finish(elderly_desk, users["staff"], "今天活动几点结束")
    client = client_for(users["staff"])
    page = client.get(reverse("events:event_report", args=[event.pk])).content.decode()
    assert "共记录咨询 4 次，其中 3 次依据办事指南答复" in page
    assert "申请入住养老机构：2" in page and "今天活动几点结束" in page
    response = client.get(reverse("events:event_report", args=[event.pk]) + "?format=xlsx")
    rows = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    start = rows.index(["依据办事指南答复"] + [None] * (len(rows[0]) - 1))
    assert rows[start + 2][:5] == ["养老政策咨询台", 4, 3, "75.0%", 1]


def test_gaps_page_lists_unanswered_questions_per_topic(nursing_home, elderly_desk, users, client_for):
    _finish(elderly_desk, users["staff"], QUESTION, nursing_home)
    _finish(elderly_desk, users["staff"], "社区琴房怎么预约")
    page = client_for(users["staff"]).get(reverse("guides:gaps")).content.decode()
    assert "社区琴房怎么预约" in page and "养老政策" in page
    assert client_for(users["volunteer"]).get(reverse("guides:gaps")).status_code == 403


def test_dashboard_shows_the_share_to_leaders_without_question_texts(nursing_home, elderly_desk, users, client_for):
    _finish(elderly_desk, users["staff"], QUESTION, nursing_home)
    _finish(elderly_desk, users["staff"], "社区琴房怎么预约")
    page = client_for(users["leader"]).get(reverse("dashboard:index")).content.decode()
    assert "共记录咨询 2 次，其中 1 次依据办事指南答复" in page and "申请入住养老机构：1" in page
    assert "社区琴房怎么预约" not in page


def test_stale_guides_are_flagged_wherever_they_are_shown(make_guide, elderly_desk, users, client_for, client, world):
    old = timezone.localdate() - datetime.timedelta(days=1)
    guide = make_guide("nursing-home-entry", "申请入住养老机构", review_due=old, tags="养老院", questions="想住养老院")
    staff = client_for(users["staff"])
    assert "已过复核日期" in staff.get(reverse("guides:guide_detail", args=[guide.pk])).content.decode()
    assert "已过复核日期" in staff.get(reverse("guides:guide_list")).content.decode()
    assert "已过复核日期" in staff.get(reverse("guides:guide_history", args=[guide.pk])).content.decode()
    ticket = serve(elderly_desk, users["staff"])
    panel = staff.get(reverse("guides:suggest"), {"ticket": ticket.pk, "summary": "想住养老院"}).content.decode()
    assert "已过复核日期" in panel
    home = staff.get(reverse("home")).content.decode()
    assert "本单位负责的指南需要复核" in home and "申请入住养老机构" in home
    public = client.get(reverse("guides_public:guide", args=[world.laoximen.pk, guide.code])).content.decode()
    assert "已过复核日期" in public
    assert services.short_url(region=world.laoximen, guide=guide).endswith(
        f"/g/{world.laoximen.pk}/nursing-home-entry/"
    )


def test_guides_not_yet_due_stay_off_the_home_page(make_guide, users, client_for):
    make_guide("nursing-home-entry", "申请入住养老机构")
    assert "本单位负责的指南需要复核" not in client_for(users["staff"]).get(reverse("home")).content.decode()
