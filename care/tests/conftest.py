"""Small care worlds in 陕西南路居委: a kitchen, a few people living alone, volunteers."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from care.actions import enrolment
from care.models import CareVolunteer, Kitchen, MealSubscription
from org.models import Role
from org.testing import make_user
from people.models import Address, Household, Resident

_seq = itertools.count(1)
KITCHEN_AT = (Decimal("31.210500"), Decimal("121.446000"))


def at(day: datetime.date, hh: int, mm: int = 0) -> datetime.datetime:
    """An aware moment in Shanghai: the tests' clock."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hh, mm)))


@pytest.fixture
def kitchen(world):
    return Kitchen.objects.create(
        region=world.shaanxi, name="陕西南路长者食堂", latitude=KITCHEN_AT[0], longitude=KITCHEN_AT[1]
    )


@pytest.fixture
def make_volunteer(world, kitchen):
    def make(name, *, capacity=8, mode="walk", username=None):
        user = make_user(username or f"vol{next(_seq)}", role=Role.VOLUNTEER, region=world.shaanxi, name=name)
        CareVolunteer.objects.create(user=user, region=world.shaanxi, kitchen=kitchen, capacity=capacity, mode=mode)
        return user

    return make


@pytest.fixture
def make_recipient(world, users, kitchen):
    """make_recipient("李阿婆", volunteer=u, contacts=[...]) -> a recipient subscribed to lunch every day."""

    def make(name, *, volunteer=None, contacts=(), weekdays="1234567", starts_on=None, offset=0, meal=True, **fields):
        n = next(_seq)
        address = Address.objects.create(
            region=world.shaanxi_grid,
            road="陕西南路",
            lane=str(100 + n),
            number=str(n),
            room="201",
            latitude=KITCHEN_AT[0] + Decimal("0.0008") * (offset or n % 7),
            longitude=KITCHEN_AT[1] + Decimal("0.0006") * ((offset or n) % 5),
        )
        household = Household.objects.create(region=world.shaanxi_grid, address=address, name=name)
        resident = Resident.objects.create(region=world.shaanxi_grid, household=household, name=name)
        recipient = enrolment.recipient_create(
            resident=resident,
            by=users["worker_tianping"],
            contacts=contacts,
            worker=users["worker_tianping"],
            consent=True,
            **fields,
        )
        if meal:
            MealSubscription.objects.create(
                recipient=recipient,
                kitchen=kitchen,
                weekdays=weekdays,
                price=Decimal("15"),
                subsidy=Decimal("5"),
                volunteer=volunteer,
                starts_on=starts_on or datetime.date(2025, 1, 1),
            )
        return recipient

    return make
