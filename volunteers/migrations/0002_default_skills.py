from django.db import migrations

# (skill, the case/desk category codes it answers)
SKILLS = [
    ("律师", "legal,mediation,family,renewal,minors"),
    ("医生", "medical,elderly"),
    ("理财金融", "finance,renewal"),
    ("房产", "housing,renewal"),
    ("社工", "elderly,family,minors,care,resources,other"),
    ("心理咨询", "family,minors,medical"),
    ("驾驶", "logistics,meals"),
    ("物流", "logistics"),
    ("上海话", ""),
    ("普通话", ""),
]


def add(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    for name, codes in SKILLS:
        Skill.objects.get_or_create(name=name, defaults={"category_codes": codes})


def remove(apps, schema_editor):
    apps.get_model("volunteers", "Skill").objects.filter(name__in=[n for n, _ in SKILLS]).delete()


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
