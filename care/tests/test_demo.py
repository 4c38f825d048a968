"""The care part of the demo: 陕西南路, eight people living alone, five party members, today's lunch."""

import io
import random

from django.utils import timezone

from care import demo
from care.models import CareRecipient, CareVolunteer, Delivery, MealRound, VisitPlan


def test_demo_has_eight_people_five_volunteers_and_a_routed_lunch_today(db):
    from org import demo as org_demo
    from people import demo as people_demo

    ctx = {"seed": 2022, "rng": random.Random(2022), "stdout": io.StringIO()}
    org_demo.load(ctx)
    people_demo.load(ctx)
    demo.load(ctx)
    assert CareRecipient.objects.filter(subscriptions__isnull=False).count() == 8
    assert CareVolunteer.objects.count() == 5
    lunch = MealRound.objects.get(date=timezone.localdate())
    assert lunch.status == MealRound.Status.ROUTED
    stops = Delivery.objects.filter(round=lunch)
    assert stops.count() == 8 and not stops.filter(volunteer__isnull=True).exists()
    assert VisitPlan.objects.filter(is_active=True).count() == 2
    insulin = stops.get(window_end__isnull=False)
    assert insulin.recipient.low_sugar and insulin.window_label == "11:00–11:20"
    assert insulin.eta.astimezone(timezone.get_current_timezone()).time() <= insulin.window_end
