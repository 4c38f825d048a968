"""The resident's public pages under abuse: tracking is not a phone-number oracle, uploads that would eat the
server's memory are refused before they are decoded, and oversized or broken input is a Chinese 4xx."""

import pytest
from django.urls import reverse

from cases.models import Case
from notify.models import Message


def test_tracking_step_one_is_limited_per_address(client, make_case, settings):
    settings.TRACK_FIND_LIMIT = 5
    case = make_case()
    track = reverse("cases:public_track")
    for n in range(5):
        answer = client.post(track, {"step": "find", "number": case.number, "phone": f"1390000{n:04d}"})
        assert answer.status_code == 200 and "编号或手机号不正确" in answer.content.decode()
    # the sixth guess is refused even with the right phone, and sends no code
    refused = client.post(track, {"step": "find", "number": case.number, "phone": "13812345678"})
    assert refused.status_code == 429 and "查询次数过多" in refused.content.decode()
    assert not Message.objects.filter(purpose="verification").exists()
    # another address is not held back
    other = client.post(
        track, {"step": "find", "number": case.number, "phone": "13812345678"}, REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 302


def test_tracking_step_one_is_limited_per_case_number_across_addresses(client, make_case, settings):
    settings.TRACK_NUMBER_LIMIT = 3
    case = make_case()
    track = reverse("cases:public_track")
    for n in range(3):
        client.post(
            track, {"step": "find", "number": case.number, "phone": f"1390000{n:04d}"}, REMOTE_ADDR=f"198.51.100.{n}"
        )
    refused = client.post(
        track, {"step": "find", "number": case.number, "phone": "13900000099"}, REMOTE_ADDR="203.0.113.1"
    )
    assert refused.status_code == 429


def _bomb(side=20000, name="bomb.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lib.tests.pngs import declared_png

    return SimpleUploadedFile(name, declared_png(side, side), content_type="image/png")


def _raise_need(client, world, **extra):
    data = {
        "name": "张阿姨",
        "phone": "13812345678",
        "region": world.penglai.pk,
        "location_text": "蓬莱路100弄3号",
        "description": "楼道灯坏了一个月，晚上下楼看不见。",
        "idempotency_key": "k1",
        **extra,
    }
    return client.post(reverse("cases:public_new"), data)


@pytest.mark.parametrize("side", [12000, 20000])
def test_the_public_form_refuses_a_decompression_bomb_with_a_chinese_400(client, world, categories, side):
    response = _raise_need(client, world, photos=_bomb(side))
    assert response.status_code == 400
    text = response.content.decode()
    assert "像素太多" in text and "楼道灯坏了一个月" in text
    assert not Case.objects.exists()


def test_open311_media_refuses_a_decompression_bomb_in_its_own_format(client, world, users, categories):
    from cases import open311_services
    from cases.models import Open311Client

    key = open311_services.client_issue_key(client=Open311Client(name="随申办对接", region=world.laoximen), by=None)
    data = {"api_key": key, "service_code": "repair", "lat": "31.218", "long": "121.489", "description": "下水道堵了"}
    response = client.post("/open311/v2/requests.json", {**data, "media": _bomb()})
    assert response.status_code == 400
    body = response.json()
    assert body[0]["code"] == 400 and "像素太多" in body[0]["description"]
    assert not Case.objects.exists()


def test_staff_case_photos_refuse_a_decompression_bomb(make_case, users):
    from django.core.exceptions import ValidationError

    from cases.actions.base import attachment_add

    case = make_case()
    with pytest.raises(ValidationError) as refused:
        attachment_add(case=case, file=_bomb(12000), by=users["worker"])
    assert "像素太多" in refused.value.messages[0] and not case.attachments.exists()


def test_story_photos_refuse_a_decompression_bomb(world, users):
    from django.core.exceptions import ValidationError

    from deeds import services as deeds

    with pytest.raises(ValidationError) as refused:
        deeds.clean_photo(_bomb(12000))
    assert "像素太多" in refused.value.messages[0]
