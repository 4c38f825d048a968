"""A POSTed ``next`` never sends staff to another site."""

import datetime

from django.urls import reverse
from django.utils import timezone

from care.actions import visits
from care.models import VisitRecord


def test_visit_to_case_ignores_a_next_on_another_site(client_for, users, make_recipient, make_volunteer):
    visitor = make_volunteer("老伙伴志愿者")
    plan = visits.visit_plan_create(
        recipient=make_recipient("沈阿姨", meal=False),
        visitor=visitor,
        by=users["worker_tianping"],
        first_due=timezone.localdate() - datetime.timedelta(days=2),
    )
    client_for(visitor).post(reverse("care:visit_new", args=[plan.pk]), {"state": "good", "needs": "水管漏水"})
    visit = VisitRecord.objects.get()
    worker = client_for(users["worker_tianping"])
    response = worker.post(reverse("care:visit_to_case", args=[visit.pk]), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("care:visits")
