"""The default category tree shipped by migration 0002 (codes are a contract other apps use)."""

import importlib

from django.apps import apps

from cases.models import Category

CONTRACT_CODES = {
    "legal": "法律咨询",
    "finance": "金融政策",
    "logistics": "物流服务",
    "elderly": "养老服务",
    "housing": "房产买卖租赁",
    "medical": "医疗健康",
    "minors": "未成年人保护",
    "family": "家庭矛盾调解",
    "mediation": "人民调解",
    "repair": "物业与设施报修",
    "sanitation": "环境卫生",
    "meals": "助餐",
    "safety": "安全关爱",
    "resources": "资源链接",
    "renewal": "旧改征收",
    "other": "其他",
}


def test_every_contract_code_ships_with_its_chinese_name(db):
    names = dict(Category.objects.values_list("code", "name"))
    for code, name in CONTRACT_CODES.items():
        assert names.get(code) == name


def test_consultations_answer_in_one_working_day_and_help_in_five(db):
    legal = Category.objects.get(code="legal")
    elderly = Category.objects.get(code="elderly")
    assert legal.parent.code == "consult"
    assert (legal.first_contact_days, legal.resolve_days, legal.complex_days, legal.rehandle_days) == (1, 1, 15, 3)
    assert elderly.parent.code == "help" and elderly.resolve_days == 5


def test_running_the_data_migration_again_keeps_staff_edits(db):
    repair = Category.objects.get(code="repair")
    repair.resolve_days = 7
    repair.save()
    migration = importlib.import_module("cases.migrations.0002_default_categories")
    migration.forwards(apps, None)
    assert Category.objects.get(code="repair").resolve_days == 7
    assert Category.objects.filter(code__in=CONTRACT_CODES).count() == len(CONTRACT_CODES)
