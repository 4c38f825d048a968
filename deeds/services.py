"""State changes of deeds and stories. Views, admin and the demo loader call these.

Story workflow: draft → submitted → approved → published. The approver must be a different member
of staff from the writer and the submitter ("四眼原则"); publishing refuses a story that still holds
an ID or mobile number and one that names residents of the linked cases unless staff confirm their
consent. Status flips are conditional updates on (pk, status, version): two reviewers racing on
one story never both win.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from audit.services import record
from cases.models import Case
from lib import images
from lib.masking import find_personal_numbers, mask_text
from org.actors import Viewer
from org.models import STAFF_ROLES, Region, Unit, User

from . import files
from .models import Deed, DeedPhoto, Story, StoryPhoto
from .sanitize import clean_html, html_to_text

MAX_PHOTO_SIDE = 2000
PHOTO_MAX_BYTES = 10 * 1024 * 1024


def is_editor(user: Viewer | None, region: Region) -> bool:
    """Staff roles (worker, staff, admin) over the region may write deeds and stories."""
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        region.path.startswith(p)
        for p in user.memberships.filter(role__in=list(STAFF_ROLES)).values_list("region__path", flat=True)
    )


def _require_editor(user, region) -> None:
    if not is_editor(user, region):
        raise PermissionDenied


def clean_photo(upload: UploadedFile, *, name: str | None = None) -> SimpleUploadedFile:
    """Re-encode an uploaded photo: proves it is an image, drops EXIF (location, camera owner) and
    caps its size. Raises a Chinese ValidationError for anything that is not a picture."""
    images.check_upload(upload, max_bytes=PHOTO_MAX_BYTES, formats={"JPEG", "PNG", "MPO", "WEBP"})
    try:
        with Image.open(upload) as opened:
            opened.load()
            img = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(_("上传的文件不是可识别的图片（支持 JPEG、PNG）。"))
    img.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    base = os.path.splitext(os.path.basename(name or getattr(upload, "name", "") or "photo"))[0] or "photo"
    return SimpleUploadedFile(f"{base}.jpg", out.getvalue(), content_type="image/jpeg")


# Deeds ------------------------------------------------------------------------------------------


DEED_FIELDS = [
    "title",
    "region",
    "need",
    "work_done",
    "partners",
    "volunteers",
    "started_on",
    "finished_on",
    "beneficiaries_count",
    "beneficiaries_kind",
    "cost",
    "consent_needed",
    "consent_obtained",
    "consent_note",
    "status",
    "verdict",
    "verdict_note",
]


def _check_deed(deed: Deed) -> None:
    if deed.status == Deed.Status.DONE and not deed.finished_on:
        raise ValidationError(_("标记为已完成时请填写完成日期。"))
    if deed.status != Deed.Status.PLANNED and deed.consent_needed and not deed.consent_obtained:
        raise ValidationError(_("该项目需征得居民同意，请先记录征询结果再开始实施。"))
    if deed.verdict and deed.status != Deed.Status.DONE:
        raise ValidationError(_("项目完成后才能记录居民评价。"))
    deed.full_clean(exclude=["created_by"])


@transaction.atomic
def deed_save(
    *,
    deed: Deed | None = None,
    by: User,
    cases: Iterable[Case] | None = None,
    units: Iterable[Unit] | None = None,
    **fields,
) -> Deed:
    """Create (``deed=None``) or update a deed; ``cases`` and ``units`` replace the links."""
    creating = deed is None
    deed = deed or Deed(created_by=by)
    for name, value in fields.items():
        if name not in DEED_FIELDS:
            raise TypeError(name)
        setattr(deed, name, value)
    _require_editor(by, deed.region)
    _check_deed(deed)
    deed.save()
    if cases is not None:
        deed.cases.set(cases)
    if units is not None:
        deed.units.set(units)
    record(
        actor=by,
        action="deeds.deed.create" if creating else "deeds.deed.update",
        obj=deed,
        detail={"status": deed.status},
    )
    return deed


@transaction.atomic
def deed_add_photo(*, deed: Deed, upload: UploadedFile, kind: str, caption: str = "", by: User) -> DeedPhoto:
    _require_editor(by, deed.region)
    cleaned = clean_photo(upload)
    photo = DeedPhoto(deed=deed, kind=kind, caption=caption)
    photo.image.save(cleaned.name, cleaned, save=False)  # type: ignore[arg-type]  # clean_photo names its file
    photo.save()
    record(actor=by, action="deeds.photo.add", obj=deed, detail={"kind": kind})
    return photo


# Stories ----------------------------------------------------------------------------------------


@transaction.atomic
def story_save(*, story: Story | None = None, by: User, **fields: Any) -> Story:
    """Create or edit a story; the body is sanitised on every save. Editing a submitted or
    approved story sends it back to draft (it must be reviewed again); a published one cannot be
    edited until it is withdrawn."""
    creating = story is None
    story = story or Story(created_by=by)
    if story.status == Story.Status.PUBLISHED:
        raise ValidationError(_("已发布的稿件不能直接修改，请先撤回。"))
    for name in (
        "title",
        "summary",
        "body",
        "categories",
        "author_name",
        "deed",
        "region",
        "head_photo",
        "names_confirmed",
    ):
        if name in fields:
            setattr(story, name, fields[name])
    _require_editor(by, story.region)
    story.body = clean_html(story.body)
    deed = story.deed
    if deed is not None and deed.region_id != story.region_id and not story.region.contains(deed.region):
        raise ValidationError(_("宣传稿的发布辖区须包含实事项目所在辖区。"))
    if not creating and story.status != Story.Status.DRAFT:
        story.status, story.approved_by, story.approved_at = Story.Status.DRAFT, None, None
        files.remove_public_copies(story)
    if not creating:
        story.version += 1
    story.full_clean(exclude=["created_by", "head_photo", "deed"])
    story.save()
    record(actor=by, action="deeds.story.create" if creating else "deeds.story.update", obj=story)
    return story


@transaction.atomic
def story_add_photo(
    *, story: Story, upload: UploadedFile, caption: str = "", by: User, as_head: bool = False
) -> StoryPhoto:
    _require_editor(by, story.region)
    cleaned = clean_photo(upload)
    photo = StoryPhoto(story=story, caption=caption)
    photo.image.save(cleaned.name, cleaned, save=False)  # type: ignore[arg-type]  # clean_photo names its file
    photo.save()
    if as_head or story.head_photo_id is None:
        Story.objects.filter(pk=story.pk).update(head_photo=photo)
        story.head_photo = photo
    return photo


def _flip(story: Story, *, frm, to, by, **changes) -> Story:
    """Conditional status change: the loser of a race gets a clear message, never an overwrite."""
    won = Story.objects.filter(pk=story.pk, status=frm, version=story.version).update(
        status=to, version=F("version") + 1, **changes
    )
    if not won:
        raise ValidationError(_("这篇稿件刚刚已被其他人处理，请刷新页面后再试。"))
    story.refresh_from_db()
    record(actor=by, action=f"deeds.story.{to}", obj=story)
    return story


@transaction.atomic
def story_submit(*, story: Story, by: User) -> Story:
    _require_editor(by, story.region)
    if story.status != Story.Status.DRAFT:
        raise ValidationError(_("只有草稿可以提交审核。"))
    if not story.title.strip() or not html_to_text(story.body):
        raise ValidationError(_("请先填写标题和正文。"))
    return _flip(
        story,
        frm=Story.Status.DRAFT,
        to=Story.Status.SUBMITTED,
        by=by,
        submitted_by=by,
        submitted_at=timezone.now(),
        review_note="",
    )


@transaction.atomic
def story_approve(*, story: Story, by: User, note: str = "") -> Story:
    _require_editor(by, story.region)
    if story.status != Story.Status.SUBMITTED:
        raise ValidationError(_("只有待审核的稿件可以审核通过。"))
    if by.pk in {story.created_by_id, story.submitted_by_id}:
        raise ValidationError(_("稿件须由撰写人以外的另一位工作人员审核。"))
    story = _flip(
        story,
        frm=Story.Status.SUBMITTED,
        to=Story.Status.APPROVED,
        by=by,
        approved_by=by,
        approved_at=timezone.now(),
        review_note=note,
    )
    # The reviewed photos get their public copies now; they are served only once it is published.
    files.make_public_copies(story)
    return story


@transaction.atomic
def story_return(*, story: Story, by: User, note: str) -> Story:
    """The reviewer sends the story back to its writer with a note."""
    _require_editor(by, story.region)
    if story.status not in (Story.Status.SUBMITTED, Story.Status.APPROVED):
        raise ValidationError(_("只有待审核或已审核的稿件可以退回。"))
    if not (note or "").strip():
        raise ValidationError(_("请写明退回修改的原因。"))
    story = _flip(
        story,
        frm=story.status,
        to=Story.Status.DRAFT,
        by=by,
        review_note=note.strip(),
        approved_by=None,
        approved_at=None,
    )
    files.remove_public_copies(story)
    return story


def personal_data_problems(story: Story) -> tuple[list[str], list[str]]:
    """(personal numbers still in the text — masked for display, residents' names found).

    Names come from the deed's linked cases: the resident on the case and the reporter's name,
    plus full addresses down to the room. A building-level address (陕西南路582弄11号) is public
    knowledge and allowed.
    """
    text = "\n".join([story.title, story.summary, html_to_text(story.body)])
    numbers = [mask_text(n) for n in find_personal_numbers(text)]
    names: list[str] = []
    if story.deed is not None:
        for case in story.deed.cases.select_related("resident", "address"):
            candidates = [case.reporter_name]
            if case.resident is not None:
                candidates.append(case.resident.name)
            if case.address is not None and case.address.room:
                candidates.append(case.address.text)
            for name in candidates:
                name = (name or "").strip()
                if len(name) >= 2 and name in text and name not in names:
                    names.append(name)
    return numbers, names


@transaction.atomic
def story_publish(*, story: Story, by: User) -> Story:
    """Publish an approved story. Refuses while it holds an ID/mobile number; refuses residents'
    names from the linked cases unless ``names_confirmed`` records their consent."""
    _require_editor(by, story.region)
    if story.status != Story.Status.APPROVED:
        raise ValidationError(_("稿件须经另一位工作人员审核通过后才能发布。"))
    numbers, names = personal_data_problems(story)
    problems = []
    if numbers:
        problems.append(_("文中仍有身份证号或手机号：%(n)s，请删除后再发布。") % {"n": "、".join(numbers)})
    if names and not story.names_confirmed:
        problems.append(
            _("文中出现了相关诉求居民的姓名或门牌：%(n)s。请改为化名，或确认已征得本人同意后再发布。")
            % {"n": "、".join(names)}
        )
    if problems:
        raise ValidationError(problems)
    story = _flip(story, frm=Story.Status.APPROVED, to=Story.Status.PUBLISHED, by=by, published_at=timezone.now())
    # Again at publishing: a head photo added after the review is part of what the public sees.
    files.make_public_copies(story)
    return story


@transaction.atomic
def story_withdraw(*, story: Story, by: User) -> Story:
    _require_editor(by, story.region)
    if story.status != Story.Status.PUBLISHED:
        raise ValidationError(_("只有已发布的稿件可以撤回。"))
    story = _flip(
        story,
        frm=Story.Status.PUBLISHED,
        to=Story.Status.DRAFT,
        by=by,
        published_at=None,
        approved_by=None,
        approved_at=None,
    )
    files.remove_public_copies(story)
    return story
