"""The region tree, the units attached to it, users and their memberships (user × region × role).

Scoping rule of the house: every row that belongs to a place carries a region, and every list
goes through ``visible_to(user)`` (see ``org.scoping``).
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

PATH_STEP = 5  # digits per level of the materialised path: "00001.00012.00340."


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    VOLUNTEER = "volunteer", _("志愿者")
    WORKER = "worker", _("居委干部/网格员")
    STAFF = "staff", _("街道工作人员")
    PARTNER = "partner", _("共建单位成员")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("系统管理员")


# Roles that may open individual residents' personal records within their regions. A leader sees
# aggregates only; volunteers and partners see what is assigned to them (each app decides).
PERSONAL_DATA_ROLES = frozenset({Role.WORKER, Role.STAFF, Role.ADMIN})
# Roles that work cases and records for a region (staff pages, back office).
STAFF_ROLES = frozenset({Role.WORKER, Role.STAFF, Role.ADMIN})
# Roles that may read the audit log.
AUDIT_ROLES = frozenset({Role.STAFF, Role.ADMIN})


class RegionQuerySet(models.QuerySet):
    def subtree(self, region: "Region") -> "RegionQuerySet":
        """The region and everything under it."""
        from .scoping import within  # noqa: PLC0415 — a cycle: org.scoping imports these models

        return self.filter(within(region, field=""))

    def of_kind(self, kind: str) -> "RegionQuerySet":
        return self.filter(kind=kind)


class Region(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", _("区")
        SUBDISTRICT = "subdistrict", _("街道")
        NEIGHBOURHOOD = "neighbourhood", _("居委会")
        GRID = "grid", _("网格")

    KIND_DEPTH = {Kind.DISTRICT: 0, Kind.SUBDISTRICT: 1, Kind.NEIGHBOURHOOD: 2, Kind.GRID: 3}

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("层级"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("编码"), max_length=30, blank=True)
    # Materialised path: the parent's path + this row's id, zero-padded. Subtree queries are a
    # single indexed prefix match ("everything in 老西门街道").
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    # The region's outline as a GeoJSON geometry (Polygon or MultiPolygon, longitude/latitude), drawn by the
    # dashboard's map without tiles; loaded with `manage.py load_region_shapes`. Empty: not drawn.
    shape = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="region_unique_name_in_parent",
                violation_error_message=_("同一上级下已有同名辖区。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        creating = self.pk is None
        super().save(*args, **kwargs)
        if creating or not self.path:
            prefix = self.parent.path if self.parent_id else ""
            self.path = f"{prefix}{self.pk:0{PATH_STEP}d}."
            self.depth = self.parent.depth + 1 if self.parent_id else 0
            type(self).objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)

    def ancestors(self) -> "RegionQuerySet":
        ids = [int(part) for part in self.path.split(".") if part]
        return Region.objects.filter(pk__in=ids).order_by("depth")

    def ancestor_of_kind(self, kind: str) -> "Region | None":
        return next((r for r in self.ancestors() if r.kind == kind), None)

    @property
    def full_name(self) -> str:
        return " › ".join(r.name for r in self.ancestors())

    def contains(self, other: "Region") -> bool:
        from .scoping import is_within  # noqa: PLC0415 — a cycle: org.scoping imports these models

        return is_within(other, self)


class Unit(models.Model):
    class Kind(models.TextChoices):
        NEIGHBOURHOOD_COMMITTEE = "committee", _("居委会")
        SUBDISTRICT_OFFICE = "office", _("街道科室")
        PARTNER = "partner", _("共建单位")
        PROPERTY_MANAGER = "property", _("物业")
        HOUSING_OFFICE = "housing", _("房管所")
        SOCIAL_ORG = "social", _("社会组织")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("所属辖区"), on_delete=models.PROTECT, related_name="units")
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="unit_unique_name_in_region",
                violation_error_message=_("该辖区已有同名单位。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def roles(self) -> set[str]:
        """The roles of the user's memberships (a superuser is an administrator too), read once per request."""
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = set(self.memberships.values_list("role", flat=True))
            if self.is_superuser:
                self._roles_cache.add(Role.ADMIN)
        return self._roles_cache

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles() & set(roles))

    @property
    def primary_role(self) -> str | None:
        """The role that decides the home page: the most capable one the user holds."""
        order = [Role.ADMIN, Role.LEADER, Role.STAFF, Role.WORKER, Role.PARTNER, Role.VOLUNTEER, Role.RESIDENT]
        roles = self.roles()
        return next((r for r in order if r in roles), None)


class Membership(models.Model):
    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships")
    region = models.ForeignKey(Region, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )

    class Meta:
        verbose_name = _("成员身份")
        verbose_name_plural = _("成员身份")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "region", "role"],
                name="membership_unique",
                violation_error_message=_("该用户在此辖区已有此角色。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.region} · {self.get_role_display()}"
