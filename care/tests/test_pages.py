"""Scoping and pages: a volunteer sees only their own stops and only what is needed at the door."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from care.actions import meals, visits
from care.models import Delivery, SafetyAlert, VisitRecord
from cases.models import Case


@pytest.fixture
def today_round(make_recipient, make_volunteer, users):
    mine = make_volunteer("党员丁", username="vol_ding")
    other = make_volunteer("党员戊", username="vol_wu")
    a = make_recipient("杨阿婆", volunteer=mine, soft=True, key_holder="居委会代管", door_note="耳背多敲门")
    a.resident.set_id_number("310104194501012221")
    a.resident.set_phone("13812345678")
    a.resident.save()
    make_recipient("许老伯", volunteer=other)
    today = timezone.localdate()
    meals.rounds_generate(start=today, end=today)
    return mine, other, a


def test_volunteer_sees_only_own_stops_and_only_delivery_data(client_for, today_round):
    mine, other, a = today_round
    page = client_for(mine).get(reverse("care:my_stops")).content.decode()
    assert "杨阿婆" in page and "许老伯" not in page
    assert "软食" in page and "居委会代管" in page and "耳背多敲门" in page
    assert "310104" not in page and "2221" not in page and "5678" not in page  # no ID number, no phone
    assert "<svg" in page


def test_volunteer_cannot_confirm_someone_elses_stop_or_open_worker_pages(client_for, today_round):
    mine, other, a = today_round
    theirs = Delivery.objects.get(volunteer=other)
    client = client_for(mine)
    assert client.post(reverse("care:delivery_confirm", args=[theirs.pk]), {"state": "good"}).status_code == 404
    assert Delivery.objects.get(pk=theirs.pk).state == "pending"
    assert client.get(reverse("care:recipient", args=[a.pk])).status_code == 403
    assert client.get(reverse("care:round", args=[theirs.round_id])).status_code == 403
    assert client.get(reverse("care:home")).status_code == 302  # volunteers land on their own stops


def test_htmx_confirmation_returns_the_updated_stop(client_for, today_round):
    mine, other, a = today_round
    stop = Delivery.objects.get(volunteer=mine)
    response = client_for(mine).post(
        reverse("care:delivery_confirm", args=[stop.pk]), {"state": "good"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "良好" in response.content.decode()
    again = client_for(mine).post(
        reverse("care:delivery_confirm", args=[stop.pk]), {"state": "no_answer"}, HTTP_HX_REQUEST="true"
    )
    assert "已确认过" in again.content.decode()
    assert not SafetyAlert.objects.exists()


def test_worker_of_another_neighbourhood_cannot_see_recipient(client_for, users, today_round):
    mine, other, a = today_round
    assert client_for(users["worker"]).get(reverse("care:recipient", args=[a.pk])).status_code == 404
    page = client_for(users["worker_tianping"]).get(reverse("care:recipient", args=[a.pk])).content.decode()
    assert "杨阿婆" in page and "310104" not in page


def test_worker_home_shows_rounds_open_alerts_and_home_panel(client_for, users, today_round):
    mine, other, a = today_round
    stop = Delivery.objects.get(volunteer=mine)
    meals.delivery_confirm(delivery=stop, state="no_answer", by=mine)
    worker = client_for(users["worker_tianping"])
    page = worker.get(reverse("care:home")).content.decode()
    assert "杨阿婆" in page and "今日送餐" in page
    assert "安全预警" in worker.get(reverse("home")).content.decode()
    alert = SafetyAlert.objects.get()
    detail = worker.get(reverse("care:alert", args=[alert.pk])).content.decode()
    assert "通知责任社工" in detail
    worker.post(reverse("care:alert_safe", args=[alert.pk]), {"note": "上门见到本人"})
    assert SafetyAlert.objects.get().status == "safe"
    assert "安全预警（无人应答）" not in worker.get(reverse("home")).content.decode()


def test_round_plan_runs_as_a_task_and_print_sheet(client_for, users, today_round, django_capture_on_commit_callbacks):
    mine, other, a = today_round
    rnd = Delivery.objects.get(volunteer=mine).round
    worker = client_for(users["worker_tianping"])
    with django_capture_on_commit_callbacks(execute=True):
        worker.post(reverse("care:round_plan", args=[rnd.pk]))
    rnd.refresh_from_db()
    assert rnd.status == "routed" and not Delivery.objects.filter(round=rnd, eta__isnull=True).exists()
    sheet = worker.get(reverse("care:round_sheet", args=[rnd.pk])).content.decode()
    assert "杨阿婆" in sheet and "<svg" in sheet and "310104" not in sheet


def test_figures_show_on_time_rate_and_late_with_reason(client_for, users, today_round):
    mine, other, a = today_round
    stop = Delivery.objects.get(volunteer=mine)
    late = timezone.make_aware(datetime.datetime.combine(stop.round.date, datetime.time(12, 20)))
    meals.delivery_confirm(delivery=stop, state="good", by=mine, now=late, note="电瓶车没电")
    page = client_for(users["worker_tianping"]).get(reverse("care:figures")).content.decode()
    assert "电瓶车没电" in page and "迟到" in page


def test_visit_need_becomes_a_case_in_one_tap(client_for, users, make_recipient, make_volunteer):
    visitor = make_volunteer("老伙伴志愿者")
    person = make_recipient("沈阿姨", meal=False)
    plan = visits.visit_plan_create(
        recipient=person,
        visitor=visitor,
        by=users["worker_tianping"],
        first_due=timezone.localdate() - datetime.timedelta(days=2),
    )
    worker = client_for(users["worker_tianping"])
    assert "逾期" in worker.get(reverse("care:home")).content.decode()
    client = client_for(visitor)
    client.post(reverse("care:visit_new", args=[plan.pk]), {"state": "good", "needs": "卫生间水管漏水"})
    visit = VisitRecord.objects.get()
    plan.refresh_from_db()
    assert plan.next_due == timezone.localdate() + datetime.timedelta(days=7)
    client.post(reverse("care:visit_to_case", args=[visit.pk]))
    case = Case.objects.get()
    assert "水管漏水" in case.description and case.channel == "care"
    visit.refresh_from_db()
    assert visit.case_id == case.pk


def test_visit_pairing_is_capped_at_five(users, make_recipient, make_volunteer):
    visitor = make_volunteer("结对者")
    for i in range(5):
        visits.visit_plan_create(
            recipient=make_recipient(f"独居{i}", meal=False), visitor=visitor, by=users["worker_tianping"]
        )
    with pytest.raises(Exception, match="上限"):
        visits.visit_plan_create(
            recipient=make_recipient("第六位", meal=False), visitor=visitor, by=users["worker_tianping"]
        )


def test_worker_adds_an_emergency_contact_stored_encrypted_and_shown_masked(client_for, users, today_round):
    mine, other, a = today_round
    worker = client_for(users["worker_tianping"])
    worker.post(reverse("care:contact_add", args=[a.pk]), {"name": "杨军", "relation": "儿子", "phone": "13911112222"})
    contact = a.contacts.get()
    assert contact.phone == "13911112222" and "13911112222" not in contact.phone_encrypted
    page = worker.get(reverse("care:recipient", args=[a.pk])).content.decode()
    assert "139****2222" in page and "13911112222" not in page
    worker.post(reverse("care:contact_add", args=[a.pk]), {"name": "杨军", "relation": "儿子", "phone": "abc"})
    assert a.contacts.count() == 1
