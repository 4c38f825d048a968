"""Rounds at the moment of use: the round page follows 自动排路线 by itself, two people at one door go to one
volunteer, 无人应答 is never shown as 送达, and the volunteer's remaining count follows each stop."""

import datetime

from django.urls import reverse
from django.utils import timezone

from care.actions import meals, routes
from care.models import Delivery, MealRound
from people.models import Household, Resident

from .conftest import at


def test_round_page_polls_after_planning_and_reloads_when_the_plan_is_in(
    client_for, users, make_recipient, make_volunteer
):
    make_volunteer("甲")
    make_recipient("杨阿婆")
    today = timezone.localdate()
    meals.rounds_generate(start=today, end=today)
    rnd = MealRound.objects.get()
    worker = client_for(users["worker_tianping"])
    # the task has not run yet (no on-commit callbacks executed): the page shows it is planning and polls
    answer = worker.post(reverse("care:round_plan", args=[rnd.pk]))
    assert answer.url.endswith(f"?planning={rnd.version}")
    page = worker.get(answer.url).content.decode()
    assert 'hx-trigger="every 2s"' in page and "正在自动排路线" in page
    status = reverse("care:round_plan_status", args=[rnd.pk]) + f"?v={rnd.version}"
    still = worker.get(status, HTTP_HX_REQUEST="true")
    assert "HX-Redirect" not in still and "正在自动排路线" in still.content.decode()
    routes.round_plan(rnd=rnd, seconds=0.3)
    done = worker.get(status, HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == reverse("care:round", args=[rnd.pk])
    assert "every 2s" not in worker.get(answer.url).content.decode()  # the plan is in: no more polling


def test_two_people_at_one_door_go_to_one_volunteer(world, make_recipient, make_volunteer):
    day = datetime.date(2025, 10, 14)
    a, b = make_volunteer("甲", capacity=4), make_volunteer("乙", capacity=4)
    husband = make_recipient("王老伯", volunteer=a, offset=1)
    home = husband.resident.household
    wife_resident = Resident.objects.create(region=world.shaanxi_grid, household=home, name="王阿婆")
    from care.actions import enrolment
    from care.models import MealSubscription

    wife = enrolment.recipient_create(resident=wife_resident, by=None, worker=None, consent=True)
    sub = MealSubscription.objects.get(recipient=husband)
    MealSubscription.objects.create(
        recipient=wife, kitchen=sub.kitchen, weekdays="1234567", price=sub.price, subsidy=sub.subsidy, volunteer=b,
        starts_on=sub.starts_on,
    )  # fmt: skip
    for i in range(3):
        make_recipient(f"邻居{i}", volunteer=b, offset=i + 3)
    meals.rounds_generate(start=day, end=day)
    plan = routes.round_plan(rnd=MealRound.objects.get(), seconds=0.5)
    assert plan.complete
    couple = list(Delivery.objects.filter(recipient__in=[husband, wife]))
    assert couple[0].volunteer_id == couple[1].volunteer_id is not None
    assert couple[0].eta == couple[1].eta and abs(couple[0].seq - couple[1].seq) == 1
    assert Household.objects.get(pk=home.pk).address_id == wife.address.pk


def test_no_answer_is_shown_as_a_visit_not_a_delivery_and_the_count_follows(client_for, make_recipient, make_volunteer):
    vol = make_volunteer("党员丙")
    make_recipient("陈阿婆", volunteer=vol, contacts=[("陈强", "儿子", "13800000002")])
    make_recipient("李阿婆", volunteer=vol)
    today = timezone.localdate()
    meals.rounds_generate(start=today, end=today)
    client = client_for(vol)
    assert "还有 2 户未送达" in client.get(reverse("care:my_stops")).content.decode()
    stop = Delivery.objects.get(recipient__resident__name="陈阿婆")
    part = client.post(
        reverse("care:delivery_confirm", args=[stop.pk]), {"state": "no_answer"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    done = part.split('class="care-done"')[1].split("</p>")[0]
    assert "无人应答" in done and "上门" in done and "送达" not in done
    assert 'id="left"' in part and 'hx-swap-oob="true"' in part and "还有 1 户未送达" in part
    stop.refresh_from_db()
    assert not stop.handed_over


def test_round_page_says_visited_for_no_answer(client_for, users, make_recipient, make_volunteer):
    vol = make_volunteer("党员丙")
    make_recipient("陈阿婆", volunteer=vol)
    day = timezone.localdate()
    meals.rounds_generate(start=day, end=day)
    stop = Delivery.objects.get()
    meals.delivery_confirm(delivery=stop, state="no_answer", by=vol, now=at(day, 10, 35))
    page = client_for(users["worker_tianping"]).get(reverse("care:round", args=[stop.round_id])).content.decode()
    assert "无人应答 · 10:35 上门" in page and "10:35 送达" not in page
