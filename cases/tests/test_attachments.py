"""Photos: type and size checked, thumbnails made, EXIF (GPS included) stripped from the stored copy."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import attachments
from cases.actions.base import attachment_add
from cases.actions.workflow import case_resolve


def photo_with_gps():
    img = Image.new("RGB", (3000, 2000), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (31.0, 13.0, 30.0), 3: "E", 4: (121.0, 28.0, 12.0)}
    exif[attachments.GPS_IFD] = gps
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", buf.getvalue(), content_type="image/jpeg")


def test_stored_photo_has_no_exif_but_staff_keep_the_location(make_case, users):
    case = make_case()
    att = attachment_add(case=case, file=photo_with_gps(), by=users["worker"])
    assert float(att.gps_latitude) == pytest.approx(31.225, abs=1e-3)
    assert float(att.gps_longitude) == pytest.approx(121.47, abs=1e-3)
    with Image.open(att.image.path) as stored:
        assert not stored.getexif()
        assert max(stored.size) == attachments.MAX_SIDE
    with Image.open(att.thumbnail.path) as thumb:
        assert max(thumb.size) <= attachments.THUMB_SIDE
    assert "IMG_0001" not in att.image.name


def test_too_large_and_wrong_type_are_refused():
    big = SimpleUploadedFile("big.jpg", b"x", content_type="image/jpeg")
    big.size = attachments.MAX_BYTES + 1
    with pytest.raises(ValidationError, match="太大"):
        attachments.check_image(big)
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, format="GIF")
    with pytest.raises(ValidationError, match="格式"):
        attachments.check_image(SimpleUploadedFile("a.gif", buf.getvalue()))


def test_png_with_transparency_is_kept_as_png(make_case):
    buf = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(buf, format="PNG")
    att = attachment_add(case=make_case(), file=SimpleUploadedFile("a.png", buf.getvalue()))
    assert att.image.name.endswith(".png")


def test_resolution_with_before_and_after_photos(make_case, users, routed):
    case = make_case()
    case_resolve(
        case=case, by=users["worker"], note="已修复", before_photos=[photo_with_gps()], after_photos=[photo_with_gps()]
    )
    assert sorted(case.attachments.values_list("kind", flat=True)) == ["after", "before"]
