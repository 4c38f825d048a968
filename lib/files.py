"""Handing a stored upload to the browser once a view has decided the viewer may have it.

Who relies on this: the file front door (``minhu.files``) and the resident tracking page's photos
(``cases.public_views``). No upload is ever served from an open ``/media/`` location: a view checks
the viewer's scope first, then calls ``send``.

In production (``MINHU_ACCEL_REDIRECT=/protected/``) the answer is empty with an
``X-Accel-Redirect`` header, and nginx sends the bytes from its ``internal`` location
(docs/operations.md, "Media storage"): app workers are not tied up streaming photos. Without the
setting (the demo, tests) the file is streamed by Django (``FileResponse``).
"""

import mimetypes
import posixpath
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase

# What may be shown in the browser; anything else is sent as a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp"}


def safe_name(name: str) -> str | None:
    """A storage name as a URL gave it, or None when it tries to leave the media folder."""
    name = (name or "").replace("\\", "/")
    if not name or name.startswith("/") or "\x00" in name:
        return None
    normal = posixpath.normpath(name)
    if normal != name or normal.startswith("..") or "/../" in f"/{normal}/":
        return None
    return normal


def send(name: str | None, *, public: bool = False, storage=default_storage) -> HttpResponseBase:
    """The response that delivers the stored file ``name`` (404 when it is gone).

    ``public``: a copy anyone may see (a published story's photo) may be cached by browsers and
    proxies; everything else is ``private, no-store``.
    """
    if not name or not storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    accel = getattr(settings, "MINHU_ACCEL_REDIRECT", "")
    response: HttpResponseBase
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(name)
    else:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    if content_type in INLINE_TYPES:
        response["Content-Disposition"] = "inline"
    else:
        response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
