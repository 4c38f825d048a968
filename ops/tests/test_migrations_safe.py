"""Rolling upgrades: after ``migrate`` the servers still on the previous release keep working until they are
restarted. So a migration may not add a NOT NULL column without a database default (the old code's INSERTs
leave it out), nor remove or rename a column or table the old code still reads (issue 16, finding 7).
docs/operations.md, "Upgrading", says how to make such a change in two releases."""

from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import (
    AddField,
    AlterField,
    CreateModel,
    DeleteModel,
    RemoveField,
    RenameField,
    RenameModel,
)
from django.db.models import NOT_PROVIDED

OURS = {
    "org", "audit", "notify", "people", "cases", "insight", "volunteers", "events", "care", "renewal",
    "resources", "deeds", "dashboard", "calendars", "guides", "ops",
}  # fmt: skip

# Columns added before this check existed, NOT NULL with only a Python default. Each got its db_default in a
# later migration (cases 0010, notify 0004, resources 0005); the test below proves the models still have it.
REPAIRED = {
    ("cases", "0008_open311_answer_with_token", "open311client", "answer_with_token"),
    ("cases", "0008_open311_answer_with_token", "open311request", "error"),
    ("cases", "0008_open311_answer_with_token", "open311request", "pending"),
    ("notify", "0002_delivery_receipts", "message", "vendor_id"),
    ("notify", "0002_delivery_receipts", "message", "delivery"),
    ("notify", "0002_delivery_receipts", "message", "delivery_code"),
    ("resources", "0004_series_follows_workdays", "bookingseries", "follows_workdays"),
}
# Removals and renames shipped on purpose, after the code stopped using them (none yet).
RETIRED: set[tuple[str, str, str]] = set()


def our_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app in OURS:
            yield app, name, migration


def unsafe_operations(migrations=None):
    for app, name, migration in migrations or our_migrations():
        if name.startswith("0001_"):
            continue  # the first release: no previous code to break
        created = {op.name.lower() for op in migration.operations if isinstance(op, CreateModel)}
        for op in migration.operations:
            if isinstance(op, AddField | AlterField) and op.model_name not in created:
                field = op.field
                no_column = field.many_to_many or field.null or field.db_default is not NOT_PROVIDED
                if isinstance(op, AlterField) or no_column:
                    continue
                if (app, name, op.model_name, op.name) not in REPAIRED:
                    yield f"{app}.{name}: {op.model_name}.{op.name} is NOT NULL without db_default"
            elif isinstance(op, RemoveField | RenameField | DeleteModel | RenameModel):
                label = getattr(op, "model_name", "") or getattr(op, "old_name", "") or op.name
                if (app, name, label) not in RETIRED:
                    yield f"{app}.{name}: {type(op).__name__} {label} breaks the previous release's code"


def test_no_migration_breaks_the_previous_release():
    assert list(unsafe_operations()) == []


def test_columns_added_before_the_check_have_their_database_default_now():
    from django.apps import apps

    for app, _, model, field in REPAIRED:
        assert apps.get_model(app, model)._meta.get_field(field).db_default is not NOT_PROVIDED, (app, model, field)


def test_the_check_catches_a_not_null_column_without_db_default():
    from django.db import models
    from django.db.migrations import Migration

    bad = Migration("0099_bad", "cases")
    bad.operations = [AddField("case", "priority", models.IntegerField(default=0))]
    good = Migration("0099_good", "cases")
    good.operations = [AddField("case", "priority", models.IntegerField(default=0, db_default=0))]

    def check(migration):
        return list(unsafe_operations([("cases", migration.name, migration)]))

    assert check(bad) == ["cases.0099_bad: case.priority is NOT NULL without db_default"]
    assert check(good) == []
