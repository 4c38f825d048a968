import datetime

import pytest
from django.utils import timezone

from org.models import Membership, Role
from org.testing import make_user
from resources.models import BookingGroup, OpeningHours, Resource

TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: str, hm: str) -> datetime.datetime:
    """at("2025-09-22", "16:30") -> an aware datetime in Shanghai time."""
    return datetime.datetime.fromisoformat(f"{day}T{hm}:00+08:00")


# Monday 22 September 2025, 09:00: a plain working week before the National Day holiday.
NOW = at("2025-09-22", "09:00")


@pytest.fixture
def students(world):
    group = BookingGroup.objects.create(name="交响音乐进修学校走读学生", region=world.tianping)
    return group


@pytest.fixture
def student(world, students):
    user = make_user("student", role=Role.RESIDENT, region=world.shaanxi, name="林小琴")
    students.members.add(user)
    return user


@pytest.fixture
def student2(world, students):
    user = make_user("student2", role=Role.RESIDENT, region=world.shaanxi, name="周小提")
    students.members.add(user)
    return user


@pytest.fixture
def piano_room(world, students):
    room = Resource.objects.create(
        name="免费琴房",
        kind=Resource.Kind.PIANO_ROOM,
        region=world.tianping,
        capacity=1,
        min_minutes=30,
        max_minutes=120,
        max_days_ahead=7,
        min_notice_minutes=60,
        buffer_minutes=10,
        weekly_quota_minutes=300,
        slot_minutes=30,
        checkin_grace_minutes=15,
        offer_minutes=30,
    )
    room.allowed_groups.add(students)
    for weekday in range(7):
        OpeningHours.objects.create(
            resource=room, weekday=weekday, opens=datetime.time(8, 0), closes=datetime.time(21, 0)
        )
    return room


@pytest.fixture
def staff_tp(users):
    return users["staff_tianping"]


@pytest.fixture
def tianping_resident(world):
    user = make_user("tp_resident", role=Role.RESIDENT, region=world.shaanxi, name="陈阿姨")
    return user


__all__ = ["Membership", "at", "NOW"]
