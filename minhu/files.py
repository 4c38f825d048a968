"""The one door for uploaded files: ``/media/<stored name>``.

Every upload is private. The stored name tells which kind of object owns the file; the owner is
looked up by that name and the viewer must pass the owner's own access helper (out of scope answers
404, exactly like a missing file, as everywhere in Minhu). Only then does ``lib.files.send`` hand the
bytes over — through nginx's internal location in production (``MINHU_ACCEL_REDIRECT``), streamed
by Django in the demo.

- ``cases/`` (photos; thumbnails under ``…/thumbs/``) belong to a ``cases.Attachment``: staff and
  partners who may see the case (``get_case_for_user``). Each full-size photo served writes one
  view entry in the audit log; thumbnails are covered by the case page's own entry.
- ``deeds/`` (``deeds.DeedPhoto``) and ``stories/`` (``deeds.StoryPhoto``): staff and leaders who
  may see the deed or story.
- ``public/stories/<id>/``: the copies made when a story is approved (``deeds.files``), to anyone,
  only while that story is published.
- ``imports/`` and anything else: nobody (an import sheet is deleted when its job ends).

Residents following their own case see its photos through ``cases.public_photos.public_photo``
(a signed, short-lived token), not through this door.
"""

from django.db.models import Q
from django.http import Http404

from audit.models import AuditEntry
from audit.services import record
from cases.models import Attachment, Case
from cases.selectors import get_case_for_user
from deeds.files import parse_public_name
from deeds.models import DeedPhoto, Story, StoryPhoto
from deeds.views import READERS, get_deed_for_user, get_story_for_user
from lib.files import safe_name, send
from org.access import holds_role


def _case_file(request, name: str):
    # cases_attachment image/thumbnail indexes serve this lookup
    attachment = Attachment.objects.filter(Q(image=name) | Q(thumbnail=name)).first()
    if attachment is None:
        raise Http404
    if name != attachment.image.name:
        # A thumbnail (several on every case page): the case's own scoping rule, as one EXISTS query.
        if not Case.objects.visible_to(request.user).filter(pk=attachment.case_id).exists():
            raise Http404
        return send(name)
    case = get_case_for_user(request.user, attachment.case_id)
    record(
        actor=request.user,
        action="cases.attachment.view",
        kind=AuditEntry.Kind.VIEW,
        obj=attachment,
        region=case.region,
        detail={"诉求": case.number},
        request=request,
    )
    return send(name)


def _photo_of(request, name: str, model, owner: str, get_owner_for_user):
    """A deed's or a story's photo: to readers who may see the deed or story it belongs to."""
    if not holds_role(request.user, *READERS):
        raise Http404
    photo = model.objects.filter(image=name).first()
    if photo is None:
        raise Http404
    get_owner_for_user(request.user, getattr(photo, f"{owner}_id"))
    return send(name)


def _deed_photo(request, name: str):
    return _photo_of(request, name, DeedPhoto, "deed", get_deed_for_user)


def _story_photo(request, name: str):
    return _photo_of(request, name, StoryPhoto, "story", get_story_for_user)


def _public_story_copy(request, name: str):
    parsed = parse_public_name(name)
    if parsed is None or not Story.objects.published().filter(pk=parsed[0]).exists():
        raise Http404
    return send(name, public=True)


OWNERS = {
    "cases": _case_file,
    "deeds": _deed_photo,
    "stories": _story_photo,
    "public": _public_story_copy,
}


def media(request, name: str):
    """``/media/<name>``: the owner's access check, then the file; 404 for anything else."""
    safe = safe_name(name)
    if safe is None:
        raise Http404
    owner = OWNERS.get(safe.split("/", 1)[0])
    if owner is None:
        raise Http404
    return owner(request, safe)
