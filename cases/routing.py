"""Which unit a need goes to: the category by its code, and the most specific routing rule for a category in a
region (read at every intake, in one statement)."""

import json

from django.db import connection
from django.utils.translation import gettext as _

from lib import db
from notify.contact import contact
from org.models import Membership, Region, Unit, User

from .errors import CaseError
from .models import (
    Category,
    RoutingRule,
)

# the members of a unit, for plain SQL ({unit}: the unit's id, a placeholder or a column)
_MEMBERS = f"SELECT user_id FROM {Membership._meta.db_table} WHERE unit_id = {{unit}}"


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[: i + 1]) + "." for i in range(len(parts))]


def resolve_category(category) -> Category:
    if isinstance(category, Category):
        return category
    code = category or "other"
    try:
        return Category.objects.get(code=code)
    except Category.DoesNotExist:
        raise CaseError(_("没有编码为“%(code)s”的诉求分类。") % {"code": code})


def find_routing_rule(category: Category, region) -> RoutingRule | None:
    """The most specific rule: deepest region containing the case's, exact category before its
    parent before the region default (no category). One statement in plain SQL (every intake asks
    this; building the ORM query cost more than running it), which also brings the main unit, the
    co-units as ``rule.co_unit_names`` [(id, name)] in the units' order, and the main unit's
    contacts as ``rule.unit_contacts`` (as ``_unit_contacts`` gives them)."""
    paths = _ancestor_paths(region.path)
    cats = [category.pk] + ([category.parent_id] if category.parent_id else [])
    rr, unit, region_table = RoutingRule._meta.db_table, Unit._meta.db_table, Region._meta.db_table
    agg, row = (
        ("json_agg", "json_build_array") if connection.vendor == "postgresql" else ("json_group_array", "json_array")
    )
    co_units = (
        f"SELECT {agg}({row}(cu.id, cu.name, cr.path)) FROM {RoutingRule.co_units.through._meta.db_table} c"
        f" JOIN {unit} cu ON cu.id = c.unit_id JOIN {region_table} cr ON cr.id = cu.region_id"
        " WHERE c.routingrule_id = rr.id"
    )
    contacts = (
        f"SELECT {agg}({row}(mu.id, mu.phone, mu.email)) FROM {User._meta.db_table} mu"
        f" WHERE mu.id IN ({_MEMBERS.format(unit='rr.main_unit_id')})"
    )
    sql = (
        f"SELECT {db.columns(RoutingRule, 'rr')}, {db.columns(Unit, 'u')}, ({co_units}), ({contacts}) FROM {rr} rr"
        f" JOIN {region_table} r ON r.id = rr.region_id JOIN {unit} u ON u.id = rr.main_unit_id"
        f" WHERE r.path IN ({', '.join(['%s'] * len(paths))})"
        f" AND (rr.category_id IN ({', '.join(['%s'] * len(cats))}) OR rr.category_id IS NULL)"
        " ORDER BY r.depth DESC, CASE WHEN rr.category_id = %s THEN 0 WHEN rr.category_id IS NULL THEN 2 ELSE 1 END"
        " LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*paths, *cats, category.pk])
        found = cursor.fetchone()
    if found is None:
        return None
    rule, rule.main_unit, lists = db.instances(found, RoutingRule, Unit)
    co_units, contacts = (json.loads(v) if isinstance(v, str) else v or [] for v in lists)
    rule.co_unit_names = [(pk, name) for pk, name, path in sorted(co_units, key=lambda u: (u[2], u[1]))]
    people = sorted(contacts, key=lambda u: u[0])
    rule.unit_contacts = [c for c in (contact(phone, email) for _, phone, email in people) if c]
    return rule
