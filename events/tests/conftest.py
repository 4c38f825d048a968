import datetime

import pytest
from django.utils import timezone

from events import services
from events.models import DeskTopic


@pytest.fixture
def event(world):
    start = timezone.make_aware(datetime.datetime(2022, 2, 24, 13, 30))
    return services.event_create(
        title="蓬莱路地块旧改居民志愿服务",
        region=world.laoximen,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        place="上海文庙门口",
        organiser=world.laoximen_office,
        by=world.users["staff"],
    )


@pytest.fixture
def desks(event, world):
    """法律 (A) and 养老政策 (B). get_or_create: transactional tests flush the data-migration rows."""
    legal = services.desk_add(
        event=event,
        topic=DeskTopic.objects.get_or_create(name="法律", defaults={"category_code": "legal"})[0],
        by=world.users["staff"],
    )
    elderly = services.desk_add(
        event=event,
        topic=DeskTopic.objects.get_or_create(name="养老政策", defaults={"category_code": "elderly"})[0],
        by=world.users["staff"],
    )
    return legal, elderly
