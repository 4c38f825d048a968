from django.db import migrations

# The desks of the 蓬莱路地块 service day, each mapped to a cases.Category code.
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


def add(apps, schema_editor):
    DeskTopic = apps.get_model("events", "DeskTopic")
    for order, (name, code) in enumerate(TOPICS):
        DeskTopic.objects.get_or_create(name=name, defaults={"category_code": code, "order": order})


def remove(apps, schema_editor):
    apps.get_model("events", "DeskTopic").objects.filter(name__in=[n for n, _ in TOPICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
