"""Checks every uploaded picture passes before any of it is decoded (Pillow).

Opening an image reads only its header; decoding it allocates width × height × 4 bytes. A 17 KB PNG can declare
12000 × 12000 pixels (about 800 MB decoded), a 48 KB one 20000 × 20000 (Pillow then raises its own
DecompressionBombError, which used to end as a 500). So the file's size, its declared pixel count and its format
are checked from the header first, and the caller decodes only what passed. Callers: case photos (public form,
staff intake, Open311 ``media`` — ``cases.attachments``) and deed and story photos (``deeds.services``).
"""

import warnings
from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_PDF_IMAGE_BYTES = 20 * 1024 * 1024  # pictures put into PDFs (lib.pdf) are already stored copies
MAX_PIXELS = 40_000_000  # a 50-megapixel phone's full-size photo is refused; 8000 × 5000 passes
# Pillow's own guard (warning above, error at twice this) stays above ours as the backstop for any other caller.
Image.MAX_IMAGE_PIXELS = max(Image.MAX_IMAGE_PIXELS or 0, MAX_PIXELS)


def check_upload(upload: File, *, max_bytes: int, formats: Collection[str], max_pixels: int = MAX_PIXELS) -> str:
    """Raise a Chinese ValidationError unless ``upload`` is an image of one of ``formats`` (Pillow's names),
    at most ``max_bytes`` long and ``max_pixels`` large; return its format. Decodes nothing; leaves the file at 0."""
    name = getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("照片“%(name)s”太大（%(mb).1f MB），请选择 %(max)d MB 以内的照片。")
            % {"name": name, "mb": size / 1024 / 1024, "max": max_bytes // (1024 * 1024)}
        )
    not_an_image = ValidationError(
        _("“%(name)s”不是可识别的图片，请上传 JPG、PNG 或 WebP 格式的照片。") % {"name": name}
    )
    too_large = ValidationError(
        _("照片“%(name)s”的像素太多，请缩小到 %(mp)d 百万像素以内再上传。")
        % {"name": name, "mp": max_pixels // 1_000_000}
    )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:  # reads the header only
                fmt, (width, height) = probe.format, probe.size
                if width <= 0 or height <= 0:
                    raise not_an_image
                if width * height > max_pixels:
                    raise too_large
                probe.verify()  # chunk structure and checksums, without decoding the pixels
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
        raise not_an_image from None
    finally:
        upload.seek(0)
    if fmt is None or fmt not in formats:
        raise ValidationError(
            _("“%(name)s”的格式（%(fmt)s）不支持，请上传 JPG、PNG 或 WebP 格式的照片。") % {"name": name, "fmt": fmt}
        )
    return fmt
