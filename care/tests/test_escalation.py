"""The safety chain on a clock the test controls: worker → contacts in order → critical case → reminders,
each step recorded with who was told and when; it stops once someone confirms the person is safe."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from care.actions import enrolment, meals, safety, visits
from care.models import Delivery, EscalationStep, SafetyAlert
from cases.models import Case
from notify.models import Message

from .conftest import at

DAY = datetime.date(2025, 10, 13)


@pytest.fixture
def stop(make_recipient, make_volunteer, users):
    users["worker_tianping"].phone = "13900000001"
    users["worker_tianping"].save()
    vol = make_volunteer("党员丙")
    person = make_recipient(
        "陈阿婆",
        volunteer=vol,
        contacts=[("陈强", "儿子", "13800000002"), ("林阿姨", "邻居", "13800000003")],
        key_holder="邻居林阿姨（302室）",
    )
    meals.rounds_generate(start=DAY, end=DAY)
    return Delivery.objects.get(recipient=person), vol


def told(alert):
    return [(s.number, s.kind, s.at) for s in alert.steps.order_by("number")]


def test_no_answer_fires_the_chain_step_by_step_and_stops_when_safe(stop, users):
    delivery, vol = stop
    t0 = at(DAY, 11, 20)
    meals.delivery_confirm(delivery=delivery, state="no_answer", by=vol, now=t0)

    alert = SafetyAlert.objects.get(recipient=delivery.recipient)
    assert alert.status == SafetyAlert.Status.OPEN
    assert told(alert) == [(1, EscalationStep.Kind.WORKER, t0)]  # the worker at once
    to_worker = Message.objects.get(pk=alert.steps.get(number=1).message_id)
    assert to_worker.to == "13900000001" and "陈阿婆" in to_worker.body

    # nothing is due before the step interval passes
    assert safety.escalation_advance(now=t0 + datetime.timedelta(minutes=9)) == 0
    t1 = t0 + datetime.timedelta(minutes=10)
    assert safety.escalation_advance(now=t1) == 1
    son = alert.steps.get(number=2)
    assert son.kind == EscalationStep.Kind.CONTACT and son.at == t1 and son.told.startswith("陈强（儿子）")
    assert Message.objects.get(pk=son.message_id).to == "13800000002"

    t2 = t1 + datetime.timedelta(minutes=10)
    safety.escalation_advance(now=t2)
    assert alert.steps.get(number=3).told.startswith("林阿姨（邻居）")

    # the son answers: recorded, but the chain goes on until someone has seen her
    safety.step_acknowledge(step=son, by_name="陈强", now=t2 + datetime.timedelta(minutes=2))
    son.refresh_from_db()
    assert son.acknowledged_by == "陈强"

    t3 = t2 + datetime.timedelta(minutes=10)
    safety.escalation_advance(now=t3)
    alert.refresh_from_db()
    case = Case.objects.get(pk=alert.case_id)
    assert case.urgency == "critical" and case.category.code == "safety" and case.channel == "care"
    assert alert.steps.get(number=4).kind == EscalationStep.Kind.CASE

    t4 = t3 + datetime.timedelta(minutes=10)
    safety.escalation_advance(now=t4)
    assert alert.steps.get(number=5).kind == EscalationStep.Kind.REMINDER

    safety.alert_confirm_safe(
        alert=alert,
        by=users["worker_tianping"],
        note="社工上门，老人午睡未听见",
        now=t4 + datetime.timedelta(minutes=3),
    )
    alert.refresh_from_db()
    assert alert.status == SafetyAlert.Status.SAFE and alert.next_step_at is None
    assert alert.time_to_close == datetime.timedelta(minutes=43)
    # stopped: an hour later nothing more fires
    assert safety.escalation_advance(now=t4 + datetime.timedelta(hours=1)) == 0
    assert alert.steps.count() == 5
    with pytest.raises(ValidationError, match="已关闭"):
        safety.alert_confirm_safe(alert=alert, by=users["worker_tianping"], note="再次确认")


def test_confirming_safe_needs_a_note_and_before_the_case_no_case_is_opened(stop, users):
    delivery, vol = stop
    t0 = at(DAY, 11, 5)
    meals.delivery_confirm(delivery=delivery, state="no_answer", by=vol, now=t0)
    alert = SafetyAlert.objects.get()
    with pytest.raises(ValidationError, match="确认"):
        safety.alert_confirm_safe(alert=alert, by=users["worker_tianping"], note=" ")
    safety.alert_confirm_safe(alert=alert, by=users["worker_tianping"], note="儿子电话联系上，在医院复诊", now=t0)
    assert safety.escalation_advance(now=t0 + datetime.timedelta(hours=2)) == 0
    assert not Case.objects.exists()


def test_a_delivery_cannot_be_confirmed_twice(stop):
    delivery, vol = stop
    meals.delivery_confirm(delivery=delivery, state="good", by=vol, now=at(DAY, 11, 30))
    with pytest.raises(ValidationError, match="已确认过"):
        meals.delivery_confirm(delivery=delivery, state="no_answer", by=vol, now=at(DAY, 11, 31))
    assert not SafetyAlert.objects.exists()


def test_unwell_opens_a_case_for_the_worker(stop):
    delivery, vol = stop
    meals.delivery_confirm(delivery=delivery, state="unwell", by=vol, now=at(DAY, 11, 30), note="说头晕")
    case = Case.objects.get()
    assert case.channel == "care" and case.urgency == "high" and "身体不适" in case.title
    assert case.resident == delivery.recipient.resident
    assert not SafetyAlert.objects.exists()


def test_death_closes_a_running_alert_and_nothing_more_is_sent(stop, users):
    delivery, vol = stop
    t0 = at(DAY, 11, 20)
    meals.delivery_confirm(delivery=delivery, state="no_answer", by=vol, now=t0)
    enrolment.recipient_end(recipient=delivery.recipient, reason="death", on=DAY, by=users["worker_tianping"], now=t0)
    assert SafetyAlert.objects.get().status == SafetyAlert.Status.CLOSED
    assert safety.escalation_advance(now=t0 + datetime.timedelta(hours=1)) == 0


def test_no_answer_on_a_visit_starts_the_same_chain(make_recipient, make_volunteer, users):
    visitor = make_volunteer("老伙伴")
    person = make_recipient("顾阿婆", meal=False, contacts=[("顾明", "儿子", "13800000011")])
    plan = visits.visit_plan_create(recipient=person, visitor=visitor, by=users["worker_tianping"])
    t0 = at(DAY, 15, 0)
    visit = visits.visit_record(recipient=person, visitor=visitor, plan=plan, state="no_answer", by=visitor, now=t0)
    alert = SafetyAlert.objects.get(recipient=person)
    assert alert.visit == visit and alert.steps.count() == 1
    # a second no-answer while the chain runs joins it instead of starting another
    assert safety.alert_open(recipient=person, by=visitor, now=t0) == alert
    safety.escalation_advance(now=t0 + datetime.timedelta(minutes=10))
    assert alert.steps.get(number=2).told.startswith("顾明（儿子）")


def test_periodic_jobs_generate_todays_rounds_and_run_the_sweep(make_recipient):
    from django.utils import timezone

    from care import tasks

    make_recipient("曹老伯")
    tasks.generate_rounds()
    assert Delivery.objects.filter(round__date=timezone.localdate()).count() == 1
    tasks.escalate_safety_alerts()


def _escalate_to_case(stop, t0):
    """No answer at t0, then three steps ten minutes apart: worker, son, neighbour, and the critical case."""
    delivery, vol = stop
    meals.delivery_confirm(delivery=delivery, state="no_answer", by=vol, now=t0)
    for minutes in (10, 20, 30):
        safety.escalation_advance(now=t0 + datetime.timedelta(minutes=minutes))
    alert = SafetyAlert.objects.get(recipient=delivery.recipient)
    return alert, Case.objects.get(pk=alert.case_id)


def test_the_critical_case_goes_to_the_care_teams_unit_with_its_deadline(stop):
    t0 = at(DAY, 11, 20)
    alert, case = _escalate_to_case(stop, t0)
    assert case.main_unit.name == "陕西南路居委会"  # the responsible worker's unit
    assert case.status == Case.Status.DISPATCHED
    assert case.due_at - case.created_at == datetime.timedelta(minutes=safety.case_due_minutes())
    step = alert.steps.get(kind=EscalationStep.Kind.CASE)
    assert case.number in step.told and "陕西南路居委会" in step.told


def test_confirming_safe_resolves_the_case_too(stop, users):
    alert, case = _escalate_to_case(stop, at(DAY, 11, 20))
    safety.alert_confirm_safe(alert=alert, by=users["worker_tianping"], note="社工上门，老人午睡未听见")
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED and "午睡" in case.resolution


def test_a_volunteer_confirming_safe_still_closes_the_case(stop):
    """The volunteer is no handler of the case: the system resolves it with the volunteer's words."""
    alert, case = _escalate_to_case(stop, at(DAY, 11, 20))
    safety.alert_confirm_safe(alert=alert, by=stop[1], note="我回去再敲门，老人开门了")
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED


def test_the_son_confirms_from_the_link_in_his_text_without_an_account(stop, client):
    delivery, vol = stop
    t0 = at(DAY, 11, 20)
    meals.delivery_confirm(delivery=delivery, state="no_answer", by=vol, now=t0)
    safety.escalation_advance(now=t0 + datetime.timedelta(minutes=10))
    alert = SafetyAlert.objects.get()
    text = Message.objects.get(pk=alert.steps.get(number=2).message_id).body
    assert "无需注册登录" in text and "在系统中点" not in text
    link = text.rsplit("：", 1)[1]
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "我是陈强，确认老人安全" in page.content.decode()
    done = client.post("/" + path, {"note": "电话打通了，在午睡"}, follow=True)
    assert "提醒已停止" in done.content.decode()
    alert.refresh_from_db()
    assert alert.status == SafetyAlert.Status.SAFE and "陈强（儿子）通过短信链接确认安全" in alert.closing_note
    assert safety.escalation_advance(now=t0 + datetime.timedelta(hours=1)) == 0


def test_a_tampered_family_link_is_refused_in_chinese(client):
    page = client.get("/care/safe/not-a-real-token/")
    assert page.status_code == 400 and "链接无效" in page.content.decode()


def test_responders_reveal_the_sons_number_to_call_and_it_is_audited(stop, users, client_for):
    from audit.models import AuditEntry

    delivery, vol = stop
    meals.delivery_confirm(delivery=delivery, state="no_answer", by=vol, now=at(DAY, 11, 20))
    alert = SafetyAlert.objects.get()
    son = delivery.recipient.contacts.get(name="陈强")
    client = client_for(users["worker_tianping"])
    page = client.get(f"/care/alerts/{alert.pk}/").content.decode()
    assert "13800000002" not in page and "显示号码并拨打" in page
    part = client.post(f"/care/contacts/{son.pk}/call/", HTTP_HX_REQUEST="true").content.decode()
    assert 'href="tel:13800000002"' in part
    assert AuditEntry.objects.filter(actor=users["worker_tianping"], kind=AuditEntry.Kind.VIEW).exists()
    # a volunteer is not a responder on the alert page
    assert client_for(vol).post(f"/care/contacts/{son.pk}/call/").status_code in (403, 404)


def test_alert_page_speaks_chinese_and_links_the_case(stop, users, client_for):
    alert, case = _escalate_to_case(stop, at(DAY, 11, 20))
    page = client_for(users["worker_tianping"]).get(f"/care/alerts/{alert.pk}/").content.decode()
    for english in ("（console）", "（sms）", "（case）", f"#{case.pk}<"):
        assert english not in page
    assert "（短信）" in page and f'href="/cases/{case.pk}/"' in page and "陕西南路居委会" in page
    # the case's 来源 names the alert at Shanghai time (11:20), not UTC (03:20)
    assert "11:20" in str(alert) and "03:20" not in str(alert)
