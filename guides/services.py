"""Every change to guides and to the answers given from them. Views, the import, commands and the demo call these.

Each function is keyword-only, runs in one transaction and writes its audit entry there. Status flips that two
people can race on (saving a draft, submitting, approving) are conditional updates: the loser is told in Chinese
what happened instead of overwriting the other's work.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.services import record as audit
from events.models import Consultation
from notify.models import Message
from notify.services import send
from org.actors import Actor
from org.models import Region, Unit, User

from . import content, selectors
from .models import Guide, GuideRevision

EDITABLE = (GuideRevision.Status.DRAFT, GuideRevision.Status.RETURNED)


def _audit(by, action: str, guide: Guide, **detail) -> None:
    audit(actor=by, action=f"guides.{action}", obj=guide, region=guide.region, detail=detail)


def _check_data(data: dict) -> None:
    if not (data.get("name") or "").strip():
        raise ValidationError(_("请填写事项名称。"))
    if not data.get("topic"):
        raise ValidationError(_("请选择咨询主题。"))


@transaction.atomic
def guide_create(
    *, code: str, region: Region | None, owner: Unit, data: dict, by: User, note: str = ""
) -> GuideRevision:
    """A new guide (草稿) with its first revision. ``region`` None is the whole city."""
    code = slugify(code or "")
    if not code:
        raise ValidationError(_("事项编码只能用小写英文字母、数字和短横线，如 nursing-home-entry。"))
    _check_data(data)
    if not selectors.may_write_at(by, region=region, owner=owner):
        raise PermissionDenied(_("您不能为该单位编写这一级的指南。"))
    try:
        with transaction.atomic():
            guide = Guide.objects.create(
                code=code, region=region, owner=owner, topic_id=data["topic"], name=data["name"].strip()
            )
    except IntegrityError:
        raise ValidationError(_("该辖区已有事项编码为“%(code)s”的指南，请打开它修改。") % {"code": code}) from None
    revision = GuideRevision.objects.create(guide=guide, number=1, data=data, note=note, author=by)
    _audit(by, "guide.create", guide, code=code, revision=1)
    return revision


@transaction.atomic
def override_create(*, guide: Guide, region: Region, owner: Unit, by: User) -> GuideRevision:
    """A local guide replacing an inherited one: same code, the inherited text as its first draft."""
    if guide.region_id == region.pk:
        raise ValidationError(_("这已经是本辖区的指南。"))
    data = content.data_of(guide)
    return guide_create(code=guide.code, region=region, owner=owner, data=data, by=by, note=_("本辖区另行编写"))


@transaction.atomic
def revision_open(*, guide: Guide, by: User) -> GuideRevision:
    """The guide's open revision, or a new draft starting from its published text."""
    if not selectors.may_edit(by, guide):
        raise PermissionDenied(_("只有责任单位的工作人员可以修改这份指南。"))
    current = guide.revisions.open().first()
    if current is not None:
        return current
    Guide.objects.select_for_update().filter(pk=guide.pk).first()  # one new number at a time per guide
    number = (guide.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    try:
        with transaction.atomic():
            revision = GuideRevision.objects.create(guide=guide, number=number, data=content.data_of(guide), author=by)
    except IntegrityError:  # someone opened one meanwhile: continue in theirs
        return guide.revisions.open().get()
    _audit(by, "revision.open", guide, revision=number)
    return revision


@transaction.atomic
def revision_save(*, revision: GuideRevision, data: dict, note: str, lock: int, by: User) -> GuideRevision:
    """Save a draft's text. ``lock`` is the value the form was shown with; a newer save in between wins."""
    if not selectors.may_edit(by, revision.guide):
        raise PermissionDenied(_("只有责任单位的工作人员可以修改这份指南。"))
    _check_data(data)
    saved = GuideRevision.objects.filter(pk=revision.pk, lock=lock, status__in=EDITABLE).update(
        data=data, note=note, lock=lock + 1, author=by, updated_at=timezone.now()
    )
    if not saved:
        raise ValidationError(_("这份修改在您编辑期间已被他人保存或已提交审核，您的内容未保存。请刷新页面后再改。"))
    revision.refresh_from_db()
    _audit(by, "revision.save", revision.guide, revision=revision.number)
    return revision


def _flip(revision: GuideRevision, from_statuses, message: str, **fields) -> GuideRevision:
    if not GuideRevision.objects.filter(pk=revision.pk, status__in=from_statuses).update(**fields):
        raise ValidationError(message)
    revision.refresh_from_db()
    return revision


@transaction.atomic
def revision_submit(*, revision: GuideRevision, by: User) -> GuideRevision:
    """草稿 → 待审核."""
    if not selectors.may_edit(by, revision.guide):
        raise PermissionDenied(_("只有责任单位的工作人员可以提交这份指南。"))
    _check_data(revision.data)
    revision = _flip(
        revision,
        EDITABLE,
        _("这份修改已提交或已处理，无需再次提交。"),
        status=GuideRevision.Status.PENDING,
        submitted_at=timezone.now(),
    )
    _audit(by, "revision.submit", revision.guide, revision=revision.number)
    return revision


@transaction.atomic
def revision_approve(*, revision: GuideRevision, by: User, note: str = "") -> Guide:
    """待审核 → 已发布: the reviewer (another staff member) publishes the revision's text on the guide.

    1. check the reviewer may review and is not the author (the database refuses it too);
    2. flip the revision pending → published with a conditional update (two reviewers: one wins);
    3. copy the text onto the guide, which becomes published at this version.
    """
    if not selectors.may_review(by, revision):
        raise PermissionDenied(_("审核人须是编写人以外、有权审核这份指南的工作人员。"))
    now = timezone.now()
    revision = _flip(
        revision,
        [GuideRevision.Status.PENDING],
        _("这份修改已被审核（或已撤回），请刷新页面。"),
        status=GuideRevision.Status.PUBLISHED,
        reviewer=by,
        reviewed_at=now,
        review_note=note,
    )
    guide = Guide.objects.select_for_update().get(pk=revision.guide_id)
    fields = content.apply(guide, revision.data)
    guide.status, guide.version, guide.published_at = Guide.Status.PUBLISHED, revision.number, now
    guide.save(update_fields=[*fields, "status", "version", "published_at", "updated_at"])
    _audit(by, "revision.approve", guide, revision=revision.number, author=str(revision.author))
    return guide


@transaction.atomic
def revision_return(*, revision: GuideRevision, by: User, note: str) -> GuideRevision:
    """待审核 → 已退回 with the reviewer's reason; the author edits and submits again."""
    if not selectors.may_review(by, revision):
        raise PermissionDenied(_("审核人须是编写人以外、有权审核这份指南的工作人员。"))
    if not (note or "").strip():
        raise ValidationError(_("退回时请写明原因。"))
    revision = _flip(
        revision,
        [GuideRevision.Status.PENDING],
        _("这份修改已被审核（或已撤回），请刷新页面。"),
        status=GuideRevision.Status.RETURNED,
        reviewer=by,
        reviewed_at=timezone.now(),
        review_note=note.strip(),
    )
    _audit(by, "revision.return", revision.guide, revision=revision.number, note=note.strip())
    return revision


@transaction.atomic
def revision_discard(*, revision: GuideRevision, by: User) -> GuideRevision:
    """Withdraw an unpublished revision; the published text stays as it was."""
    if not selectors.may_edit(by, revision.guide):
        raise PermissionDenied(_("只有责任单位的工作人员可以撤回这份修改。"))
    revision = _flip(
        revision, GuideRevision.OPEN_STATUSES, _("这份修改已发布或已撤回。"), status=GuideRevision.Status.SUPERSEDED
    )
    _audit(by, "revision.discard", revision.guide, revision=revision.number)
    return revision


@transaction.atomic
def guide_import(
    *, guide: Guide | None, code: str, region: Region | None, owner: Unit, data: dict, by: User
) -> GuideRevision:
    """One imported row: a new guide, or a new version of ``guide``, submitted for review (待审核) at once."""
    if guide is None:
        revision = guide_create(code=code, region=region, owner=owner, data=data, by=by, note=_("Excel 导入"))
    else:
        revision = revision_open(guide=guide, by=by)
        revision = revision_save(revision=revision, data=data, note=_("Excel 导入"), lock=revision.lock, by=by)
    return revision_submit(revision=revision, by=by)


@transaction.atomic
def guide_retire(*, guide: Guide, by: User) -> Guide:
    """Stop showing a published guide (the matter ended); its history stays."""
    if not selectors.may_edit(by, guide):
        raise PermissionDenied(_("只有责任单位的工作人员可以停用这份指南。"))
    if not Guide.objects.filter(pk=guide.pk, status=Guide.Status.PUBLISHED).update(
        status=Guide.Status.RETIRED, updated_at=timezone.now()
    ):
        raise ValidationError(_("只有已发布的指南可以停用。"))
    guide.refresh_from_db()
    _audit(by, "guide.retire", guide)
    return guide


# Answers at the desk ------------------------------------------------------------------------------------------
def short_url(*, region: Region, guide: Guide) -> str:
    """The link a resident gets: the subdistrict's public page of the matter (a local override, if any)."""
    path = reverse("guides_public:guide", args=[region.pk, guide.code])
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic(savepoint=False)
def guide_send(*, guide: Guide, region: Region, to: str, by: Actor, related: Model | None = None) -> Message:
    """Queue an SMS with the guide's name, link and phone (notify.services.send; delivered after commit)."""
    body = _("【民呼】您咨询的“%(name)s”办事指南：%(url)s 咨询电话：%(phone)s") % {
        "name": guide.name,
        "url": short_url(region=region, guide=guide),
        "phone": guide.phone or "12345",
    }
    message = send(to=to, body=body, purpose="guides.link", related=related or guide)
    _audit(by, "guide.send", guide, channel="sms")
    return message


@transaction.atomic
def answer_mark(*, consultation: Consultation, guide: Guide | None, by: Actor, send_to: str = "") -> Consultation:
    """Record which guide answered a consultation (None: no guide did). With ``send_to`` (the resident's phone)
    the guide's link goes out by SMS in the same transaction."""
    if guide is not None and guide.status != Guide.Status.PUBLISHED:
        raise ValidationError(_("只能标记已发布的指南。"))
    Consultation.objects.filter(pk=consultation.pk).update(guide=guide)
    consultation.guide = guide
    audit(
        actor=by,
        action="guides.answer.mark",
        obj=consultation,
        region=consultation.event.region,
        detail={"guide": guide.code if guide else None},
    )
    if guide is not None and send_to:
        guide_send(guide=guide, region=consultation.event.region, to=send_to, by=by, related=consultation)
    return consultation
