"""Volunteer pages end to end: sign-up and approval, a case offered and declined on the phone, the
ledger's totals and the national platform sheet, partner commitments."""

import datetime
import io
from decimal import Decimal

import openpyxl
from django.urls import reverse

from audit.models import AuditEntry
from lib import idcard
from volunteers import services
from volunteers.models import Assignment, Commitment, Skill, Volunteer
from volunteers.tests.factories import at, organisation, volunteer

DAY = datetime.date(2022, 2, 24)


def test_resident_signs_up_on_the_phone_and_staff_approve(world, users, client_for):
    id_number = idcard.make("310101", datetime.date(1980, 5, 1), 3)
    phone = client_for(users["resident"])
    r = phone.post(
        reverse("volunteers:sign_up"),
        {
            "name": "赵会计",
            "phone": "13900000123",
            "id_number": id_number,
            "region": world.penglai.pk,
            "skills": [Skill.objects.get(name="律师").pk],
            "level": 3,
        },
    )
    assert r.status_code == 302 and r.url == reverse("volunteers:me")
    v = Volunteer.objects.get(user=users["resident"])
    assert v.status == Volunteer.Status.PENDING and v.id_number_masked != id_number
    # a second sign-up from the same account goes to the volunteer's own page
    assert phone.get(reverse("volunteers:sign_up")).url == reverse("volunteers:me")
    # the resident cannot approve themself
    assert phone.post(reverse("volunteers:volunteer_decide", args=[v.pk]), {"approve": "1"}).status_code == 403
    v.refresh_from_db()
    assert v.status == Volunteer.Status.PENDING

    client_for(users["staff"]).post(reverse("volunteers:volunteer_decide", args=[v.pk]), {"approve": "1"})
    v.refresh_from_db()
    assert v.status == Volunteer.Status.APPROVED and v.approved_by == users["staff"]
    assert AuditEntry.objects.filter(action__startswith="volunteers.volunteer", object_id=str(v.pk)).count() >= 2


def test_case_offered_to_the_best_match_and_declined_on_the_phone(world, users, client_for):
    from cases.actions.intake import case_create

    v = volunteer(world, user=users["volunteer"])
    volunteer(world, name="王医生", skills=(("医生", 3),))
    case, _created = case_create(
        title="遗产继承咨询",
        description="老伴去世后房产继承",
        region=world.penglai,
        channel="desk",
        by=users["staff"],
        category="legal",
    )
    staff = client_for(users["staff"])
    page = staff.get(reverse("volunteers:match_case", args=[case.pk])).content.decode()
    assert page.index("李律师") < page.index("王医生")  # ranked by skill for a legal case
    staff.post(reverse("volunteers:match_case", args=[case.pk]), {"volunteer": v.pk})
    offer = Assignment.objects.get(volunteer=v, case=case)
    assert offer.status == Assignment.Status.OFFERED and offer.score is not None

    # somebody else cannot answer for the volunteer (client_for re-logs the one test client in)
    other = client_for(users["resident"])
    assert other.post(reverse("volunteers:assignment_respond", args=[offer.pk]), {"accept": "0"}).status_code == 404
    phone = client_for(users["volunteer"])
    assert "遗产继承咨询" in phone.get(reverse("volunteers:me")).content.decode()
    phone.post(reverse("volunteers:assignment_respond", args=[offer.pk]), {"accept": "0"})
    offer.refresh_from_db()
    assert offer.status == Assignment.Status.DECLINED and offer.responded_at is not None


def _record(world, v, *, activity, day, hours, org=None, verify=True):
    r = services.record_add_manual(
        volunteer=v,
        activity=activity,
        region=world.laoximen,
        date=day,
        place="上海文庙门口",
        served="旧改居民",
        content="法律咨询",
        started_at=at(day, "09:00"),
        ended_at=at(day, "09:00") + datetime.timedelta(hours=hours),
        hours=Decimal(hours),
        by=world.users["staff"],
        organisation=org,
    )
    if verify:
        services.record_verify(record=r, by=world.users["staff"])
    return r


def test_ledger_totals_per_organisation_activity_and_month_and_the_platform_sheet(world, users, client_for):
    org = organisation(world)
    lawyer, doctor = volunteer(world), volunteer(world, name="王医生", skills=(("医生", 3),))
    _record(world, lawyer, activity="服务日", day=DAY, hours=3, org=org)
    _record(world, lawyer, activity="上门咨询", day=DAY + datetime.timedelta(days=30), hours=2, org=org)
    _record(world, doctor, activity="服务日", day=DAY, hours=4)
    _record(world, doctor, activity="义诊", day=DAY, hours=1, verify=False)  # counted, not exported

    records = lawyer.records.model.objects.all()
    by_activity = {r["activity"]: r["hours"] for r in services.totals(records, "activity")}
    assert by_activity == {"服务日": Decimal("7"), "上门咨询": Decimal("2"), "义诊": Decimal("1")}
    by_org = {r["organisation__unit__name"]: r["hours"] for r in services.totals(records, "organisation")}
    assert by_org == {"文庙律师事务所": Decimal("5"), None: Decimal("5")}
    by_month = [(r["month"].month, r["hours"]) for r in services.totals(records, "month")]
    assert by_month == [(2, Decimal("8")), (3, Decimal("2"))]

    staff = client_for(users["staff"])
    page = staff.get(reverse("volunteers:ledger"), {"by": "organisation", "start": "2022-02-01", "end": "2022-02-28"})
    assert "文庙律师事务所" in page.content.decode()
    sheet = staff.get(reverse("volunteers:ledger"), {"export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("志愿者姓名", "证件类型", "证件号码")
    assert sorted((r[0], r[4], r[8]) for r in rows[1:]) == [
        ("李律师", "上门咨询", "2.00"),
        ("李律师", "服务日", "3.00"),
        ("王医生", "服务日", "4.00"),
    ]
    assert AuditEntry.objects.filter(action="volunteers.records.export", kind=AuditEntry.Kind.EXPORT).exists()
    # the ledger is for staff
    assert client_for(users["volunteer"]).get(reverse("volunteers:ledger")).status_code == 403


def test_partner_commitment_delivered_against_its_target(world, users, client_for):
    org = organisation(world)
    c = Commitment.objects.create(organisation=org, title="每月一次法律咨询", period="month", year=2022)
    assert c.target() == 12 and c.delivered() == 0
    staff = client_for(users["staff"])
    for day in ("2022-02-24", "2022-03-24"):
        staff.post(reverse("volunteers:commitment_deliver", args=[c.pk]), {"date": day, "note": "文庙门口咨询日"})
    assert c.delivered() == 2
    page = staff.get(reverse("volunteers:organisation_detail", args=[org.pk])).content.decode()
    assert "每月一次法律咨询" in page and "2" in page
    # staff of another subdistrict cannot record deliveries for it
    other = client_for(users["staff_tianping"])
    assert other.post(reverse("volunteers:commitment_deliver", args=[c.pk]), {"date": "2022-04-24"}).status_code == 404
    assert c.delivered() == 2
