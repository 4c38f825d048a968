"""The service day's status is the staff's to set: 筹备中 → 进行中 on the day, back if started by mistake, and
结束 writes the service hours and cannot be undone."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events import services
from events.models import ServiceEvent


def test_staff_start_the_day_from_the_event_page(client_for, users, event):
    client = client_for(users["staff"])
    page = client.get(reverse("events:event_detail", args=[event.pk])).content.decode()
    assert "开始活动（进行中）" in page
    done = client.post(reverse("events:event_status", args=[event.pk]), {"status": "open"}, follow=True)
    event.refresh_from_db()
    assert event.status == ServiceEvent.Status.OPEN and "活动状态已改为“进行中”" in done.content.decode()
    client.post(reverse("events:event_status", args=[event.pk]), {"status": "planned"})
    event.refresh_from_db()
    assert event.status == ServiceEvent.Status.PLANNED


def test_an_ended_day_is_not_reopened(users, event):
    services.event_set_status(event=event, status="closed", by=users["staff"])
    event.refresh_from_db()
    assert event.status == ServiceEvent.Status.CLOSED
    with pytest.raises(ValidationError, match="已结束"):
        services.event_set_status(event=event, status="open", by=users["staff"])


def test_closing_through_the_status_form_is_refused_with_a_pointer_to_the_close_button(client_for, users, event):
    page = client_for(users["staff"]).post(
        reverse("events:event_status", args=[event.pk]), {"status": "closed"}, follow=True
    )
    event.refresh_from_db()
    assert event.status == ServiceEvent.Status.PLANNED and "结束活动并写入服务时长" in page.content.decode()


@pytest.mark.parametrize("persona", ["volunteer", "leader", "partner"])
def test_only_staff_set_the_status(client_for, users, event, persona):
    response = client_for(users[persona]).post(reverse("events:event_status", args=[event.pk]), {"status": "open"})
    assert response.status_code in (403, 404)
    event.refresh_from_db()
    assert event.status == ServiceEvent.Status.PLANNED
