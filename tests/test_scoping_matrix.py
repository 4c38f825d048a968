"""Role × page/endpoint matrix for personal records (residents, households, exports, imports, API).

A worker sees only their own neighbourhood, subdistrict staff see all neighbourhoods of their
subdistrict, a leader (and every role without personal-data rights) gets no personal records at
all, and an out-of-scope id answers 404 exactly like a missing one. Every expectation below
depends on ``visible_to``/the access helpers: remove the scoping and these tests fail.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lib import idcard
from people import services
from people.models import ImportJob

# resident name -> the personas who may see that resident
PENGLAI, WENMIAO, SHAANXI = "蓬莱路居民", "文庙居民", "陕西南路居民"
SEES = {
    "worker": {PENGLAI},
    "worker_wenmiao": {WENMIAO},
    "worker_tianping": {SHAANXI},
    "staff": {PENGLAI, WENMIAO},
    "staff_tianping": {SHAANXI},
    "admin": {PENGLAI, WENMIAO},  # administrator of 黄浦区: not 徐汇区's residents
}
NO_PERSONAL_DATA = ["leader", "volunteer", "partner", "resident", "nobody"]


@pytest.fixture
def people(world):
    made = {}
    places = [
        (PENGLAI, world.penglai_grid, "蓬莱路"),
        (WENMIAO, world.wenmiao, "文庙路"),
        (SHAANXI, world.shaanxi_grid, "陕西南路"),
    ]
    for n, (name, region, road) in enumerate(places):
        admin = world.users["admin"] if region != world.shaanxi_grid else world.users["staff_tianping"]
        address = services.address_get_or_create(region=region, road=road, lane="1", number="1", by=admin)
        household = services.household_for_address(address=address, by=admin, name=name)
        made[name] = services.resident_create(
            region=region,
            name=name,
            id_number=idcard.make("310101", datetime.date(1950, 1, 1), n + 1),
            phone=f"1390000000{n}",
            household=household,
            by=admin,
        )
    return made


def names_in(text: str) -> set[str]:
    return {name for name in (PENGLAI, WENMIAO, SHAANXI) if name in text}


def export_names(response) -> set[str]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return names_in(" ".join(str(c.value) for row in sheet.iter_rows() for c in row))


@pytest.mark.parametrize("persona", sorted(SEES))
def test_personal_data_roles_see_exactly_their_regions(persona, world, people, client_for):
    client = client_for(world.users[persona])
    expected = SEES[persona]
    assert names_in(client.get(reverse("people:resident_list")).content.decode()) == expected
    assert export_names(client.get(reverse("people:export"))) == expected
    api = client.get("/api/residents/").json()
    assert {r["name"] for r in api["results"]} == expected
    assert {h["name"] for h in client.get("/api/households/").json()["results"]} == expected
    for name, resident in people.items():
        visible = name in expected
        urls = [
            reverse("people:resident_detail", args=[resident.pk]),
            reverse("people:resident_edit", args=[resident.pk]),
            reverse("people:household_detail", args=[resident.household_id]),
            f"/api/residents/{resident.pk}/",
            f"/api/households/{resident.household_id}/",
            f"/api/addresses/{resident.household.address_id}/",
        ]
        for url in urls:
            assert client.get(url).status_code == (200 if visible else 404), (persona, name, url)
        reveal = client.post(reverse("people:resident_reveal", args=[resident.pk]))
        assert reveal.status_code == (200 if visible else 404), (persona, name)
        assert client.post(f"/api/residents/{resident.pk}/reveal/").status_code == (200 if visible else 404)
        # searching by the full ID number does not find someone else's resident either
        found = client.get(reverse("people:resident_list"), {"q": resident.id_number}).content.decode()
        assert (name in found) == visible


@pytest.mark.parametrize("persona", NO_PERSONAL_DATA)
def test_other_roles_get_no_personal_records(persona, world, people, client_for):
    client = client_for(world.users[persona])
    resident = people[PENGLAI]
    for url in [
        reverse("people:resident_list"),
        reverse("people:export"),
        reverse("people:import"),
        reverse("people:resident_detail", args=[resident.pk]),
        reverse("people:household_detail", args=[resident.household_id]),
    ]:
        response = client.get(url)
        assert response.status_code == 403, (persona, url)
        assert not names_in(response.content.decode())
    for url in ["/api/residents/", f"/api/residents/{resident.pk}/", "/api/households/", "/api/addresses/"]:
        response = client.get(url)
        assert response.status_code == 403, (persona, url)
        assert not names_in(response.content.decode())
    assert client.post(f"/api/residents/{resident.pk}/reveal/").status_code == 403


def test_anonymous_visitors_are_sent_to_login_and_refused_by_the_api(world, people, client):
    response = client.get(reverse("people:resident_list"))
    assert response.status_code == 302 and reverse("login") in response.url
    assert client.get("/api/residents/").status_code in (401, 403)


def test_import_jobs_and_region_filters_do_not_cross_neighbourhoods(world, people, client_for):
    job = ImportJob.objects.create(
        kind="people.residents", file="imports/x.xlsx", region=world.shaanxi, created_by=world.users["worker_tianping"]
    )
    client = client_for(world.users["worker"])
    assert client.get(reverse("people:import_status", args=[job.pk])).status_code == 404
    assert (
        client_for(world.users["staff_tianping"]).get(reverse("people:import_status", args=[job.pk])).status_code == 200
    )
    # asking the list for another subdistrict's grid is not a way around the scope
    client = client_for(world.users["worker"])
    html = client.get(reverse("people:resident_list"), {"region": world.shaanxi_grid.pk}).content.decode()
    assert not names_in(html)
    api = client.get("/api/residents/", {"region": world.shaanxi_grid.pk})
    assert api.status_code == 400 or not api.json()["results"]


def test_writes_cannot_target_another_neighbourhood(world, people, client_for):
    client = client_for(world.users["worker"])
    other = people[SHAANXI]
    assert client.post(reverse("people:resident_edit", args=[other.pk]), {"name": "改名"}).status_code == 404
    assert (
        client.patch(f"/api/residents/{other.pk}/", {"note": "x"}, content_type="application/json").status_code == 404
    )
    payload = {
        "name": "新居民",
        "region": world.shaanxi_grid.pk,
        "id_number": idcard.make("310104", datetime.date(1960, 1, 1), 3),
    }
    assert client.post("/api/residents/", payload, content_type="application/json").status_code == 400
    payload.update(region=world.penglai_grid.pk, household=other.household_id)
    response = client.post("/api/residents/", payload, content_type="application/json")
    assert response.status_code == 400 and "household" in response.json()
    other.refresh_from_db()
    assert other.name == SHAANXI


# Writes ----------------------------------------------------------------------------------------------------------
# Every POST that names another object (a volunteer, a user, a unit's case, a service record) takes it only from what
# the writer may choose. For each persona and each write endpoint below, the object named is one that persona may not
# use — another subdistrict's volunteer or resident, a case given to a unit the persona is not in, another
# organisation's record — and the write is refused with nothing changed (no assignment, roster entry, correction,
# booking, grant, message or status change). Positive controls at the end show the same posts work in scope.
ALL_PERSONAS = sorted(SEES) + NO_PERSONAL_DATA


@pytest.fixture
def foreign(world, shipped_data):
    """Objects of 老西门街道 plus the foreign things a write could try to name."""
    from django.utils import timezone

    from cases.actions.intake import case_create
    from cases.actions.requests import case_reassign
    from cases.actions.workflow import case_dispatch
    from events import services as events
    from events.models import DeskTopic
    from org.models import Role, Unit
    from org.testing import make_user
    from resources.models import OpeningHours, Resource
    from volunteers.models import Engagement, Organisation
    from volunteers.services import record_add_manual
    from volunteers.tests.factories import volunteer

    staff = world.users["staff"]
    f = type("Foreign", (), {})()
    f.case, _created = case_create(
        title="楼道灯坏了", description="蓬莱路 100 弄楼道灯不亮。", region=world.penglai_grid, channel="desk",
        category="repair", by=world.users["worker"],
    )  # fmt: skip
    if f.case.status == "new":
        case_dispatch(case=f.case, unit=world.penglai_committee, by=staff)
    # a case dispatched to the property manager: no persona of the world is a member of that unit
    f.property_unit = Unit.objects.create(name="蓬莱路物业", kind=Unit.Kind.PROPERTY_MANAGER, region=world.penglai)
    f.property_case, _created = case_create(
        title="下水道堵了", description="蓬莱路 100 弄下水道堵塞。", region=world.penglai_grid, channel="desk",
        category="repair", by=world.users["worker"],
    )  # fmt: skip
    if f.property_case.status == "new":
        case_dispatch(case=f.property_case, unit=f.property_unit, by=staff)
    else:
        case_reassign(case=f.property_case, unit=f.property_unit, by=staff)
    f.local_volunteer = volunteer(world, name="老西门志愿者", region=world.laoximen)
    f.far_volunteer = volunteer(world, name="天平志愿者", region=world.shaanxi)
    start = timezone.now() + datetime.timedelta(days=3)
    f.event = events.event_create(
        title="服务日", region=world.laoximen, starts_at=start, ends_at=start + datetime.timedelta(hours=3),
        place="文庙", organiser=world.laoximen_office, by=staff,
    )  # fmt: skip
    topic = DeskTopic.objects.get_or_create(name="法律", defaults={"category_code": "legal"})[0]
    f.desk = events.desk_add(event=f.event, topic=topic, by=staff)
    f.ticket = events.ticket_take(desk=f.desk, by=staff, name="咨询居民", channel="staff")
    events.ticket_call_next(desk=f.desk, by=staff)
    f.ticket = events.ticket_start(ticket=type(f.ticket).objects.get(pk=f.ticket.pk), by=staff)
    # service records: one in 天平街道, one in 老西门街道 organised by another partner organisation
    other_unit = Unit.objects.create(name="老西门社区医院", kind=Unit.Kind.PARTNER, region=world.laoximen)
    f.local_org = Organisation.objects.get_or_create(unit=world.partner_unit)[0]
    other_org = Organisation.objects.create(unit=other_unit)
    f.far_org = Organisation.objects.create(
        unit=Unit.objects.create(name="天平律师服务站", kind=Unit.Kind.PARTNER, region=world.tianping)
    )
    Engagement.objects.create(volunteer=f.local_volunteer, organisation=other_org, role="医生")
    t0 = timezone.now() - datetime.timedelta(days=2)
    common = {"activity": "义诊", "date": t0.date(), "place": "文庙", "served": "居民", "content": "量血压",
              "started_at": t0, "ended_at": t0 + datetime.timedelta(hours=2), "hours": Decimal("2")}  # fmt: skip
    f.record_far = record_add_manual(
        volunteer=f.far_volunteer, region=world.shaanxi, by=world.users["staff_tianping"], **common
    )
    f.record_other_org = record_add_manual(
        volunteer=f.local_volunteer, region=world.laoximen, organisation=other_org, by=staff, **common
    )
    f.resource = Resource.objects.create(name="文庙活动室", kind=Resource.Kind.ACTIVITY_ROOM, region=world.laoximen)
    for weekday in range(7):
        OpeningHours.objects.create(
            resource=f.resource, weekday=weekday, opens=datetime.time(8), closes=datetime.time(21)
        )
    f.far_person = make_user("tp_person", role=Role.RESIDENT, region=world.shaanxi, name="天平居民")
    f.near_person = make_user("lx_person", role=Role.RESIDENT, region=world.wenmiao, name="文庙居民甲")
    return f


def write_snapshot(f) -> dict:
    """What a refused write must leave exactly as it was."""
    from cases.models import Case, CaseEvent
    from events.models import Consultation, RosterEntry, ServiceEvent
    from notify.models import Message
    from resources.models import Booking, BookingSeries, ResourceGrant
    from volunteers.models import Assignment, ServiceCorrection

    return {
        "assignments": Assignment.objects.count(),
        "roster": RosterEntry.objects.count(),
        "corrections": ServiceCorrection.objects.count(),
        "bookings": Booking.objects.count(),
        "series": BookingSeries.objects.count(),
        "grants": ResourceGrant.objects.count(),
        "messages": Message.objects.count(),
        "case_events": CaseEvent.objects.count(),
        "statuses": sorted(Case.objects.values_list("pk", "status", "main_unit_id")),
        "consultations": Consultation.objects.count(),
        "tickets": sorted(f.desk.tickets.values_list("pk", "status")),
        "events": ServiceEvent.objects.count(),
    }


def _series(f, username):
    day = datetime.date.today() + datetime.timedelta(days=2)
    return {
        "user": username, "weekdays": [day.weekday()], "start_time": "09:00", "end_time": "10:00",
        "first_date": day.isoformat(), "last_date": day.isoformat(), "purpose": "",
    }  # fmt: skip


def _grant(f, username):
    day = datetime.date.today() + datetime.timedelta(days=2)
    return {
        "resource": f.resource.pk, "user": username, "kind": "booking", "date": day.isoformat(),
        "start_time": "11:00", "end_time": "12:00", "note": "", "resolve": "",
    }  # fmt: skip


def _correction(_record):
    return {
        "reason": "时间记错了", "started_at": "2026-01-01T09:00", "ended_at": "2026-01-01T12:00", "hours": "3",
        "content": "量血压",
    }  # fmt: skip


# endpoint name -> (url, POST data) for the foreign object of that endpoint
FOREIGN_WRITES = {
    "case volunteer: another subdistrict's": lambda f, persona: (
        reverse("volunteers:match_case", args=[f.case.pk]),
        {"volunteer": f.far_volunteer.pk},
    ),
    "desk roster: another subdistrict's volunteer": lambda f, persona: (
        reverse("events:desk_match", args=[f.desk.pk]),
        {"volunteer": f.far_volunteer.pk, "starts_at": "2030-01-01T09:00", "ends_at": "2030-01-01T12:00"},
    ),
    "desk answer: another subdistrict's volunteer": lambda f, persona: (
        reverse("events:desk_action", args=[f.desk.pk]),
        {"action": "finish", "ticket": f.ticket.pk, "summary": "咨询养老政策", "answered_by": f.far_volunteer.pk},
    ),
    "event partners: another subdistrict's organisation": lambda f, persona: (
        reverse("events:event_new"),
        {
            "title": "新服务日",
            "region": (f.event.region_id if "tianping" not in persona else f.far_org.unit.region_id),
            "starts_at": "2030-01-01T09:00",
            "ends_at": "2030-01-01T12:00",
            "place": "文庙",
            "organiser": (f.event.organiser_id if "tianping" not in persona else f.far_org.unit_id),
            "partners": [(f.far_org if "tianping" not in persona else f.local_org).pk],
        },
    ),  # fmt: skip
    "correction: another subdistrict's record": lambda f, persona: (
        # 天平街道's own people may correct its record: for them the foreign one is 老西门街道's
        reverse("volunteers:correction_new", args=[(f.record_other_org if "tianping" in persona else f.record_far).pk]),
        _correction(None),
    ),
    "series booking: another subdistrict's user": lambda f, persona: (
        reverse("resources:series_new", args=[f.resource.pk]),
        _series(f, "tp_person"),
    ),
    "case grant: another subdistrict's user": lambda f, persona: (
        reverse("resources:case_grant", args=[f.case.pk]),
        _grant(f, "tp_person"),
    ),
    "签收: a case given to another unit": lambda f, persona: (
        reverse("cases:act", args=[f.property_case.pk, "accept"]),
        {"note": "", "version": f.property_case.version},
    ),
}
# Partners (and everyone else outside the staff roles) may not correct another organisation's record either.
NOT_STAFF_WRITES = {
    "correction: another organisation's record": lambda f, persona: (
        reverse("volunteers:correction_new", args=[f.record_other_org.pk]),
        _correction(None),
    ),
}
WRITE_MATRIX = [(p, w) for p in ALL_PERSONAS for w in FOREIGN_WRITES] + [
    (p, w) for p in ALL_PERSONAS if p not in SEES for w in NOT_STAFF_WRITES
]


@pytest.mark.parametrize(("persona", "write"), WRITE_MATRIX)
def test_writes_naming_a_foreign_object_are_refused_and_change_nothing(persona, write, world, foreign, client_for):
    client = client_for(world.users[persona])
    url, data = {**FOREIGN_WRITES, **NOT_STAFF_WRITES}[write](foreign, persona)
    before = write_snapshot(foreign)
    response = client.post(url, data)
    assert response.status_code in (200, 302, 403, 404), (persona, write, response.status_code)
    assert write_snapshot(foreign) == before, (persona, write)
    if response.status_code == 302:  # a redirect back with the reason, never a success message
        page = client.get(response.url).content.decode()
        assert "已派给" not in page and "已创建" not in page and "已保存" not in page, (persona, write)


def test_the_foreign_username_answers_like_a_missing_one(world, foreign, client_for):
    """The booking forms do not tell whether a username exists in another subdistrict."""
    client = client_for(world.users["staff"])
    url = reverse("resources:series_new", args=[foreign.resource.pk])
    elsewhere = client.post(url, _series(foreign, "tp_person")).content.decode()
    missing = client.post(url, _series(foreign, "no_such_user")).content.decode()
    assert "本辖区没有这个用户名的账号。" in elsewhere and "本辖区没有这个用户名的账号。" in missing
    grant = reverse("resources:case_grant", args=[foreign.case.pk])
    elsewhere = client.post(grant, _grant(foreign, "tp_person")).content.decode()
    missing = client.post(grant, _grant(foreign, "no_such_user")).content.decode()
    assert "本辖区没有这个用户名的账号。" in elsewhere and "本辖区没有这个用户名的账号。" in missing


def test_the_same_writes_work_in_scope(world, foreign, client_for):
    """Positive controls: the matrix refuses because of the foreign object, not because the post is malformed."""
    from cases.models import Case
    from events.models import Consultation, RosterEntry, ServiceEvent
    from resources.models import Booking, ResourceGrant
    from volunteers.models import Assignment, ServiceCorrection

    staff = client_for(world.users["staff"])
    staff.post(reverse("volunteers:match_case", args=[foreign.case.pk]), {"volunteer": foreign.local_volunteer.pk})
    assert Assignment.objects.filter(case=foreign.case, volunteer=foreign.local_volunteer).exists()
    start, end = foreign.event.starts_at, foreign.event.ends_at
    times = {"starts_at": f"{start:%Y-%m-%dT%H:%M}", "ends_at": f"{end:%Y-%m-%dT%H:%M}"}
    staff.post(reverse("events:desk_match", args=[foreign.desk.pk]), {"volunteer": foreign.local_volunteer.pk, **times})
    assert RosterEntry.objects.filter(desk=foreign.desk).exists()
    staff.post(
        reverse("events:desk_action", args=[foreign.desk.pk]),
        {"action": "finish", "ticket": foreign.ticket.pk, "summary": "咨询", "answered_by": foreign.local_volunteer.pk},
    )
    assert Consultation.objects.filter(answered_by=foreign.local_volunteer).exists()
    event = {"title": "新服务日", "region": world.laoximen.pk, "place": "文庙", "organiser": world.laoximen_office.pk}
    times = {"starts_at": "2030-01-01T09:00", "ends_at": "2030-01-01T12:00", "partners": [foreign.local_org.pk]}
    staff.post(reverse("events:event_new"), {**event, **times})
    assert ServiceEvent.objects.get(title="新服务日").partners.get() == foreign.local_org
    staff.post(reverse("resources:series_new", args=[foreign.resource.pk]), _series(foreign, "lx_person"))
    assert Booking.objects.filter(user=foreign.near_person).exists()
    staff.post(reverse("resources:case_grant", args=[foreign.case.pk]), _grant(foreign, "lx_person"))
    assert ResourceGrant.objects.filter(user=foreign.near_person).exists()
    staff.post(reverse("volunteers:correction_new", args=[foreign.record_other_org.pk]), _correction(None))
    assert ServiceCorrection.objects.filter(record=foreign.record_other_org).exists()
    # the partner corrects a record of its own organisation's volunteer
    from volunteers.models import Engagement, Organisation

    own = Organisation.objects.get(unit=world.partner_unit)
    Engagement.objects.create(volunteer=foreign.far_volunteer, organisation=own, role="律师")
    record = foreign.record_other_org
    record.pk = None
    record.organisation = own
    record.volunteer = foreign.far_volunteer
    record.save()
    client_for(world.users["partner"]).post(reverse("volunteers:correction_new", args=[record.pk]), _correction(None))
    assert ServiceCorrection.objects.filter(record=record).exists()
    # 签收 by a member of the unit the case was given to
    from org.models import Membership, Role
    from org.testing import make_user

    keeper = make_user("keeper", role=None, region=None, name="物业经理")
    Membership.objects.create(user=keeper, region=world.penglai, role=Role.WORKER, unit=foreign.property_unit)
    accept = reverse("cases:act", args=[foreign.property_case.pk, "accept"])
    client_for(keeper).post(accept, {"note": "", "version": foreign.property_case.version})
    assert Case.objects.get(pk=foreign.property_case.pk).status == "accepted"
