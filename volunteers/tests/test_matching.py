import datetime
from decimal import Decimal

from django.urls import reverse

from events import services as event_services
from volunteers import services
from volunteers.models import Assignment, Availability, ServiceRecord
from volunteers.selectors import rank_volunteers
from volunteers.tests.factories import at, volunteer

THURSDAY = datetime.date(2022, 2, 24)


def test_ranking_weighs_skill_availability_distance_and_load(world):
    near = volunteer(
        world, name="近律师", skills=(("律师", 2),), latitude=Decimal("31.2226"), longitude=Decimal("121.4860")
    )
    far = volunteer(
        world, name="远律师", skills=(("律师", 2),), latitude=Decimal("31.3000"), longitude=Decimal("121.6000")
    )
    expert_busy = volunteer(
        world, name="忙律师", skills=(("律师", 2),), latitude=Decimal("31.2226"), longitude=Decimal("121.4860")
    )
    doctor = volunteer(world, name="医生", skills=(("医生", 3),))
    for v in (near, far, expert_busy, doctor):
        Availability.objects.create(volunteer=v, weekday=3, start=datetime.time(13), end=datetime.time(17))
    for _ in range(2):
        services.assignment_offer(
            volunteer=expert_busy, activity="其他任务", region=world.laoximen, by=world.users["staff"]
        )
    ranked = rank_volunteers(
        category_code="legal",
        starts_at=at(THURSDAY, "13:30"),
        ends_at=at(THURSDAY, "16:30"),
        latitude=31.2226,
        longitude=121.4860,
        region=world.penglai,
    )
    names = [m.volunteer.name for m in ranked]
    assert names.index("近律师") < names.index("远律师") < names.index("医生")
    assert names.index("近律师") < names.index("忙律师")  # as near and as skilled, but already carries two tasks
    assert ranked[0].available and ranked[0].skill == "律师"
    # away on that date: an exception overrides the weekly pattern
    near.availability_exceptions.create(date=THURSDAY, available=False, note="出差")
    assert not near.is_available(at(THURSDAY, "13:30"), at(THURSDAY, "16:30"))


def test_an_exception_with_only_a_start_time_covers_the_whole_day(world):
    v = volunteer(world, name="半天律师", skills=(("律师", 2),))
    Availability.objects.create(volunteer=v, weekday=3, start=datetime.time(13), end=datetime.time(17))
    v.availability_exceptions.create(date=THURSDAY, available=False, start=datetime.time(14), note="没写结束")
    assert not v.is_available(at(THURSDAY, "13:30"), at(THURSDAY, "16:30"))
    friday = THURSDAY + datetime.timedelta(days=1)
    v.availability_exceptions.create(date=friday, available=True, end=datetime.time(12), note="没写开始")
    assert v.is_available(at(friday, "09:00"), at(friday, "10:00"))


def test_desk_shift_accepted_on_phone_signed_by_qr_writes_a_shift_record(world, client_for):
    from events.models import DeskTopic

    v = volunteer(world, user=world.users["volunteer"])
    start = at(THURSDAY, "13:30")
    event = event_services.event_create(
        title="服务日",
        region=world.laoximen,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        place="文庙",
        organiser=world.laoximen_office,
        by=world.users["staff"],
    )
    desk = event_services.desk_add(event=event, topic=DeskTopic.objects.get(name="法律"), by=world.users["staff"])
    entry = event_services.roster_add(
        desk=desk, volunteer=v, starts_at=start, ends_at=event.ends_at, by=world.users["staff"]
    )
    phone = client_for(world.users["volunteer"])
    assert "服务日" in phone.get(reverse("volunteers:me")).content.decode()
    phone.post(reverse("volunteers:assignment_respond", args=[entry.assignment.pk]), {"accept": "1"})
    a = Assignment.objects.get(pk=entry.assignment.pk)
    assert a.status == "accepted"
    sign = reverse("volunteers:shift_sign", args=[a.sign_token])
    phone.post(sign)
    Assignment.objects.filter(pk=a.pk).update(signed_in_at=start)  # signed in at 13:30
    a.refresh_from_db()
    services.shift_sign_out(
        assignment=a, by=world.users["volunteer"], at=start + datetime.timedelta(hours=2, minutes=50)
    )
    record = ServiceRecord.objects.get(assignment=a)
    assert record.source == ServiceRecord.Source.SHIFT and record.hours == Decimal("2.75")
    # somebody else's phone cannot sign this shift
    assert client_for(world.users["resident"]).post(sign).status_code == 404


def test_event_close_writes_hours_for_volunteers_still_signed_in(world):
    from events.models import DeskTopic
    from events.selectors import event_report

    v = volunteer(world)
    start = at(THURSDAY, "13:30")
    event = event_services.event_create(
        title="服务日",
        region=world.laoximen,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        place="文庙",
        organiser=world.laoximen_office,
        by=world.users["staff"],
    )
    desk = event_services.desk_add(event=event, topic=DeskTopic.objects.get(name="法律"), by=world.users["staff"])
    entry = event_services.roster_add(
        desk=desk, volunteer=v, starts_at=start, ends_at=event.ends_at, by=world.users["staff"]
    )
    services.shift_sign_in(assignment=entry.assignment, by=world.users["staff"], method="lead", at=start)
    assert event_services.event_close(event=event, by=world.users["staff"]) == 1
    assert event_report(event).volunteer_hours == Decimal("3.00")
