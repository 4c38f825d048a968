"""lib.db: rows written and read in plain SQL come out as the ORM writes and reads them."""

import pytest
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEntry
from cases.models import Case, CaseEvent, Category, RoutingRule
from lib import db
from org.models import Region, Unit


def new_case(world, **kw):
    category, _ = Category.objects.get_or_create(code="lib-test", defaults={"name": "测试"})
    return Case(
        title="路灯不亮", description="蓬莱路100弄", category=category, region=world.penglai_grid,
        region_path=world.penglai_grid.path, channel="web", **kw,
    )  # fmt: skip


def test_insert_writes_what_bulk_create_writes(world):
    case = new_case(world)
    case.save()
    events = [
        CaseEvent(case=case, actor_name="张三", kind="note", note="第一条", data={"a": [1, "二"]}),
        CaseEvent(case=case, actor_name="李四", kind="note", note="第二条", is_public=False),
    ]
    assert db.insert(events) is events
    assert all(e.pk and not e._state.adding for e in events)  # keys from RETURNING, in order
    first, second = CaseEvent.objects.filter(case=case).order_by("pk")
    assert (first.pk, first.note, first.data, first.is_public) == (events[0].pk, "第一条", {"a": [1, "二"]}, True)
    assert (second.pk, second.actor_name, second.is_public) == (events[1].pk, "李四", False)
    assert first.at is not None  # the field's default, as the ORM sets it


def test_insert_of_many_rows_splits_into_batches_the_database_accepts(world):
    entries = [AuditEntry(action="test.bulk", object_type="t", object_id=str(i), detail={"i": i}) for i in range(2500)]
    db.insert(entries)
    assert AuditEntry.objects.filter(action="test.bulk").count() == 2500
    assert len({e.pk for e in entries}) == 2500


def test_insert_fails_as_the_orm_would_and_leaves_the_transaction_usable(world):
    new_case(world, idempotency_key="k1", number="A1").save()
    twin = new_case(world, idempotency_key="k1", number="A2")
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic():
            db.insert([twin])
        assert Case.objects.count() == 1


def test_instance_loads_plain_sql_rows_like_the_orm(world):
    unit = Unit.objects.create(name="蓬莱路居委会物业组", region=world.penglai, is_active=False)
    rule = RoutingRule.objects.create(region=world.penglai, main_unit=unit, auto_dispatch=False)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {db.columns(RoutingRule, 'x')}, {db.columns(Region, 'r')} FROM cases_routingrule x"
            " JOIN org_region r ON r.id = x.region_id WHERE x.id = %s",
            [rule.pk],
        )
        row = cursor.fetchone()
    n = len(RoutingRule._meta.concrete_fields)
    loaded, region = db.instance(RoutingRule, row[:n]), db.instance(Region, row[n:])
    assert loaded.auto_dispatch is False and loaded.main_unit == unit and loaded.category_id is None
    assert region == world.penglai and region.path == world.penglai.path and not loaded._state.adding


def test_insert_all_writes_every_list_and_gives_each_row_its_key(world):
    case = new_case(world)
    case.save()
    events = [CaseEvent(case=case, actor_name="系统", kind="note", note=f"第{i}条") for i in range(3)]
    entries = [AuditEntry(action="test.all", object_type="cases.case", object_id=str(case.pk)) for _ in range(2)]
    db.insert_all(events, [], entries)
    assert [e.note for e in CaseEvent.objects.filter(case=case).order_by("pk")] == ["第0条", "第1条", "第2条"]
    by_key = CaseEvent.objects.filter(case=case).order_by("pk")
    assert [(e.pk, e.note) for e in events] == list(by_key.values_list("pk", "note"))  # each its own key
    assert {e.pk for e in entries} == set(AuditEntry.objects.filter(action="test.all").values_list("pk", flat=True))
    assert all(not o._state.adding for o in [*events, *entries])


def test_insert_unless_taken_skips_the_rows_whose_key_is_taken(world):
    first = new_case(world, idempotency_key="k1", number="A1")
    first.save()
    rows = [new_case(world, idempotency_key=k, number=f"B{n}") for n, k in enumerate(["k0", "k1", "k2"])]
    for n, case in enumerate(rows):
        case.pk = first.pk + 10 + n
    skipped = db.insert_unless_taken(rows, "idempotency_key")
    assert skipped == [rows[1]] and rows[1]._state.adding and not rows[0]._state.adding
    assert dict(Case.objects.values_list("idempotency_key", "number")) == {"k0": "B0", "k1": "A1", "k2": "B2"}
