"""Fixtures of the insight tests: the default categories and keyword rules, routing rules over the
test world, a case maker, and a clean in-process model cache around every test."""

import pytest

from cases.actions.intake import case_create
from cases.models import Category, RoutingRule
from insight.actions import store


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    store.forget_active()
    yield
    store.forget_active()


@pytest.fixture
def categories(shipped_data):
    """The default categories and keyword rules (put back after a transactional test flushed them)."""


@pytest.fixture
def rules(world, categories):
    """Repair, sanitation, legal and elderly cases of 蓬莱路居委 have a unit; only repair,
    sanitation and legal dispatch by themselves."""
    made = {}
    for code, unit, auto in [
        ("repair", world.penglai_committee, True),
        ("sanitation", world.penglai_committee, True),
        ("legal", world.partner_unit, True),
        ("elderly", world.laoximen_office, False),
    ]:
        made[code] = RoutingRule.objects.create(
            category=Category.objects.get(code=code), region=world.penglai, main_unit=unit, auto_dispatch=auto
        )
    return made


@pytest.fixture
def make_case(world, users, categories):
    def make(**kwargs):
        defaults = {
            "title": "楼道灯坏了",
            "description": "蓬莱路100弄3号楼道灯不亮，老人晚上下楼不方便。",
            "region": world.penglai_grid,
            "channel": "web",
            "category": "other",
            "by": None,
            "reporter_name": "张阿姨",
        }
        defaults.update(kwargs)
        case, _created = case_create(**defaults)
        return case

    return make
