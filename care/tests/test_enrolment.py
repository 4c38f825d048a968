"""Staff enrol a resident as a care recipient and keep their facts, contacts, meals and status on Chinese
pages that go through care.actions: the region comes from the resident, every change is audited."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from care.actions import enrolment, meals, routes, safety
from care.models import CareRecipient, Delivery, EscalationStep, MealSubscription, SafetyAlert
from people.models import Address, Household, Resident

from .conftest import KITCHEN_AT, at


@pytest.fixture
def resident(world):
    address = Address.objects.create(
        region=world.shaanxi_grid,
        road="陕西南路",
        lane="39",
        number="7",
        room="102",
        latitude=KITCHEN_AT[0] + Decimal("0.0010"),
        longitude=KITCHEN_AT[1] + Decimal("0.0010"),
    )
    household = Household.objects.create(region=world.shaanxi_grid, address=address, name="蒋")
    return Resident.objects.create(region=world.shaanxi_grid, household=household, name="蒋秀兰")


ENROL = {
    "living": "alone",
    "mobility": "partial",
    "care_level": "3",
    "low_sugar": "on",
    "allergies": "花生",
    "key_holder": "邻居许阿姨（101室）",
    "door_note": "耳背，多敲几次",
    "consent": "on",
    "consent_date": "2025-10-01",
    "name1": "蒋军",
    "relation1": "儿子",
    "phone1": "13800001111",
    "name2": "许阿姨",
    "relation2": "邻居",
    "phone2": "13800002222",
}


def test_worker_finds_and_enrols_a_resident_with_contacts(client_for, users, resident):
    worker = client_for(users["worker_tianping"])
    found = worker.get(reverse("care:recipient_new"), {"q": "蒋"}).content.decode()
    assert "蒋秀兰" in found and reverse("care:recipient_enrol", args=[resident.pk]) in found

    response = worker.post(
        reverse("care:recipient_enrol", args=[resident.pk]), {**ENROL, "worker": users["worker_tianping"].pk}
    )
    recipient = CareRecipient.objects.get(resident=resident)
    assert response.status_code == 302 and response.url == reverse("care:recipient", args=[recipient.pk])
    assert recipient.region == resident.region  # from the resident, not typed in
    assert recipient.low_sugar and recipient.allergies == "花生" and recipient.care_level == 3
    assert recipient.worker == users["worker_tianping"] and recipient.consent
    assert [(c.order, c.name, c.phone) for c in recipient.contacts.all()] == [
        (1, "蒋军", "13800001111"),
        (2, "许阿姨", "13800002222"),
    ]
    assert AuditEntry.objects.filter(action="care.recipient.create", object_id=str(recipient.pk)).exists()
    # enrolled people drop out of the search; a second enrolment is refused
    assert "蒋秀兰" not in worker.get(reverse("care:recipient_new"), {"q": "蒋"}).content.decode()
    with pytest.raises(ValidationError, match="已是关爱对象"):
        enrolment.recipient_create(resident=resident, by=users["worker_tianping"], consent=True)


def test_enrolment_needs_consent_and_complete_contacts(client_for, users, resident):
    worker = client_for(users["worker_tianping"])
    url = reverse("care:recipient_enrol", args=[resident.pk])
    page = worker.post(url, {k: v for k, v in ENROL.items() if k != "consent"}).content.decode()
    assert "须经本人（或监护人）同意" in page
    page = worker.post(url, {**ENROL, "phone2": ""}).content.decode()
    assert "须同时填写姓名和电话" in page
    assert not CareRecipient.objects.exists()
    with pytest.raises(ValidationError, match="同意"):
        enrolment.recipient_create(resident=resident, by=users["worker_tianping"])


def test_out_of_scope_residents_cannot_be_found_or_enrolled(client_for, users, resident):
    other = client_for(users["worker"])  # 蓬莱路居委, another subdistrict
    assert "蒋秀兰" not in other.get(reverse("care:recipient_new"), {"q": "蒋"}).content.decode()
    assert other.get(reverse("care:recipient_enrol", args=[resident.pk])).status_code == 404
    assert other.post(reverse("care:recipient_enrol", args=[resident.pk]), ENROL).status_code == 404
    assert client_for(users["volunteer"]).get(reverse("care:recipient_new")).status_code == 403
    assert not CareRecipient.objects.exists()


def test_edit_diet_key_holder_and_worker_is_audited_field_by_field(client_for, users, make_recipient):
    person = make_recipient("顾阿婆", low_salt=True)
    worker = client_for(users["worker_tianping"])
    form = worker.get(reverse("care:recipient_edit", args=[person.pk])).content.decode()
    assert "钥匙保管人" in form and "低盐" in form
    data = {
        "living": "alone",
        "mobility": "independent",
        "care_level": "0",
        "low_salt": "on",
        "soft": "on",
        "key_holder": "女儿顾敏",
        "door_note": "",
        "worker": users["worker_tianping"].pk,
        "consent": "on",
    }
    assert worker.post(reverse("care:recipient_edit", args=[person.pk]), data).status_code == 302
    person.refresh_from_db()
    assert person.soft and person.low_salt and person.key_holder == "女儿顾敏"
    entry = AuditEntry.objects.get(action="care.recipient.update", object_id=str(person.pk))
    assert entry.detail["fields"] == ["key_holder", "soft"]
    # nothing changed: nothing written
    worker.post(reverse("care:recipient_edit", args=[person.pk]), data)
    assert AuditEntry.objects.filter(action="care.recipient.update").count() == 1
    assert client_for(users["worker"]).get(reverse("care:recipient_edit", args=[person.pk])).status_code == 404


def test_contacts_are_edited_reordered_and_removed_and_the_chain_follows_the_order(client_for, users, make_recipient):
    person = make_recipient(
        "沈老伯",
        contacts=[
            ("沈强", "儿子", "13800000001"),
            ("沈丽", "女儿", "13800000002"),
            ("楼下王阿姨", "邻居", "13800000003"),
        ],
    )
    son, daughter, neighbour = person.contacts.all()
    worker = client_for(users["worker_tianping"])
    # a blank phone keeps the stored number; a new one replaces it
    worker.post(reverse("care:contact_edit", args=[son.pk]), {"name": "沈强", "relation": "长子", "phone": ""})
    son.refresh_from_db()
    assert son.relation == "长子" and son.phone == "13800000001"
    new_phone = {"name": "沈丽", "relation": "女儿", "phone": "139 0000 0009"}
    worker.post(reverse("care:contact_edit", args=[daughter.pk]), new_phone)
    daughter.refresh_from_db()
    assert daughter.phone == "13900000009" and daughter.phone_masked == "139****0009"
    # the neighbour lives downstairs: call her first
    worker.post(reverse("care:contact_move", args=[neighbour.pk]), {"direction": "up"})
    worker.post(reverse("care:contact_move", args=[neighbour.pk]), {"direction": "up"})
    assert [c.name for c in person.contacts.order_by("order")] == ["楼下王阿姨", "沈强", "沈丽"]
    worker.post(reverse("care:contact_remove", args=[son.pk]))
    assert [(c.order, c.name) for c in person.contacts.order_by("order")] == [(1, "楼下王阿姨"), (2, "沈丽")]

    alert = safety.alert_open(recipient=person, by=users["worker_tianping"], now=at(datetime.date(2025, 10, 14), 11))
    plan = safety.escalation_plan(alert)
    assert [kind for kind, _ in plan] == ["worker", "contact", "contact", "case"]
    assert [target.name for kind, target in plan if kind == EscalationStep.Kind.CONTACT] == ["楼下王阿姨", "沈丽"]
    # another neighbourhood's worker cannot touch them
    assert client_for(users["worker"]).post(reverse("care:contact_remove", args=[daughter.pk])).status_code == 404
    assert person.contacts.count() == 2


def test_pause_and_resume_from_the_page(client_for, users, make_recipient):
    person = make_recipient("钱阿婆")
    today = timezone.localdate()
    worker = client_for(users["worker_tianping"])
    worker.post(
        reverse("care:recipient_pause", args=[person.pk]),
        {"starts_on": today.isoformat(), "ends_on": "", "reason": "住院", "requested_by": "family"},
    )
    person.refresh_from_db()
    assert person.status == CareRecipient.Status.PAUSED
    assert "住院" in worker.get(reverse("care:recipient", args=[person.pk])).content.decode()
    pause = person.pauses.get()
    tomorrow = today + datetime.timedelta(days=1)
    worker.post(reverse("care:pause_resume", args=[pause.pk]), {"resume_on": tomorrow.isoformat()})
    person.refresh_from_db()
    pause.refresh_from_db()
    assert person.status == CareRecipient.Status.PAUSED and pause.ends_on == today  # still away today
    # meals from tomorrow are generated again at once, none today
    assert Delivery.objects.filter(recipient=person, round__date=tomorrow).exists()
    assert not Delivery.objects.filter(recipient=person, round__date=today).exists()

    # a pause called off before it begins disappears, and today's meal comes back
    meals.pause_add(recipient=person, starts_on=tomorrow, ends_on=None, reason="去女儿家", by=users["worker_tianping"])
    assert not Delivery.objects.filter(recipient=person, round__date=tomorrow).exists()
    later = person.pauses.get(starts_on=tomorrow)
    worker.post(reverse("care:pause_resume", args=[later.pk]), {"resume_on": tomorrow.isoformat()})
    assert not person.pauses.filter(pk=later.pk).exists()
    assert Delivery.objects.filter(recipient=person, round__date=tomorrow).exists()


def test_death_recorded_on_the_page_stops_everything(client_for, users, make_recipient, make_volunteer):
    vol = make_volunteer("党员甲")
    person = make_recipient("周老伯", volunteer=vol)
    today = timezone.localdate()
    meals.rounds_generate(start=today, end=today + datetime.timedelta(days=3))
    safety.alert_open(recipient=person, by=vol)
    worker = client_for(users["worker_tianping"])
    worker.post(
        reverse("care:recipient_end", args=[person.pk]),
        {"reason": "death", "on": today.isoformat(), "note": "家属告知"},
    )
    person.refresh_from_db()
    assert person.status == CareRecipient.Status.ENDED and person.end_reason == "death"
    assert Delivery.objects.get(recipient=person).state == Delivery.State.CANCELLED  # today's, kept, cancelled
    assert SafetyAlert.objects.get().status == SafetyAlert.Status.CLOSED
    page = worker.get(reverse("care:recipient", args=[person.pk])).content.decode()
    assert "去世" in page and reverse("care:recipient_edit", args=[person.pk]) not in page
    assert worker.get(reverse("care:recipient_edit", args=[person.pk])).status_code == 302
    with pytest.raises(ValidationError, match="已结束"):
        enrolment.recipient_update(recipient=person, by=users["worker_tianping"], soft=True)


def test_order_meals_with_a_per_stop_window(client_for, users, kitchen, make_recipient, make_volunteer):
    vol = make_volunteer("党员乙")
    person = make_recipient("吴阿婆", meal=False)
    today = timezone.localdate()
    worker = client_for(users["worker_tianping"])
    order = {
        "kitchen": kitchen.pk,
        "meal": "lunch",
        "weekdays": list("1234567"),
        "price": "15",
        "subsidy": "5",
        "volunteer": vol.care_volunteer.pk,
        "starts_on": today.isoformat(),
        "window_start": "11:00",
        "window_end": "11:20",
    }
    # outside the kitchen's lunch window 11:00–12:00: refused with the reason
    bad = worker.post(
        reverse("care:subscription_add", args=[person.pk]), {**order, "window_end": "12:30"}, follow=True
    ).content.decode()
    assert "11:00–12:00 之内" in bad and not MealSubscription.objects.exists()
    worker.post(reverse("care:subscription_add", args=[person.pk]), order)
    sub = MealSubscription.objects.get(recipient=person)
    assert (sub.volunteer, sub.window_start, sub.window_end) == (vol, datetime.time(11), datetime.time(11, 20))
    stops = Delivery.objects.filter(recipient=person).order_by("round__date")
    assert stops.count() == 7 and stops[0].round.date == today
    assert stops[0].window_label == "11:00–11:20" and stops[0].volunteer == vol
    assert "11:00–11:20" in client_for(vol).get(reverse("care:my_stops")).content.decode()

    # stop after tomorrow: later stops are withdrawn
    tomorrow = today + datetime.timedelta(days=1)
    worker = client_for(users["worker_tianping"])
    worker.post(reverse("care:subscription_end", args=[sub.pk]), {"last_day": tomorrow.isoformat()})
    assert sorted(Delivery.objects.filter(recipient=person).values_list("round__date", flat=True)) == [today, tomorrow]
    assert AuditEntry.objects.filter(action="care.subscription.end").exists()


def test_route_plan_keeps_a_stop_inside_its_own_window_and_lateness_uses_it(make_recipient, make_volunteer, users):
    day = datetime.date(2025, 10, 14)
    vol = make_volunteer("党员丙", capacity=8)
    people = [make_recipient(f"老人{i}", volunteer=vol, offset=i + 1, meal=False) for i in range(5)]
    kitchen_obj = vol.care_volunteer.kitchen
    for i, person in enumerate(people):
        # the last one on the list must be served first: insulin at 11:15
        window = (datetime.time(11, 0), datetime.time(11, 10)) if i == 4 else (None, None)
        meals.subscription_add(
            recipient=person,
            kitchen=kitchen_obj,
            by=users["worker_tianping"],
            starts_on=day,
            volunteer=vol,
            window_start=window[0],
            window_end=window[1],
            today=day,
        )
    rnd = Delivery.objects.filter(round__date=day).first().round
    plan = routes.round_plan(rnd=rnd, seconds=0.5)
    assert plan.complete
    urgent = Delivery.objects.get(recipient=people[4], round=rnd)
    assert at(day, 11, 0) <= urgent.eta <= at(day, 11, 10)
    others = Delivery.objects.filter(round=rnd).exclude(pk=urgent.pk)
    assert all(at(day, 10, 45) <= d.eta <= at(day, 12, 0) for d in others)

    # delivered at 11:25: within the round, but late for this person
    meals.delivery_confirm(delivery=urgent, state="good", by=vol, now=at(day, 11, 25))
    urgent.refresh_from_db()
    assert urgent.is_late
    from care.selectors import delivery_figures

    figures = delivery_figures(Delivery.objects.filter(round=rnd), now=at(day, 13))
    assert [d.pk for d in figures["late"]] == [urgent.pk]


def test_back_office_cannot_add_or_change_recipients(client, users, make_recipient):
    from org.testing import make_user

    admin = make_user("root_care", role=None, region=None, superuser=True)
    person = make_recipient("许阿婆")
    client.force_login(admin)
    assert client.get("/admin/care/carerecipient/add/").status_code == 403
    change = client.get(f"/admin/care/carerecipient/{person.pk}/change/")
    assert change.status_code == 200 and 'name="key_holder"' not in change.content.decode()
    assert client.get("/admin/care/mealsubscription/add/").status_code == 403


def test_pair_a_visitor_on_the_page_within_the_limit_and_unpair(client_for, users, make_recipient, make_volunteer):
    visitor = make_volunteer("老伙伴甲")
    people = [make_recipient(f"空巢老人{i}", meal=False) for i in range(6)]
    worker = client_for(users["worker_tianping"])
    today = timezone.localdate().isoformat()
    form = {"visitor": visitor.care_volunteer.pk, "every_days": "7", "first_due": today}
    for person in people[:5]:
        worker.post(reverse("care:visit_plan_add", args=[person.pk]), form)
    assert visitor.care_visit_plans.filter(is_active=True).count() == 5
    refused = worker.post(reverse("care:visit_plan_add", args=[people[5].pk]), form, follow=True).content.decode()
    assert "达到上限" in refused
    plan = visitor.care_visit_plans.get(recipient=people[0])
    assert client_for(users["worker"]).post(reverse("care:visit_plan_end", args=[plan.pk])).status_code == 404
    worker = client_for(users["worker_tianping"])
    worker.post(reverse("care:visit_plan_end", args=[plan.pk]))
    worker.post(reverse("care:visit_plan_add", args=[people[5].pk]), form)
    assert set(visitor.care_visit_plans.filter(is_active=True).values_list("recipient", flat=True)) == {
        p.pk for p in people[1:]
    }
    assert AuditEntry.objects.filter(action="care.visit_plan.end").exists()
