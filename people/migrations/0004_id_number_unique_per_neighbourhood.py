"""An ID number is unique within a neighbourhood's register, not the whole city (people.models.registry_of): a form
no longer tells a worker that another subdistrict holds a number. Existing rows get their register from their
region's path; the old city-wide constraint goes only after that."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    Resident = apps.get_model("people", "Resident")
    Region = apps.get_model("org", "Region")
    paths = dict(Region.objects.values_list("pk", "path"))
    registers = {}
    for pk, region_id in Resident.objects.filter(registry="").values_list("pk", "region_id").iterator():
        path = paths[region_id]
        registers.setdefault(".".join([p for p in path.split(".") if p][:3]) + ".", []).append(pk)
    for registry, pks in registers.items():
        for start in range(0, len(pks), 1000):
            Resident.objects.filter(pk__in=pks[start : start + 1000]).update(registry=registry)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("people", "0003_address_point_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="registry",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=255),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="resident", name="resident_unique_id_number"),
        migrations.AddConstraint(
            model_name="resident",
            constraint=models.UniqueConstraint(
                condition=models.Q(("id_number_hash", ""), _negated=True),
                fields=("registry", "id_number_hash"),
                name="resident_unique_id_number_in_registry",
                violation_error_message="已有相同身份证号的居民。",
            ),
        ),
    ]
