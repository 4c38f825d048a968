import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from volunteers import services
from volunteers.models import ServiceRecord
from volunteers.tests.factories import at, organisation, volunteer

DAY = datetime.date(2022, 2, 24)


def manual_record(world, v, *, start="13:00", end="16:00", hours="3", verify=True):
    r = services.record_add_manual(
        volunteer=v,
        activity="蓬莱路地块旧改志愿服务",
        region=world.laoximen,
        date=DAY,
        place="上海文庙门口",
        served="旧改居民",
        content="法律咨询",
        started_at=at(DAY, start),
        ended_at=at(DAY, end),
        hours=Decimal(hours),
        by=world.users["staff"],
        organisation=organisation(world),
    )
    if verify:
        services.record_verify(record=r, by=world.users["staff"])
    return r


def test_correction_supersedes_but_leaves_the_original_visible(world):
    v = volunteer(world, user=world.users["volunteer"])
    original = manual_record(world, v, hours="2")
    correction = services.correction_request(
        record=original,
        by=world.users["volunteer"],
        reason="实际服务到16点",
        started_at=original.started_at,
        ended_at=original.ended_at,
        hours=Decimal("3"),
        content="法律咨询",
    )
    original.refresh_from_db()
    assert original.hours == Decimal("2")  # a request changes nothing by itself
    services.correction_decide(correction=correction, approve=True, by=world.users["staff"], note="核实无误")

    original.refresh_from_db()
    assert original.hours == Decimal("2")  # never edited in place
    assert original.superseded_by.hours == Decimal("3")
    assert original.superseded_by.source == ServiceRecord.Source.CORRECTION
    assert ServiceRecord.objects.filter(volunteer=v).count() == 2  # both rows stay in the ledger
    assert v.total_hours() == Decimal("3")  # only the current one counts
    assert AuditEntry.objects.filter(action="volunteers.correction.approve", object_id=str(original.pk)).exists()


def test_volunteer_ledger_page_shows_original_struck_and_correction(world, client_for):
    v = volunteer(world, user=world.users["volunteer"])
    original = manual_record(world, v, hours="2")
    c = services.correction_request(
        record=original,
        by=world.users["volunteer"],
        reason="少记一小时",
        started_at=original.started_at,
        ended_at=original.ended_at,
        hours=Decimal("3"),
        content="法律咨询",
    )
    services.correction_decide(correction=c, approve=True, by=world.users["staff"])
    page = client_for(world.users["volunteer"]).get(f"/volunteers/{v.pk}/").content.decode()
    assert "已被更正" in page and "2.00" in page and "3.00" in page


def test_rejected_correction_keeps_the_record(world):
    v = volunteer(world)
    r = manual_record(world, v)
    c = services.correction_request(
        record=r,
        by=world.users["volunteer"],
        reason="x",
        started_at=r.started_at,
        ended_at=r.ended_at,
        hours=Decimal("1"),
        content="x",
    )
    services.correction_decide(correction=c, approve=False, by=world.users["staff"], note="与签到记录不符")
    r.refresh_from_db()
    assert not ServiceRecord.objects.filter(supersedes=r).exists() and r.hours == Decimal("3")
    with pytest.raises(ValidationError):
        services.correction_decide(correction=c, approve=True, by=world.users["staff"])


def test_hours_cannot_exceed_the_time_on_site(world):
    v = volunteer(world)
    with pytest.raises(ValidationError, match="交通时间不计入"):
        manual_record(world, v, start="13:00", end="14:00", hours="3")


def test_certificate_totals_equal_the_ledger(world, client_for):
    v = volunteer(world)
    manual_record(world, v, start="09:00", end="11:30", hours="2.5")
    manual_record(world, v, start="13:00", end="16:00", hours="3")
    unverified = manual_record(world, v, start="17:00", end="18:00", hours="1", verify=False)
    fixed = manual_record(world, v, start="19:00", end="21:00", hours="1")
    c = services.correction_request(
        record=fixed,
        by=world.users["staff"],
        reason="补记",
        started_at=fixed.started_at,
        ended_at=fixed.ended_at,
        hours=Decimal("2"),
        content="法律咨询",
    )
    services.correction_decide(correction=c, approve=True, by=world.users["staff"])

    cert = services.certificate_issue(
        volunteer=v,
        period_from=DAY,
        period_to=DAY,
        issuer="老西门街道社区服务办",
        issuer_contact="赵磊 021-63280000",
        by=world.users["staff"],
    )
    ledger = sum(r.hours for r in ServiceRecord.objects.current().verified().filter(volunteer=v))
    assert cert.total_hours == ledger == Decimal("7.5")
    assert unverified not in cert.records.all() and fixed not in cert.records.all()
    assert cert.serial.startswith("MH")

    pdf = client_for(world.users["staff"]).get(f"/volunteers/certificates/{cert.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    verify = client_for(world.users["nobody"]).get(f"/volunteers/verify/{cert.verify_token}/").content.decode()
    assert cert.serial in verify and "7.50" in verify
