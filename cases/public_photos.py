"""Photos on the resident's tracking page (no account). Case photos are private (minhu/files.py); a resident who
has proved the case is theirs (number + phone + SMS code, ``cases.public_views``) gets each picture by a signed
token that names one file and expires with their one-hour tracking session.

``photo_url`` gives the address of an attachment's thumbnail or full-size photo, or of a photo of a practical deed
(实事项目) the case is part of; only the page that has just checked the resident's session should call it.
"""

from django.core import signing
from django.http import Http404
from django.urls import reverse
from django.views.decorators.cache import never_cache

from deeds.models import DeedPhoto
from lib.files import send

from .models import Attachment

PHOTO_SALT = "cases.public-photo"
PHOTO_TTL = 3600  # as long as a verified tracking session (public_views.TRACK_TTL)
THUMBNAIL, IMAGE, DEED_PHOTO = "t", "i", "d"


def photo_token(photo, size: str = THUMBNAIL) -> str:
    """A token for an ``Attachment`` (``size`` THUMBNAIL or IMAGE) or a ``deeds.DeedPhoto``."""
    kind = size if isinstance(photo, Attachment) else DEED_PHOTO
    return signing.dumps([kind, photo.pk], salt=PHOTO_SALT, compress=True)


def photo_url(photo, size: str = THUMBNAIL) -> str:
    return reverse("cases:public_photo", args=[photo_token(photo, size)])


def _stored_name(kind: str, pk: int) -> str | None:  # None or "": no file (send answers 404)
    if kind in (THUMBNAIL, IMAGE):
        attachment = Attachment.objects.filter(pk=pk).only("image", "thumbnail").first()
        if attachment is not None:
            return (attachment.thumbnail if kind == THUMBNAIL else attachment.image).name
    elif kind == DEED_PHOTO:
        photo = DeedPhoto.objects.filter(pk=pk).only("image").first()
        if photo is not None:
            return photo.image.name
    raise Http404


@never_cache
def public_photo(request, token):
    """One picture; a made-up, altered or expired token answers 404."""
    try:
        kind, pk = signing.loads(token, salt=PHOTO_SALT, max_age=PHOTO_TTL)
    except (signing.BadSignature, TypeError, ValueError):
        raise Http404 from None
    return send(_stored_name(kind, pk))
