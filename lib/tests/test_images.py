"""Uploads are judged from their header: too many pixels is refused before anything is decoded."""

import io
import time
import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from lib import images

from .pngs import declared_png

FORMATS = {"JPEG", "PNG", "WEBP"}


def upload(data: bytes, name="photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.mark.parametrize("side", [12000, 20000])
def test_a_small_file_declaring_a_huge_picture_is_refused_without_decoding(side):
    bomb = declared_png(side, side)
    assert len(bomb) < 64 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ValidationError) as refused:
        images.check_upload(upload(bomb), max_bytes=10 * 1024 * 1024, formats=FORMATS)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "像素太多" in refused.value.messages[0]
    assert peak < 20 * 1024 * 1024 and time.perf_counter() - started < 5


def test_an_ordinary_photo_passes_and_is_left_at_its_start():
    buf = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 20, 30)).save(buf, format="JPEG")
    photo = upload(buf.getvalue(), "photo.jpg")
    assert images.check_upload(photo, max_bytes=10 * 1024 * 1024, formats=FORMATS) == "JPEG"
    assert photo.tell() == 0


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "不是可识别的图片"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "不是可识别的图片"),
        (declared_png(10, 10)[:40], "不是可识别的图片"),
        (b"GIF89a" + b"\x00" * 40, "不是可识别的图片"),
    ],
)
def test_broken_or_truncated_files_get_a_chinese_message(data, message):
    with pytest.raises(ValidationError) as refused:
        images.check_upload(upload(data), max_bytes=10 * 1024 * 1024, formats=FORMATS)
    assert message in refused.value.messages[0]


def test_too_many_bytes_is_refused_before_opening():
    with pytest.raises(ValidationError) as refused:
        images.check_upload(upload(b"x" * 2048), max_bytes=1024, formats=FORMATS)
    assert "太大" in refused.value.messages[0]
