"""Several people press 预约 for the same slot at the same moment: exactly one wins.

PostgreSQL only (the exclusion constraint has the last word); each thread has its own connection.
"""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from org.models import Role
from org.testing import make_user
from resources import services
from resources.models import Booking

from .conftest import NOW, at


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_only_one_wins(world, piano_room, students):
    assert connection.vendor == "postgresql"
    people = [make_user(f"s{i}", role=Role.RESIDENT, region=world.shaanxi) for i in range(6)]
    students.members.add(*people)
    barrier = threading.Barrier(len(people))
    results: dict = {}

    def attempt(user):
        try:
            barrier.wait(timeout=10)
            booking = services.booking_create(
                resource=piano_room,
                user=user,
                start=at("2025-09-22", "16:00"),
                end=at("2025-09-22", "17:00"),
                by=user,
                now=NOW,
            )
            results[user.username] = booking.status
        except ValidationError as exc:
            results[user.username] = " ".join(exc.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    winners = [r for r in results.values() if r == Booking.Status.CONFIRMED]
    losers = [r for r in results.values() if r != Booking.Status.CONFIRMED]
    assert len(winners) == 1 and len(losers) == len(people) - 1
    assert all("该时段已被他人预约" in message for message in losers)
    assert Booking.objects.filter(resource=piano_room, status=Booking.Status.CONFIRMED).count() == 1


@pytest.mark.postgres
def test_database_refuses_an_overlap_that_skips_the_service(piano_room, student, student2):
    """The exclusion constraint holds even for a write that bypasses the service (buffer included)."""
    first = services.booking_create(
        resource=piano_room,
        user=student,
        start=at("2025-09-22", "16:00"),
        end=at("2025-09-22", "17:00"),
        by=student,
        now=NOW,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            resource=piano_room,
            user=student2,
            start=first.end + datetime.timedelta(minutes=5),
            end=first.end + datetime.timedelta(minutes=65),
            blocked_until=first.end + datetime.timedelta(minutes=75),
            status=Booking.Status.CONFIRMED,
        )
    # pending requests do not hold the slot, so they may overlap
    Booking.objects.create(
        resource=piano_room,
        user=student2,
        start=first.start,
        end=first.end,
        blocked_until=first.end,
        status=Booking.Status.PENDING,
    )
