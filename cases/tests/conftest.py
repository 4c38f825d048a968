"""Shared set-up for the cases tests: routing rules over the test world and a quick case maker."""

import pytest

from cases.actions.intake import case_create
from cases.models import Category, RoutingRule


@pytest.fixture
def categories(shipped_data):
    """The default tree (put back after a transactional test flushed it)."""


@pytest.fixture
def repair(categories):
    return Category.objects.get(code="repair")


@pytest.fixture
def routed(world, repair):
    """蓬莱路居委 handles repair cases of its neighbourhood (dispatched at once by the rule)."""
    return RoutingRule.objects.create(category=repair, region=world.penglai, main_unit=world.penglai_committee)


@pytest.fixture
def make_case(world, users, categories):
    def make(**kwargs):
        defaults = {
            "title": "楼道灯坏了",
            "description": "蓬莱路 100 弄 3 号楼道灯不亮，老人晚上下楼不方便。",
            "region": world.penglai_grid,
            "channel": "desk",
            "category": "repair",
            "by": users["worker"],
            "reporter_name": "张阿姨",
            "reporter_phone": "13812345678",
        }
        defaults.update(kwargs)
        case, _created = case_create(**defaults)
        return case

    return make
