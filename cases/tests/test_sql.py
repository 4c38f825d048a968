"""cases/sql.py, the intake's hand-written SQL: the same rows written through the ORM and through the fast path
give equal ``values()``; what it does not handle it refuses."""

import json

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from audit.models import AuditEntry
from cases import open311_services, routing, sql
from cases.actions.intake import case_create_many
from cases.api import CaseCreateSerializer
from cases.models import Attachment, Case, CaseEvent, Category, Open311Attribute, Open311Client, RoutingRule
from notify.models import Message
from org.models import Membership, Role, Unit, User
from people.models import Address

# what differs between two writes of the same rows: keys, moments, and what is derived from them
VOLATILE = {"id", "number", "at", "created_at", "updated_at", "dispatched_at", "case", "case_id", "object_id",
            "related_id", "first_contact_due_at", "due_at", "warn_at", "idempotency_key", "key_hash"}  # fmt: skip


def rows(model, *, numbers=(), **filters) -> list[dict]:
    """The rows' ``values()`` without what differs between two writes (keys, moments, ciphertexts, which are
    salted), each case number in them replaced by its place in ``numbers``."""
    keep = [
        f.attname
        for f in model._meta.concrete_fields
        if f.name not in VOLATILE and f.attname not in VOLATILE and not f.name.endswith("_encrypted")
    ]
    text = json.dumps(list(model.objects.filter(**filters).order_by("pk").values(*keep)), default=str)
    for n, number in enumerate(numbers):
        text = text.replace(number, f"<case {n}>")
    return json.loads(text)


def orm_path(monkeypatch):
    """Make the fast path step aside, as it does on every database but PostgreSQL."""
    monkeypatch.setattr(sql, "fast", lambda: False)


def test_a_model_with_a_field_it_does_not_handle_is_refused():
    with pytest.raises(TypeError, match="image"):
        sql._fields(Attachment, True)  # an ImageField's pre_save stores a file: not something to write by hand


def test_an_unsaved_related_object_is_refused_as_the_orm_refuses_it(world):
    case = Case(title="x", description="x", region=world.penglai_grid, region_path=world.penglai_grid.path)
    with pytest.raises(ValueError, match="not saved"):
        sql._link(CaseEvent(case=case, actor_name="系统", kind="note"))


@pytest.mark.postgres
def test_the_same_intakes_through_the_orm_and_the_fast_path_write_equal_rows(
    world, users, categories, monkeypatch, django_capture_on_commit_callbacks
):
    repair = Category.objects.get(code="repair")
    unit = world.penglai_committee
    RoutingRule.objects.create(category=repair, region=world.penglai, main_unit=unit).co_units.add(
        world.laoximen_office
    )
    Membership.objects.create(user=users["staff"], region=world.penglai, role=Role.WORKER, unit=unit)

    def intakes(tag):
        now = timezone.now()
        return [
            {"title": "楼道灯坏了", "description": "蓬莱路100弄", "region": world.penglai_grid, "channel": "api",
             "category": "repair", "by": users["worker"], "reporter_phone": "13812345678", "at": now,
             "idempotency_key": f"{tag}-1", "audit": {"action": "cases.open311.request", "detail": {"via": "t"}}},
            {"title": "噪音扰民", "description": "夜间施工", "region": world.wenmiao, "channel": "web",
             "category": "other", "by": None, "reporter_name": "匿名", "at": now},
        ]  # fmt: skip

    assert connection.vendor == "postgresql" and sql.fast()
    fast = [c for c, created in case_create_many(intakes("fast")) if created]
    with monkeypatch.context() as m:
        orm_path(m)
        plain = [c for c, created in case_create_many(intakes("orm")) if created]
    assert len(fast) == len(plain) == 2

    def written(cases):
        ids, numbers = [c.pk for c in cases], [c.number for c in cases]
        return (
            rows(Case, pk__in=ids, numbers=numbers),
            rows(CaseEvent, case__in=ids, numbers=numbers),
            rows(AuditEntry, object_type="cases.case", object_id__in=[str(i) for i in ids], numbers=numbers),
            rows(Message, related_id__in=[str(i) for i in ids], numbers=numbers),
            sorted(Case.co_units.through.objects.filter(case__in=ids).values_list("unit_id", flat=True)),
        )

    assert written(fast) == written(plain)
    assert written(fast)[1] and written(fast)[4] == [world.laoximen_office.pk]  # the rule dispatched, co-unit too


@pytest.mark.postgres
def test_insert_and_insert_all_write_what_bulk_create_writes(world, monkeypatch):
    case = Case.objects.create(
        title="x", description="x", category=Category.objects.get_or_create(code="t", defaults={"name": "t"})[0],
        region=world.penglai_grid, region_path=world.penglai_grid.path, channel="web", number="T-1",
    )  # fmt: skip

    def batch(tag):
        events = [CaseEvent(case=case, actor_name="张三", kind="note", note=f"{tag}第{i}条", data={"a": [i, "二"]})
                  for i in range(3)]  # fmt: skip
        entries = [
            AuditEntry(action=f"test.{tag}", object_type="t", object_id=str(i), detail={"i": i}) for i in range(2)
        ]
        return events, entries

    events, entries = batch("x")
    sql.insert(events)
    sql.insert_all([], entries)
    assert all(e.pk and not e._state.adding for e in [*events, *entries])
    events2, entries2 = batch("x")
    with monkeypatch.context() as m:
        orm_path(m)
        sql.insert(events2)
        sql.insert_all([], entries2)
    assert rows(CaseEvent, pk__in=[e.pk for e in events]) == rows(CaseEvent, pk__in=[e.pk for e in events2])
    assert rows(AuditEntry, pk__in=[e.pk for e in entries]) == rows(AuditEntry, pk__in=[e.pk for e in entries2])
    assert [e.note for e in CaseEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk")] == [
        "x第0条", "x第1条", "x第2条"
    ]  # fmt: skip


@pytest.mark.postgres
def test_insert_unless_taken_skips_the_rows_whose_key_is_taken(world):
    category = Category.objects.get_or_create(code="t", defaults={"name": "t"})[0]

    def new(key, number):
        return Case(title="x", description="x", category=category, region=world.penglai_grid,
                    region_path=world.penglai_grid.path, channel="web", idempotency_key=key, number=number)  # fmt: skip

    new("k1", "A1").save()
    cases = [new(k, f"B{n}") for n, k in enumerate(["k0", "k1", "k2"])]
    for case, pk in zip(cases, sql.reserve_ids(Case, 3), strict=True):
        case.pk = pk
    assert sql.insert_unless_taken(cases, "idempotency_key") == [cases[1]]
    assert cases[1]._state.adding and not cases[0]._state.adding
    assert dict(Case.objects.values_list("idempotency_key", "number")) == {"k0": "B0", "k1": "A1", "k2": "B2"}


@pytest.mark.postgres
def test_the_routing_rule_read_in_one_statement_is_the_one_the_orm_finds(world, users, categories, monkeypatch):
    repair = Category.objects.get(code="repair")
    office = Unit.objects.create(name="甲物业", region=world.penglai)
    rule = RoutingRule.objects.create(category=repair, region=world.penglai, main_unit=world.penglai_committee)
    rule.co_units.add(office, world.laoximen_office)
    RoutingRule.objects.create(category=None, region=world.penglai, main_unit=office)  # the region default loses
    Membership.objects.create(user=users["staff"], region=world.penglai, role=Role.WORKER, unit=rule.main_unit)
    User.objects.filter(pk=users["staff"].pk).update(phone="", email="staff@example.org")

    def found():
        r = routing.find_routing_rule(repair, world.penglai_grid)
        return r.pk, r.main_unit, r.main_unit.name, r.auto_dispatch, r.co_unit_names, r.unit_contacts

    fast = found()
    with monkeypatch.context() as m:
        orm_path(m)
        assert found() == fast
    assert fast[0] == rule.pk and "staff@example.org" in fast[5]


@pytest.mark.postgres
def test_the_nearest_known_address_found_in_one_statement_is_the_one_the_orm_finds(world, monkeypatch):
    near = Address.objects.create(region=world.penglai_grid, road="蓬莱路", lane="100", number="3",
                                  latitude="31.218100", longitude="121.489100")  # fmt: skip
    Address.objects.create(region=world.wenmiao, road="文庙路", lane="1", number="1",
                           latitude="31.219000", longitude="121.490000")  # fmt: skip
    points = [
        (0, world.laoximen.path, "31.218000", "121.489000"),  # nearest: 蓬莱路 100 弄
        (1, world.laoximen.path, "31.218950", "121.489950"),  # nearest: 文庙路
        (2, world.penglai.path, "31.218950", "121.489950"),  # 文庙路 is not under 蓬莱路
        (3, world.laoximen.path, "31.300000", "121.489000"),  # nothing within 150 m
    ]
    fast = open311_services._nearest_region_ids(points)
    with monkeypatch.context() as m:
        orm_path(m)
        assert open311_services._nearest_region_ids(points) == fast
    assert fast == {0: near.region_id, 1: world.wenmiao.pk, 2: near.region_id}


@pytest.mark.postgres
def test_the_api_and_open311_look_ups_in_one_statement_find_what_the_orm_finds(world, users, categories, monkeypatch):
    partner = Open311Client(name="对接系统", region=world.penglai_grid)
    key = open311_services.client_issue_key(client=partner, by=None)
    repair = Category.objects.get(code="repair")
    Open311Attribute.objects.create(category=repair, code="floor", description="楼层", order=1)
    worker = users["worker"]

    def looked_up():
        client = open311_services._client_with_region(Open311Client.digest(key), "repair")
        code, service = client.prefetched_service
        checks = [
            api_check(worker, world.penglai_grid.pk, "repair"),
            api_check(worker, world.shaanxi.pk, "repair"),  # another subdistrict: out of scope
            api_check(worker, world.penglai_grid.pk, "nonsense"),
        ]
        return client.pk, client.region, code, service.pk, service.has_attributes, checks

    def api_check(user, region_id, code):
        serializer = CaseCreateSerializer(context={"request": type("R", (), {"user": user})()})
        try:
            data = serializer.validate({"region": region_id, "category": code})
        except ValidationError as exc:
            return sorted(exc.detail)
        return data["region"].pk, data["category"].code

    fast = looked_up()
    with monkeypatch.context() as m:
        orm_path(m)
        assert looked_up() == fast
    assert fast[4] is True and fast[5] == [(world.penglai_grid.pk, "repair"), ["region"], ["category"]]


def test_a_regions_boundary_is_not_read_by_an_intake_but_still_there_when_asked(world, users, categories):
    """A subdistrict's GeoJSON boundary can be large: the one-statement look-ups leave it out (a deferred field)."""
    square = {"type": "Polygon", "coordinates": [[[121.48, 31.21], [121.49, 31.21], [121.49, 31.22], [121.48, 31.21]]]}
    world.penglai_grid.shape = square
    world.penglai_grid.save(update_fields=["shape"])
    if not sql.fast():
        pytest.skip("the one-statement look-ups run on PostgreSQL only")
    region, category = sql.region_and_category(users["worker"], world.penglai_grid.pk, "repair")
    assert region.pk == world.penglai_grid.pk and category.code == "repair"
    assert "shape" in region.get_deferred_fields()
    assert region.shape == square  # read on demand
