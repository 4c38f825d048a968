"""Ships the default category tree (codes are a contract other apps use: docs/architecture.md).

Deadlines in working days: consultations 1, help requests and complaints 5, complex 15, re-handling 3.
Staff may edit names and deadlines afterwards; re-running keeps their edits (get_or_create by code).
"""

from django.db import migrations

# (code, name, parent code, resolve days, sort order)
DEFAULT_CATEGORIES = [
    ("consult", "咨询类", None, 1, 10),
    ("legal", "法律咨询", "consult", 1, 11),
    ("finance", "金融政策", "consult", 1, 12),
    ("housing", "房产买卖租赁", "consult", 1, 13),
    ("medical", "医疗健康", "consult", 1, 14),
    ("help", "求助服务类", None, 5, 20),
    ("elderly", "养老服务", "help", 5, 21),
    ("meals", "助餐", "help", 5, 22),
    ("safety", "安全关爱", "help", 1, 23),
    ("logistics", "物流服务", "help", 5, 24),
    ("resources", "资源链接", "help", 5, 25),
    ("minors", "未成年人保护", "help", 5, 26),
    ("dispute", "矛盾纠纷类", None, 5, 30),
    ("family", "家庭矛盾调解", "dispute", 5, 31),
    ("mediation", "人民调解", "dispute", 5, 32),
    ("city", "城市管理类", None, 5, 40),
    ("repair", "物业与设施报修", "city", 5, 41),
    ("sanitation", "环境卫生", "city", 5, 42),
    ("renewal", "旧改征收", None, 5, 50),
    ("other", "其他", None, 5, 90),
]


def forwards(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    made = {}
    for code, name, parent, days, order in DEFAULT_CATEGORIES:
        made[code], _created = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": made.get(parent),
                "resolve_days": days,
                "first_contact_days": 1,
                "urgent_resolve_days": 1,
                "complex_days": 15,
                "rehandle_days": 3,
                "sort_order": order,
            },
        )


def backwards(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    codes = [row[0] for row in DEFAULT_CATEGORIES]
    # children first (PROTECT on parent); categories already used by cases stay
    Category.objects.filter(code__in=codes, parent__isnull=False, cases__isnull=True).delete()
    Category.objects.filter(code__in=codes, children__isnull=True, cases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
