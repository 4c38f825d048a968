"""Residents, households, addresses and tags.

Personal identifiers never sit in clear in the database: see ``lib.crypto``. Opening a full record
writes the audit log (``people.services.resident_reveal``).
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib import crypto, idcard
from lib import phone as phones
from lib.masking import mask_id_number, mask_phone
from org.scoping import RegionScopedQuerySet


class Address(models.Model):
    """A dwelling: 陕西南路 582 弄 11 号 201 室, placed in a grid (or neighbourhood) region."""

    region = models.ForeignKey(
        "org.Region", verbose_name=_("所属网格/居委"), on_delete=models.PROTECT, related_name="addresses"
    )
    road = models.CharField(_("路"), max_length=50)
    lane = models.CharField(_("弄"), max_length=20, blank=True)
    number = models.CharField(_("号"), max_length=20, blank=True)
    room = models.CharField(_("室"), max_length=20, blank=True)
    # Coordinates for meal routes and "nearby" matching (WGS-84); filled by staff or import, never
    # fetched from a map service at run time.
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("地址")
        verbose_name_plural = _("地址")
        constraints = [
            models.UniqueConstraint(
                fields=["road", "lane", "number", "room"],
                name="address_unique",
                violation_error_message=_("该地址已存在。"),
            ),
        ]
        indexes = [
            # "same building" look-ups for duplicate cases and visits: road + lane + number
            models.Index(fields=["road", "lane", "number"], name="address_building_idx"),
            # the nearest known address to a map point (Open311 intake): a range on latitude, then longitude
            models.Index(fields=["latitude", "longitude"], name="address_point_idx"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def building(self) -> str:
        return f"{self.road}{self.lane and self.lane + '弄'}{self.number and self.number + '号'}"

    @property
    def text(self) -> str:
        return f"{self.building}{self.room and self.room + '室'}"


class Tag(models.Model):
    """独居, 孤寡, 空巢, 残疾, 低保, 失能 … (editable list)."""

    name = models.CharField(_("名称"), max_length=20, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HouseholdQuerySet(RegionScopedQuerySet):
    pass


class Household(models.Model):
    region = models.ForeignKey(
        "org.Region", verbose_name=_("所属网格/居委"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.ForeignKey(Address, verbose_name=_("住址"), on_delete=models.PROTECT, related_name="households")
    name = models.CharField(_("户名"), max_length=50, blank=True)  # usually the householder's name
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["address__road", "address__lane", "address__number", "address__room"]

    def __str__(self) -> str:
        return f"{self.name}户（{self.address.text}）" if self.name else str(self.address)


def registry_of(region) -> str:
    """The register an ID number is unique in: the path of the neighbourhood (居委会) the region lies in.

    One neighbourhood holds a person once; two neighbourhoods may each hold them (someone who moved keeps an old
    record until its committee closes it). So a new resident with a number registered elsewhere is accepted exactly
    as one with a new number: "已有相同身份证号" only ever points at a record the writer may see."""
    path = region if isinstance(region, str) else region.path
    return ".".join([p for p in path.split(".") if p][:3]) + "."


class ResidentQuerySet(RegionScopedQuerySet):
    def by_id_number(self, number: str) -> "ResidentQuerySet":
        return self.filter(id_number_hash=crypto.lookup_hash(idcard.normalize(number)))

    def search(self, text: str) -> "ResidentQuerySet":
        """Name fragment, full ID number, full phone, or address text."""
        text = (text or "").strip()
        if not text:
            return self
        if idcard.is_valid(text):
            return self.by_id_number(text)
        if phones.is_valid(text, landline=True):
            return self.filter(phone_hash=crypto.lookup_hash(phones.normalize(text)))
        return self.filter(models.Q(name__contains=text) | models.Q(household__address__road__contains=text))


class Resident(models.Model):
    class Gender(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")
        UNKNOWN = "", _("未知")

    class Relation(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        GRANDCHILD = "grandchild", _("孙辈")
        OTHER = "other", _("其他")

    region = models.ForeignKey(
        "org.Region", verbose_name=_("所属网格/居委"), on_delete=models.PROTECT, related_name="residents"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("户"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # ID number: ciphertext, keyed digest for look-ups and uniqueness, masked form for lists.
    id_number_encrypted = models.TextField(editable=False, blank=True)
    id_number_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False, blank=True)
    # registry_of(region), kept by save(): the scope of the ID number's uniqueness
    registry = models.CharField(max_length=255, editable=False, blank=True, default="", db_default="")
    phone_encrypted = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    phone_masked = models.CharField(_("手机"), max_length=20, editable=False, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="residents")
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "id_number_hash"],
                condition=~models.Q(id_number_hash=""),
                name="resident_unique_id_number_in_registry",
                violation_error_message=_("已有相同身份证号的居民。"),
            ),
        ]
        indexes = [
            # resident list: a neighbourhood's residents by name
            models.Index(fields=["region", "name"], name="resident_region_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, update_fields=None, **kwargs):
        self.registry = registry_of(self.region)
        if update_fields is not None and "region" in update_fields:
            update_fields = {*update_fields, "registry"}
        super().save(*args, update_fields=update_fields, **kwargs)

    # Identifiers -----------------------------------------------------------------------------
    def set_id_number(self, number: str) -> None:
        """Validate (GB 11643) and store an ID number; derives birth date and gender."""
        number = idcard.validate(number) if number else ""
        self.id_number_encrypted = crypto.encrypt(number)
        self.id_number_hash = crypto.lookup_hash(number)
        self.id_number_masked = mask_id_number(number) if number else ""
        if number:
            self.birth_date = idcard.birth_date(number)
            self.gender = idcard.gender(number)

    def set_phone(self, phone: str) -> None:
        phone = phones.normalize(phone)
        self.phone_encrypted = crypto.encrypt(phone)
        self.phone_hash = crypto.lookup_hash(phone)
        self.phone_masked = mask_phone(phone) if phone else ""

    @property
    def id_number(self) -> str:
        """Full number. Callers showing it to a person must go through people.services.resident_reveal."""
        return crypto.decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    def age(self, today: datetime.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        today = today or datetime.date.today()
        return (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )


class ImportJob(models.Model):
    """One spreadsheet upload processed in the task queue (residents here; renewal's certificates too).

    ``kind`` names an importer in ``people.importers`` (a registry other apps add to from their own
    ``importers.py``). The page polls ``status``/``done``/``total`` while the worker runs.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        VALIDATING = "validating", _("正在检查")
        WRITING = "writing", _("正在写入")
        DONE = "done", _("导入成功")
        FAILED = "failed", _("未导入")

    kind = models.CharField(_("类型"), max_length=40)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    # [{"row": 12, "column": "身份证号", "message": "身份证号校验位不正确"}]; a file-level error has row None
    errors = models.JSONField(_("错误"), default=list, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)  # e.g. {"居民": 120, "户": 48}
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The region the upload was made for: rows may only land inside it (and the job is visible there).
    region = models.ForeignKey("org.Region", verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+")
    # Which object the import belongs to (a renewal project id, ...), interpreted by the importer.
    target_id = models.PositiveIntegerField(_("目标对象"), null=True, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The worker running the job writes this every HEARTBEAT seconds (people.imports.heartbeat): a running job
    # whose heartbeat stopped is shown as interrupted (中断) and may be run again.
    heartbeat_at = models.DateTimeField(_("心跳时间"), null=True, blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")),
                name="importjob_done_not_above_total",
                violation_error_message=_("已处理行数不能超过总行数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename or self.kind} · {self.get_status_display()}"

    # A running job's heartbeat every 15 s; after this long without one its worker is taken for dead.
    STALE_AFTER = datetime.timedelta(seconds=90)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_interrupted(self) -> bool:
        """Its worker died (or its task was lost): not finished, and no heartbeat for STALE_AFTER."""
        if self.is_finished:
            return False
        last = self.heartbeat_at or self.created_at
        return last is not None and timezone.now() - last > self.STALE_AFTER

    @property
    def status_label(self) -> str:
        return str(_("中断")) if self.is_interrupted else self.get_status_display()

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
