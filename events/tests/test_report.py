"""The event report: served, no-shows, transfers, follow-up cases and waits per desk, on screen and in Excel."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.selectors import event_report


@pytest.fixture
def day(desks, users):
    """Four residents at 法律 who took numbers 40, 30, 20 and 10 minutes ago; all called now, then
    two finished (one needing follow-up), one no-show and one sent on to 养老政策."""
    legal, elderly = desks
    staff = users["staff"]
    now = timezone.now()
    for minutes in (10, 20, 30, 40):
        services.ticket_take(
            desk=legal,
            session_key=f"r{minutes}",
            name=f"居民{minutes}",
            issued_at=now - datetime.timedelta(minutes=minutes),
        )
    called = [services.ticket_call_next(desk=legal, by=staff) for _ in range(4)]
    assert [t.name for t in called] == ["居民40", "居民30", "居民20", "居民10"]
    services.ticket_finish(ticket=called[0], by=staff, summary="补偿款能买多大房子", advice="按政策测算")
    services.ticket_finish(ticket=called[1], by=staff, summary="老伴的遗产继承", follow_up=True)
    services.ticket_no_show(ticket=called[2], by=staff)
    services.ticket_transfer(ticket=called[3], to_desk=elderly, by=staff)
    return legal, elderly


def test_report_counts_and_waits_per_desk(day, event):
    legal, elderly = day
    report = event_report(event)
    rows = {r.desk.pk: r for r in report.desks}
    a, b = rows[legal.pk], rows[elderly.pk]
    assert (a.served, a.no_shows, a.transfers, a.follow_ups, a.waiting) == (1 + 1, 1, 1, 1, 0)
    assert (b.served, b.waiting) == (0, 1)  # the transferred resident waits at 养老政策, nobody called yet
    assert a.median_wait == pytest.approx(25, abs=0.5)  # waits 40, 30, 20, 10 minutes
    assert a.p90_wait == pytest.approx(40, abs=0.5)  # nearest rank: the 4th of 4
    assert b.median_wait is None
    t = report.total
    assert (t.served, t.no_shows, t.transfers, t.follow_ups, t.waiting) == (2, 1, 1, 1, 1)


def test_report_spreadsheet_has_the_same_figures(day, event, client_for, users):
    legal, _ = day
    response = client_for(users["staff"]).get(reverse("events:event_report", args=[event.pk]) + "?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["咨询台", "服务人数", "过号"]
    legal_row = next(r for r in rows if r[0] == legal.name)
    assert legal_row[1:6] == [2, 1, 1, 1, 0]
    assert float(legal_row[6]) == pytest.approx(25, abs=0.5)
    total = next(r for r in rows if r[0] == "合计")
    assert total[1:6] == [2, 1, 1, 1, 1]
