"""The care recipient's edit form and the meal-round pages list personal data: each read writes one audit entry."""

from django.urls import reverse

from audit.models import AuditEntry
from care.models import Delivery

from .test_pages import today_round  # noqa: F401  (the fixture)


def test_recipient_edit_form_and_round_sheets_are_audited(client_for, users, today_round):  # noqa: F811
    mine, other, a = today_round
    worker = users["worker_tianping"]
    client = client_for(worker)
    assert client.get(reverse("care:recipient_edit", args=[a.pk])).status_code == 200
    entry = AuditEntry.objects.get(kind="read", action="care.carerecipient.edit_form")
    assert entry.actor == worker and entry.object_id == str(a.pk)
    rnd = Delivery.objects.get(volunteer=mine).round
    for name, action in [("care:round_sheet", "care.round.sheet"), ("care:round", "care.round.read")]:
        assert client.get(reverse(name, args=[rnd.pk])).status_code == 200
        entry = AuditEntry.objects.get(kind="read", action=action)
        assert entry.object_id == str(rnd.pk) and a.pk in entry.detail["编号"] and entry.detail["条数"] == 2
