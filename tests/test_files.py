"""Uploaded files leave only by the front door (minhu/files.py): persona × file matrix for a case photo, the
proxy hand-off in production, import sheets never served, residents' photos by token, and stories' public
copies. Out of scope answers 404 exactly like a missing file.
"""

import io
import pathlib
import re
import time

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from audit.models import AuditEntry
from cases import public_photos, public_views
from cases.actions.intake import case_create
from deeds import services as deed_services

ROOT = pathlib.Path(__file__).resolve().parent.parent

# persona -> whether they get the photo of a case in 蓬莱路第一网格 (老西门街道, 黄浦区)
GETS_CASE_PHOTO = {
    "worker": True,  # 蓬莱路居委
    "staff": True,  # 老西门街道
    "admin": True,  # 黄浦区
    "worker_wenmiao": False,  # the other neighbourhood of the same subdistrict
    "worker_tianping": False,
    "staff_tianping": False,
    "leader": False,  # figures, not residents' photos
    "partner": False,  # a partner unit of 老西门街道 the case was not assigned to
    "volunteer": False,
    "resident": False,
    "nobody": False,
}


def jpeg(name="photo.jpg", colour=(200, 120, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def case(world, users, shipped_data):
    return case_create(
        title="楼道灯坏了",
        description="蓬莱路 100 弄 3 号楼道灯不亮。",
        region=world.penglai_grid,
        channel="web",
        category="repair",
        reporter_name="张阿姨",
        reporter_phone="13812345678",
        photos=[jpeg()],
    )[0]


@pytest.mark.parametrize("persona", sorted(GETS_CASE_PHOTO))
def test_case_photo_only_to_those_who_may_see_the_case(persona, case, users, client_for):
    attachment = case.attachments.get()
    client = client_for(users[persona])
    image = client.get("/" + "media/" + attachment.image.name)
    thumb = client.get(attachment.thumbnail.url)
    if GETS_CASE_PHOTO[persona]:
        assert (image.status_code, thumb.status_code) == (200, 200)
        assert body(image)[:2] == b"\xff\xd8" and image["Content-Type"] == "image/jpeg"
        assert image["Cache-Control"] == "private, no-store"
        # one view entry for the full-size photo, none for the thumbnail
        entries = AuditEntry.objects.filter(action="cases.attachment.view", actor=users[persona])
        assert [(e.kind, e.object_id, e.region_id) for e in entries] == [
            (AuditEntry.Kind.VIEW, str(attachment.pk), case.region_id)
        ]
    else:
        assert (image.status_code, thumb.status_code) == (404, 404)
        assert not AuditEntry.objects.filter(action="cases.attachment.view").exists()


def test_case_photo_is_not_served_without_a_login(case, client):
    attachment = case.attachments.get()
    assert client.get(attachment.image.url).status_code == 404
    assert client.get(attachment.thumbnail.url).status_code == 404


def test_production_hands_the_file_to_the_proxy(case, users, client_for, settings):
    settings.MINHU_ACCEL_REDIRECT = "/protected/"
    attachment = case.attachments.get()
    response = client_for(users["worker"]).get(attachment.image.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected/" + attachment.image.name
    assert response.content == b""  # nginx sends the bytes
    assert client_for(users["worker_tianping"]).get(attachment.image.url).status_code == 404


def test_import_sheets_and_unknown_folders_are_never_served(world, users, client_for):
    default_storage.save("imports/2026/12/居民.xlsx", ContentFile(b"PK full ID numbers"))
    default_storage.save("other/secret.txt", ContentFile(b"secret"))
    admin = client_for(users["admin"])
    for path in ["imports/2026/12/居民.xlsx", "other/secret.txt", "cases/../imports/2026/12/居民.xlsx"]:
        assert admin.get("/media/" + path).status_code == 404


def test_tracking_page_shows_photos_through_a_token(case, client, settings):
    session = client.session
    session[public_views.SESSION_KEY] = {str(case.pk): 9e12}
    session.save()
    page = client.get(reverse("cases:public_case"), {"number": case.number}).content.decode()
    assert "/media/" not in page
    [src] = re.findall(r'src="(/cases/public/photo/[^"]+)"', page)
    response = client.get(src)
    assert response.status_code == 200 and body(response)[:2] == b"\xff\xd8"
    # a made-up or altered token gets nothing
    attachment = case.attachments.get()
    assert client.get(reverse("cases:public_photo", args=[str(attachment.pk)])).status_code == 404
    assert client.get(src[:-3] + "AAA/").status_code == 404


def test_tracking_photo_token_expires_with_the_tracking_session(case, monkeypatch):
    attachment = case.attachments.get()
    fresh = public_photos.photo_token(attachment)
    assert Client().get(reverse("cases:public_photo", args=[fresh])).status_code == 200
    issued = int(time.time()) - public_photos.PHOTO_TTL - 1  # a token given out over an hour ago
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(issued))
    stale = public_photos.photo_token(attachment)
    monkeypatch.undo()
    assert Client().get(reverse("cases:public_photo", args=[stale])).status_code == 404


def test_tracking_tokens_name_one_file_each(case, world, users):
    from deeds import services as deeds_services

    attachment = case.attachments.get()
    full = Client().get(public_photos.photo_url(attachment, public_photos.IMAGE))
    thumb = Client().get(public_photos.photo_url(attachment))
    assert full.status_code == thumb.status_code == 200 and body(full) != body(thumb)
    deed = deeds_services.deed_save(by=users["staff"], title="楼道灯更换", region=world.penglai, cases=[case])
    photo = deeds_services.deed_add_photo(deed=deed, upload=jpeg(), kind="after", by=users["staff"])
    assert body(Client().get(public_photos.photo_url(photo)))[:2] == b"\xff\xd8"
    # a token signed for something else (another salt) opens nothing
    other = signing.dumps(["i", attachment.pk], salt="another.purpose", compress=True)
    assert Client().get(reverse("cases:public_photo", args=[other])).status_code == 404


# Stories: originals private, public copies of published stories ------------------------------


@pytest.fixture
def reviewer(world):
    from org.models import Role
    from org.testing import make_user

    return make_user("reviewer_tp", role=Role.STAFF, region=world.tianping, unit=world.tianping_office)


def test_public_story_photos_are_copies_served_only_while_published(world, users, reviewer, client, client_for):
    writer = users["staff_tianping"]
    story = deed_services.story_save(by=writer, title="粪管改道", region=world.tianping, body="<p>好事</p>")
    photo = deed_services.story_add_photo(story=story, upload=jpeg(), caption="修复后", by=writer)
    foreign = default_storage.save("imports/2026/12/居民.xlsx", ContentFile(b"PK full ID numbers"))
    story = deed_services.story_save(
        story=story,
        by=writer,
        body=f'<p>好事</p><p><img src="{photo.image.url}" alt="修复后"><img src="/media/{foreign}" alt="x"></p>',
    )
    original = photo.image.url
    assert client.get(original).status_code == 404  # a draft's photo is private
    assert client_for(writer).get(original).status_code == 200
    assert client_for(users["staff"]).get(original).status_code == 404  # another subdistrict's staff

    deed_services.story_submit(story=story, by=writer)
    deed_services.story_approve(story=story, by=reviewer)
    story = deed_services.story_publish(story=story, by=writer)
    anonymous = Client()
    page = anonymous.get(reverse("deeds:public_story", args=[story.pk])).content.decode()
    listing = anonymous.get(reverse("deeds:public_list", args=[world.tianping.pk])).content.decode()
    copy = f"/media/public/stories/{story.pk}/s{photo.pk}.jpg"
    assert copy in page and copy in listing  # in the body and as the head photo
    assert original not in page and foreign not in page and "imports" not in page
    response = anonymous.get(copy)
    assert response.status_code == 200 and body(response)[:2] == b"\xff\xd8"
    assert response["Cache-Control"].startswith("public")
    assert anonymous.get(original).status_code == 404  # the original stays private

    deed_services.story_withdraw(story=story, by=writer)
    assert anonymous.get(copy).status_code == 404
    assert not default_storage.exists(copy.removeprefix("/media/"))


def test_operations_guide_has_no_open_media_location():
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    [snippet] = re.findall(r"```nginx\n(.*?)```", guide, flags=re.S)
    assert re.search(r"location /protected/ \{\s*internal;", snippet)
    for block in re.findall(r"location [^{]*/media/[^{]*\{[^}]*\}", snippet):
        assert "alias" not in block and "root" not in block, block
    assert "MINHU_ACCEL_REDIRECT" in guide
