import datetime

from cases.actions.intake import case_create
from cases.models import Case, CaseEvent
from resources import services
from resources.models import Booking, ResourceGrant

from .conftest import NOW, at


def piano_case(world, staff):
    case, _created = case_create(
        title="走读学生课后没有钢琴练习",
        description="几位同学租住在学校附近，租房里没有钢琴。",
        region=world.shaanxi,
        channel=Case.Channel.VISIT,
        category="resources",
        by=staff,
    )
    return case


def test_case_resolved_by_granting_a_recurring_booking(world, piano_room, staff_tp, tianping_resident):
    case = piano_case(world, staff_tp)
    grant = services.case_grant_resource(
        case=case,
        resource=piano_room,
        user=tianping_resident,
        by=staff_tp,
        kind=ResourceGrant.Kind.SERIES,
        series_kwargs={
            "weekdays": [0, 1, 2, 3, 4],
            "start_time": datetime.time(16, 30),
            "end_time": datetime.time(18, 0),
            "first_date": datetime.date(2025, 9, 22),
            "last_date": datetime.date(2025, 9, 26),
        },
        now=NOW,
    )
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED
    assert grant.series.bookings.filter(status=Booking.Status.CONFIRMED).count() == 5
    notes = list(CaseEvent.objects.filter(case=case).values_list("note", flat=True))
    assert any(n.startswith("资源已批准：免费琴房，周期预约") for n in notes)


def test_case_granted_a_standing_permission_lets_the_resident_book(
    world, piano_room, students, staff_tp, tianping_resident
):
    case = piano_case(world, staff_tp)
    services.case_grant_resource(
        case=case,
        resource=piano_room,
        user=tianping_resident,
        by=staff_tp,
        kind=ResourceGrant.Kind.MEMBERSHIP,
        resolve=False,
        now=NOW,
    )
    assert students.members.filter(pk=tianping_resident.pk).exists()
    booking = services.booking_create(
        resource=piano_room,
        user=tianping_resident,
        start=at("2025-09-22", "17:00"),
        end=at("2025-09-22", "18:00"),
        by=tianping_resident,
        now=NOW,
    )
    assert booking.status == Booking.Status.CONFIRMED
    assert CaseEvent.objects.filter(case=case, note__contains="长期使用资格").exists()


def test_staff_grant_a_booking_through_the_pages(client_for, world, piano_room, staff_tp, tianping_resident):
    from django.urls import reverse

    from .test_pages import tomorrow_at

    case = piano_case(world, staff_tp)
    client = client_for(staff_tp)
    start = client.get(reverse("resources:grant_start"), {"number": case.number})
    assert start.url == reverse("resources:case_grant", args=[case.pk])
    day = tomorrow_at(16).date()
    response = client.post(
        start.url,
        {
            "resource": piano_room.pk,
            "user": "tp_resident",
            "kind": "booking",
            "date": day.isoformat(),
            "start_time": "16:30",
            "end_time": "18:00",
            "note": "",
            "resolve": "on",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED
    assert Booking.objects.get(user=tianping_resident).status == Booking.Status.CONFIRMED
