"""Round generation from subscriptions and pauses, across holidays and a death."""

import datetime

import pytest

from care.actions import enrolment, meals, visits
from care.models import CareRecipient, Delivery, MealRound

from .conftest import at

# 2025: National Day holiday 10-01..10-08 (statutory), 09-28 (Sunday) and 10-11 (Saturday) are make-up workdays.
SEP_29, OCT_1, OCT_8, OCT_9 = (
    datetime.date(2025, 9, 29),
    datetime.date(2025, 10, 1),
    datetime.date(2025, 10, 8),
    datetime.date(2025, 10, 9),
)


def dates_for(recipient):
    return sorted(Delivery.objects.filter(recipient=recipient).values_list("round__date", flat=True))


def test_every_day_subscription_gets_one_delivery_a_day_and_rerun_adds_nothing(make_recipient, make_volunteer):
    vol = make_volunteer("党员甲")
    person = make_recipient("李阿婆", volunteer=vol)
    first = meals.rounds_generate(start=SEP_29, end=OCT_9 - datetime.timedelta(days=4))
    assert first == {"rounds": 7, "deliveries": 7}
    assert meals.rounds_generate(start=SEP_29, end=OCT_9 - datetime.timedelta(days=4)) == {
        "rounds": 0,
        "deliveries": 0,
    }
    assert set(Delivery.objects.filter(recipient=person).values_list("volunteer", flat=True)) == {vol.pk}
    assert MealRound.objects.get(date=SEP_29).window_label == "11:00–12:00"


def test_kitchen_closed_on_statutory_holidays_skips_them_but_serves_weekends(kitchen, make_recipient):
    kitchen.serves_on_holidays = False
    kitchen.save()
    person = make_recipient("王老伯")
    meals.rounds_generate(start=SEP_29, end=OCT_9)
    served = dates_for(person)
    assert OCT_1 not in served and OCT_8 not in served
    assert SEP_29 in served and OCT_9 in served
    assert datetime.date(2025, 10, 12) not in served  # outside the range
    # an ordinary weekend is not a holiday: a 7-day subscriber still eats on Saturday 2025-10-18
    meals.rounds_generate(start=datetime.date(2025, 10, 18), end=datetime.date(2025, 10, 18))
    assert datetime.date(2025, 10, 18) in dates_for(person)


def test_kitchen_serving_on_holidays_keeps_the_meals(make_recipient):
    person = make_recipient("赵阿姨")
    meals.rounds_generate(start=SEP_29, end=OCT_9)
    assert OCT_1 in dates_for(person) and len(dates_for(person)) == 11


def test_weekday_subscription_only_on_its_days(make_recipient):
    person = make_recipient("周老师", weekdays="135")  # Mon, Wed, Fri
    meals.rounds_generate(start=SEP_29, end=datetime.date(2025, 10, 5))
    assert [d.isoweekday() for d in dates_for(person)] == [1, 3, 5]


def test_pause_withdraws_generated_meals_and_skips_later_generation(make_recipient, users):
    person = make_recipient("孙阿婆")
    meals.rounds_generate(start=SEP_29, end=datetime.date(2025, 10, 3))
    meals.pause_add(
        recipient=person,
        starts_on=datetime.date(2025, 10, 1),
        ends_on=datetime.date(2025, 10, 5),
        reason="住院",
        by=users["worker_tianping"],
        today=SEP_29,
    )
    meals.rounds_generate(start=SEP_29, end=datetime.date(2025, 10, 7))
    assert dates_for(person) == [
        SEP_29,
        datetime.date(2025, 9, 30),
        datetime.date(2025, 10, 6),
        datetime.date(2025, 10, 7),
    ]
    person.refresh_from_db()
    assert person.status == CareRecipient.Status.ACTIVE  # the pause has not begun on 09-29
    meals.refresh_status(recipient=person, today=datetime.date(2025, 10, 2))
    assert person.status == CareRecipient.Status.PAUSED


def test_pause_needs_a_reason_and_sane_dates(make_recipient, users):
    person = make_recipient("钱阿公")
    with pytest.raises(Exception, match="原因"):
        meals.pause_add(recipient=person, starts_on=OCT_1, ends_on=None, reason=" ", by=users["worker_tianping"])
    with pytest.raises(Exception, match="结束日期"):
        meals.pause_add(recipient=person, starts_on=OCT_8, ends_on=OCT_1, reason="住院", by=users["worker_tianping"])


def test_death_stops_everything_at_once(make_recipient, make_volunteer, users):
    vol = make_volunteer("党员乙")
    person = make_recipient("吴老伯", volunteer=vol)
    other = make_recipient("郑阿姨", volunteer=vol)
    visitor = make_volunteer("老伙伴")
    plan = visits.visit_plan_create(recipient=person, visitor=visitor, by=users["worker_tianping"])
    meals.rounds_generate(start=SEP_29, end=datetime.date(2025, 10, 5))
    enrolment.recipient_end(
        recipient=person,
        reason=CareRecipient.EndReason.DEATH,
        on=datetime.date(2025, 9, 30),
        by=users["worker_tianping"],
        now=at(datetime.date(2025, 9, 30), 9),
    )
    # today's stop stays on the volunteer's list, cancelled; nothing after it; the next generation adds nothing
    todays = Delivery.objects.get(recipient=person, round__date=datetime.date(2025, 9, 30))
    assert todays.state == Delivery.State.CANCELLED and "去世" in todays.note
    meals.rounds_generate(start=SEP_29, end=datetime.date(2025, 10, 9))
    assert dates_for(person) == [SEP_29, datetime.date(2025, 9, 30)]
    assert len(dates_for(other)) == 11
    plan.refresh_from_db()
    assert not plan.is_active
    with pytest.raises(Exception, match="已结束"):
        enrolment.recipient_end(recipient=person, reason="death", on=OCT_1, by=users["worker_tianping"])


def test_capacity_sends_overflow_to_the_volunteer_with_most_room(make_recipient, make_volunteer):
    usual = make_volunteer("常送者", capacity=2)
    spare = make_volunteer("替补", capacity=5)
    people = [make_recipient(f"老人{i}", volunteer=usual) for i in range(3)]
    meals.rounds_generate(start=SEP_29, end=SEP_29)
    by_volunteer = {}
    for d in Delivery.objects.filter(recipient__in=people):
        by_volunteer.setdefault(d.volunteer_id, []).append(d.recipient_id)
    assert len(by_volunteer[usual.pk]) == 2 and len(by_volunteer[spare.pk]) == 1
