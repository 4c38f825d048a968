"""Photos on the resident's tracking page (no account). Case photos are private (minhu/files.py); a resident who
has proved the case is theirs (number + phone + SMS code, ``cases.public_views``) gets each thumbnail by a signed
token that names one photo and expires with their one-hour tracking session."""

from django.core import signing
from django.http import Http404
from django.views.decorators.cache import never_cache

from lib.files import send

from .models import Attachment

PHOTO_SALT = "cases.public-photo"
PHOTO_TTL = 3600  # as long as a verified tracking session (public_views.TRACK_TTL)


def photo_token(attachment) -> str:
    return signing.dumps(attachment.pk, salt=PHOTO_SALT, compress=True)


@never_cache
def public_photo(request, token):
    """One photo's thumbnail; a made-up, altered or expired token answers 404."""
    try:
        pk = signing.loads(token, salt=PHOTO_SALT, max_age=PHOTO_TTL)
    except signing.BadSignature:
        raise Http404 from None
    attachment = Attachment.objects.filter(pk=pk).only("thumbnail").first()
    if attachment is None:
        raise Http404
    return send(attachment.thumbnail.name)
