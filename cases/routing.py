"""Which unit a need goes to: the category by its code, and the most specific routing rule for a category in a
region (read at every intake: one statement on PostgreSQL, ``cases.sql.routing_rule``; the ORM elsewhere)."""

from django.db import models
from django.utils.translation import gettext as _

from notify.contact import contact
from org.models import Membership, User

from . import sql
from .errors import CaseError
from .models import Category, RoutingRule


def ancestor_paths(path: str) -> list[str]:
    """The materialised paths of a region and of every region above it."""
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[: i + 1]) + "." for i in range(len(parts))]


def unit_contacts(unit_id) -> list[str]:
    """The phone (or e-mail) of each member of the unit who has one, each person once, in the members' order."""
    members = Membership.objects.filter(unit_id=unit_id).values("user_id")
    rows = User.objects.filter(id__in=members).order_by("id").values_list("phone", "email")
    return [c for c in (contact(phone, email) for phone, email in rows) if c]


def resolve_category(category) -> Category:
    if isinstance(category, Category):
        return category
    code = category or "other"
    try:
        return Category.objects.get(code=code)
    except Category.DoesNotExist:
        raise CaseError(_("没有编码为“%(code)s”的诉求分类。") % {"code": code})


def find_routing_rule(category: Category, region) -> RoutingRule | None:
    """The most specific rule: deepest region containing the case's, exact category before its parent before the
    region default (no category). The rule brings its main unit, the co-units as ``rule.co_unit_names``
    [(id, name)] in the units' order (region path, then name), and the main unit's contacts as
    ``rule.unit_contacts`` (as ``unit_contacts`` gives them)."""
    paths = ancestor_paths(region.path)
    cats = [category.pk] + ([category.parent_id] if category.parent_id else [])
    if sql.fast():
        return sql.routing_rule(paths=paths, categories=cats)
    rule = (
        RoutingRule.objects.filter(region__path__in=paths)
        .filter(models.Q(category_id__in=cats) | models.Q(category__isnull=True))
        .select_related("main_unit")
        .order_by(
            models.F("region__depth").desc(),
            models.Case(
                models.When(category_id=category.pk, then=0), models.When(category__isnull=True, then=2), default=1
            ),
        )
        .first()
    )
    if rule is None:
        return None
    rule.co_unit_names = list(rule.co_units.order_by("region__path", "name").values_list("id", "name"))
    rule.unit_contacts = unit_contacts(rule.main_unit_id)
    return rule
