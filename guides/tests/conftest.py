import datetime

import pytest
from django.utils import timezone

from events import services as event_services
from events.models import DeskTopic
from guides import importers, services
from guides.demo import DATA
from guides.models import GuideRevision
from org.models import Role, Unit
from org.testing import make_user

# The desk topics of events' data migration (transactional tests flush them, so they are made again here).
TOPICS = [
    ("法律", "legal"),
    ("金融政策", "finance"),
    ("物流服务", "logistics"),
    ("养老政策", "elderly"),
    ("房产买卖租赁", "housing"),
    ("医疗服务", "medical"),
    ("未成年人保护", "minors"),
    ("家庭矛盾调解", "family"),
    ("旧改政策", "renewal"),
]
LAOXIMEN = object()  # make_guide's default region (None means the city)
DISTRICT_UNITS = ["黄浦区民政局", "黄浦区司法局", "黄浦区教育局", "黄浦区住房保障和房屋管理局", "黄浦区残疾人联合会"]


@pytest.fixture
def topics(db):
    return {
        name: DeskTopic.objects.get_or_create(name=name, defaults={"category_code": code, "order": i})[0]
        for i, (name, code) in enumerate(TOPICS)
    }


@pytest.fixture
def offices(world):
    """The units the shipped guides name: the subdistrict's offices and the district's."""
    made = {u: Unit.objects.create(name=u, kind=Unit.Kind.OTHER, region=world.huangpu) for u in DISTRICT_UNITS}
    for name in ("老西门街道旧改办",):
        made[name] = Unit.objects.create(name=name, kind=Unit.Kind.SUBDISTRICT_OFFICE, region=world.laoximen)
    made["老西门街道社区服务办"] = world.laoximen_office
    return made


@pytest.fixture
def colleague(world):
    """A second staff member of 老西门街道 (another office): reviews what ``staff`` writes."""
    return make_user("colleague", role=Role.STAFF, region=world.laoximen, unit=world.laoximen_office, name="钱伟")


@pytest.fixture
def district_staff(world, offices):
    return make_user("district", role=Role.STAFF, region=world.huangpu, unit=offices["黄浦区民政局"], name="林晓雯")


def publish(revision, by):
    services.revision_submit(revision=revision, by=revision.author)
    return services.revision_approve(revision=revision, by=by)


@pytest.fixture
def make_guide(world, topics, users, colleague):
    """make_guide(code, name, ...) -> a published guide of 老西门街道 owned by its 社区服务办, written by ``staff``."""

    def make(
        code, name, *, topic="养老政策", region=LAOXIMEN, owner=None, review_due=None, by=None, reviewer=None, **text
    ):
        data = {
            "name": name,
            "topic": topics[topic].pk,
            "summary": text.pop("summary", ""),
            "basis": text.pop("basis", "《上海市养老服务条例》"),
            "materials": text.pop("materials", [{"name": "居民身份证", "originals": 1, "copies": 1, "note": ""}]),
            "review_due": (review_due or timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
            **text,
        }
        revision = services.guide_create(
            code=code,
            region=world.laoximen if region is LAOXIMEN else region,  # None: the whole city
            owner=owner or world.laoximen_office,
            data=data,
            by=by or users["staff"],
        )
        return publish(revision, reviewer or colleague)

    return make


@pytest.fixture
def shipped_guides(world, topics, offices, users):
    """The shipped data file imported for 老西门街道 by the admin and published by 老西门's and the district's staff."""
    reviewer = make_user("shipped_reviewer", role=Role.ADMIN, region=world.huangpu, name="审核员")
    plan, errors = importers.validate(importers.toml_rows(DATA), region=world.laoximen, by=users["admin"])
    assert errors == []
    importers.write(plan, by=users["admin"])
    for revision in GuideRevision.objects.filter(status="pending"):
        services.revision_approve(revision=revision, by=reviewer)
    return plan


@pytest.fixture
def event(world):
    start = timezone.make_aware(datetime.datetime(2022, 2, 24, 13, 30))
    event = event_services.event_create(
        title="蓬莱路地块旧改居民志愿服务",
        region=world.laoximen,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        place="上海文庙门口",
        organiser=world.laoximen_office,
        by=world.users["staff"],
    )
    event_services.event_set_status(event=event, status="open", by=world.users["staff"])
    return event


@pytest.fixture
def elderly_desk(event, topics, users):
    return event_services.desk_add(event=event, topic=topics["养老政策"], by=users["staff"], name="养老政策咨询台")


def serve(desk, by, *, name="王阿姨", phone=""):
    """A resident takes a number at ``desk`` and is called and served: the ticket in consultation."""
    ticket = event_services.ticket_take(desk=desk, by=by, name=name, phone=phone, channel="staff")
    ticket = event_services.ticket_call_next(desk=desk, by=by)
    return event_services.ticket_start(ticket=ticket, by=by)
