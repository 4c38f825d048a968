import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from renewal import services
from renewal.models import Certificate, PlanItem, Plot, RenewalProject, Room

TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: str, hm: str = "10:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=TZ)


@pytest.fixture
def project(world):
    project = RenewalProject.objects.create(
        name="蓬莱路地块",
        region=world.laoximen,
        signing_start=at("2022-03-01", "08:00"),
        signing_end=at("2022-03-31", "20:00"),
        round2_threshold=D("0.85"),
    )
    Plot.objects.create(project=project, name="一期")
    return project


@pytest.fixture
def plan(project, users):
    plan = services.plan_create_draft(
        project=project, by=users["staff"], average_price=D("50000"), conversion_price=D("21500")
    )
    services.plan_item_add(
        plan=plan,
        by=users["staff"],
        name="装潢补偿",
        kind=PlanItem.Kind.MAX_RATE_MIN,
        rate=D("300"),
        minimum=D("10000"),
    )
    services.plan_item_add(
        plan=plan,
        by=users["staff"],
        name="签约奖励",
        kind=PlanItem.Kind.DAY_TIERS,
        tiers=[{"until": "2022-03-10", "minimum": "50000"}, {"until": "2022-03-31", "minimum": "20000"}],
        requires_effect=True,
    )
    services.plan_item_add(
        plan=plan,
        by=users["staff"],
        name="签约比例奖",
        kind=PlanItem.Kind.RATIO_STEPS,
        tiers=[{"ratio": "0.85", "minimum": "10000"}, {"ratio": "0.95", "minimum": "30000"}],
    )
    return services.plan_publish(plan=plan, by=users["staff"])


def make_certificate(project, number="HP-0001", *, rooms=(), **fields):
    defaults = {
        "kind": Certificate.Kind.PUBLIC_LEASE,
        "holder_name": "张某",
        "address": "蓬莱路 100 弄 1 号",
        "house_type": "旧式里弄",
        "plot": project.plots.first(),
    }
    if not rooms and "building_area" not in fields:
        fields["building_area"] = D("20")
    cert = Certificate.objects.create(project=project, number=number, **{**defaults, **fields})
    for i, area in enumerate(rooms):
        Room.objects.create(certificate=cert, name=f"部位{i + 1}", living_area=D(str(area)))
    return cert


@pytest.fixture
def certificate(project):
    return make_certificate(project, unit_price=D("52000"))
