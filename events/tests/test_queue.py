import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from cases.models import Case
from events import services
from events.models import Consultation, QueueTicket


def take(desk, name, **kw):
    return services.ticket_take(desk=desk, name=name, session_key=f"session-{name}", **kw)


def test_numbers_count_up_per_desk(desks):
    legal, elderly = desks
    assert [take(legal, n).label for n in ("甲", "乙")] == ["A001", "A002"]
    assert take(elderly, "甲").label == "B001"


def test_one_open_ticket_per_person_per_desk(desks):
    legal, _ = desks
    first = take(legal, "王阿姨")
    with pytest.raises(services.AlreadyQueued) as exc:
        take(legal, "王阿姨")
    assert exc.value.ticket == first
    # the database refuses it too, whatever the code path
    with pytest.raises(IntegrityError):
        QueueTicket.objects.create(desk=legal, number=99, person_key=first.person_key)


def test_priority_first_then_issue_time(desks, users):
    legal, _ = desks
    a = take(legal, "a")
    b = take(legal, "b")
    elderly = take(legal, "c", priority_reason="elderly")
    assert services.position_of(elderly) == 0 and services.position_of(a) == 1 and services.position_of(b) == 2
    called = [services.ticket_call_next(desk=legal, by=users["staff"]) for _ in range(3)]
    assert called == [elderly, a, b]
    assert services.ticket_call_next(desk=legal, by=users["staff"]) is None


def test_transfer_keeps_the_original_issue_time(desks, users):
    legal, elderly_desk = desks
    early = take(legal, "早到")
    late = take(elderly_desk, "后到")
    called = services.ticket_call_next(desk=legal, by=users["staff"])
    assert called == early
    moved = services.ticket_transfer(ticket=called, to_desk=elderly_desk, by=users["staff"])
    early.refresh_from_db()
    assert early.status == QueueTicket.Status.TRANSFERRED and moved.transferred_from == early
    assert moved.issued_at == early.issued_at and moved.label == "B002"
    # came first, so is called before the resident who queued at the second desk later
    assert services.position_of(moved) == 0 and services.position_of(late) == 1
    assert services.ticket_call_next(desk=elderly_desk, by=users["staff"]) == moved


def test_recall_no_show_and_states(desks, users):
    legal, _ = desks
    t = take(legal, "a")
    services.ticket_call_next(desk=legal, by=users["staff"])
    t.refresh_from_db()
    services.ticket_recall(ticket=t, by=users["staff"])
    t.refresh_from_db()
    assert t.call_count == 2
    services.ticket_no_show(ticket=t, by=users["staff"])
    with pytest.raises(ValidationError):
        services.ticket_start(ticket=t, by=users["staff"])


def test_finish_with_follow_up_opens_a_case_linked_to_the_consultation(desks, users, world):
    legal, _ = desks
    t = services.ticket_take(desk=legal, name="李伯伯", phone="13800138000")
    t = services.ticket_call_next(desk=legal, by=users["staff"])
    services.ticket_start(ticket=t, by=users["staff"])
    c = services.ticket_finish(
        ticket=t, by=users["staff"], summary="征收补偿款家庭分配有争议", advice="建议先家庭协商", follow_up=True
    )
    assert isinstance(c, Consultation) and c.case is not None
    case = Case.objects.get(pk=c.case_id)
    assert case.channel == "event" and case.category.code == "legal"
    from cases.selectors import cases_for_source

    assert list(cases_for_source(c)) == [case]


def test_wait_estimate_on_a_synthetic_service_log():
    t0 = timezone.make_aware(datetime.datetime(2022, 2, 24, 14, 0))
    # completions every 6 minutes, then one 12 minutes later: mean gap over the last 10 completions
    log = [t0 + datetime.timedelta(minutes=6 * i) for i in range(12)]
    assert services.average_interval_minutes(log, default_minutes=8) == pytest.approx(6.0)
    log.append(log[-1] + datetime.timedelta(minutes=12))
    # the last 10 completions span 8 gaps of 6 minutes and one of 12: 60 minutes over 9 gaps
    assert services.average_interval_minutes(log, default_minutes=8) == pytest.approx(60 / 9)
    # before two completions the desk's own default applies
    assert services.average_interval_minutes(log[:1], default_minutes=8) == 8
    # five people ahead at 6 minutes each
    assert services.estimate_wait_minutes(5, 6.0) == 30


def test_wait_shown_to_resident_uses_recent_completions(desks, users):
    legal, _ = desks
    base = timezone.now() - datetime.timedelta(hours=1)
    for i in range(4):
        t = take(legal, f"done{i}")
        QueueTicket.objects.filter(pk=t.pk).update(status="done", finished_at=base + datetime.timedelta(minutes=5 * i))
    waiting = [take(legal, f"w{i}") for i in range(3)]
    assert services.desk_interval_minutes(legal) == pytest.approx(5.0)
    assert services.estimate_wait_minutes(services.position_of(waiting[2]), 5.0) == 10
