"""Photo checks for case attachments (Pillow).

An upload must be a real JPEG, PNG or WebP image under ``MAX_BYTES``. What is stored is a re-encoded
copy without any metadata (EXIF, GPS, XMP), so media can be served directly to anyone; the GPS
position the photo carried, if any, is kept in the Attachment row for staff.
"""

import io
import uuid
from decimal import Decimal

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from lib import images

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2560  # stored images are scaled down to this
THUMB_SIDE = 320
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "MPO": "jpg"}
GPS_IFD = 0x8825


def _gps_decimal(values, ref) -> Decimal | None:
    try:
        deg, minutes, seconds = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = deg + minutes / 60 + seconds / 3600
    if ref in ("S", "W"):
        value = -value
    return Decimal(f"{value:.6f}")


def read_gps(image: Image.Image) -> tuple[Decimal | None, Decimal | None]:
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:  # malformed EXIF: no position, the photo itself is still fine
        return None, None
    if not gps or 2 not in gps or 4 not in gps:
        return None, None
    return _gps_decimal(gps.get(2), gps.get(1)), _gps_decimal(gps.get(4), gps.get(3))


def check_image(upload) -> None:
    """Raise ValidationError (Chinese) unless ``upload`` is an allowed image of allowed size and pixel count,
    judged from its header before anything is decoded (lib.images)."""
    images.check_upload(upload, max_bytes=MAX_BYTES, formats=ALLOWED_FORMATS)


def process(upload) -> dict:
    """Check, strip metadata, scale, and make a thumbnail. Returns fields for an Attachment."""
    check_image(upload)
    with Image.open(upload) as opened:
        fmt = opened.format
        latitude, longitude = read_gps(opened)
        img: Image.Image = ImageOps.exif_transpose(opened)  # keep the photo upright once orientation EXIF is gone
        ext = ALLOWED_FORMATS[fmt]  # type: ignore[index]  # check_image let only these formats through
        save_fmt = "JPEG" if ext == "jpg" else fmt
        if img.mode not in ("RGB", "RGBA", "L"):
            img = img.convert("RGBA" if ("A" in img.mode or img.mode == "P") else "RGB")
        if save_fmt == "JPEG" and img.mode == "RGBA":
            img = img.convert("RGB")
        img.thumbnail((MAX_SIDE, MAX_SIDE))
        # A fresh image carries no info dict: nothing of the upload's EXIF/XMP survives the save.
        clean = Image.new(img.mode, img.size)
        clean.paste(img)
        out = io.BytesIO()
        clean.save(out, format=save_fmt, **({"quality": 85} if save_fmt == "JPEG" else {}))
        thumb = clean.copy()
        thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
        if thumb.mode not in ("RGB", "L"):
            thumb = thumb.convert("RGB")
        tout = io.BytesIO()
        thumb.save(tout, format="JPEG", quality=80)
    stem = uuid.uuid4().hex  # never the uploader's file name in a public URL
    return {
        "image": ContentFile(out.getvalue(), name=f"{stem}.{ext}"),
        "thumbnail": ContentFile(tout.getvalue(), name=f"{stem}_thumb.jpg"),
        "original_name": (getattr(upload, "name", "") or "")[:200],
        "size": len(out.getvalue()),
        "gps_latitude": latitude,
        "gps_longitude": longitude,
    }
