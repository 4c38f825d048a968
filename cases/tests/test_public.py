"""Resident self-service: raise a need with photos, get the number, follow it with number + phone
and a code from the outbox, add information, rate the result."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cases.actions.workflow import case_resolve
from cases.models import Case
from notify.models import Message


def jpeg(name="photo.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 80)).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def raise_need(client, world, **extra):
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


def test_resident_raises_a_need_with_a_photo_and_sees_the_number(client, world, categories):
    response = raise_need(client, world, photos=jpeg())
    case = Case.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert case.number in page
    assert case.channel == "web" and case.attachments.count() == 1
    assert Message.objects.filter(purpose="case.created", body__contains=case.number).exists()


def test_double_submit_creates_one_case(client, world, categories):
    raise_need(client, world)
    raise_need(client, world)
    assert Case.objects.count() == 1


def test_bad_phone_and_short_text_get_clear_messages(client, world, categories):
    text = raise_need(client, world, phone="123", description="灯").content.decode()
    assert "请填写 11 位手机号码" in text and "请多写几个字" in text
    assert not Case.objects.exists()


def test_not_an_image_is_refused_and_nothing_is_lost(client, world, categories):
    bogus = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    text = raise_need(client, world, photos=bogus).content.decode()
    assert "不是可识别的图片" in text and "楼道灯坏了一个月" in text
    assert not Case.objects.exists()


def last_code():
    body = Message.objects.filter(purpose="verification").latest("id").body
    return re.search(r"验证码：(\d{6})", body).group(1)


def test_follow_with_number_phone_and_code_then_add_info_and_rate(client, world, users, make_case, routed):
    case = make_case()
    track = reverse("cases:public_track")
    # a wrong phone reveals nothing
    text = client.post(track, {"step": "find", "number": case.number, "phone": "13900000000"}).content.decode()
    assert "编号或手机号不正确" in text and not Message.objects.filter(purpose="verification").exists()
    client.post(track, {"step": "find", "number": case.number.lower(), "phone": "13812345678"})
    assert Message.objects.get(purpose="verification").to == "13812345678"
    wrong = "000000" if last_code() != "000000" else "111111"
    assert "验证码不正确" in client.post(track, {"step": "code", "code": wrong}).content.decode()
    response = client.post(track, {"step": "code", "code": last_code()})
    assert response.status_code == 302
    page_url = response["Location"]
    assert case.number in client.get(page_url).content.decode()

    client.post(page_url, {"step": "info", "note": "晚上七点以后家里有人"})
    assert case.events.filter(kind="info_added", note__contains="七点").exists()

    case_resolve(case=case, by=users["worker"], note="已更换灯泡")
    client.post(page_url, {"step": "rate", "verdict": "satisfied", "note": "谢谢"})
    case.refresh_from_db()
    assert case.status == "visited" and case.verdict == "satisfied"
    assert case.satisfactions.get().channel == "web"


def test_case_page_needs_verification(client, make_case):
    case = make_case()
    response = client.get(reverse("cases:public_case"), {"number": case.number})
    assert response.status_code == 302 and response["Location"] == reverse("cases:public_track")


def test_wrong_codes_lock_after_five_tries(client, make_case):
    case = make_case()
    track = reverse("cases:public_track")
    client.post(track, {"step": "find", "number": case.number, "phone": "13812345678"})
    for _ in range(5):
        client.post(track, {"step": "code", "code": "000000" if last_code() != "000000" else "111111"})
    text = client.post(track, {"step": "code", "code": last_code()}).content.decode()
    assert "错误次数过多" in text


def test_unsatisfied_rating_from_the_phone_reopens_the_case(client, world, users, make_case, routed):
    case = make_case()
    case_resolve(case=case, by=users["worker"], note="已处理")
    session = client.session
    session["cases_tracked"] = {str(case.pk): 9e12}
    session.save()
    url = reverse("cases:public_case") + f"?number={case.number}"
    client.post(url, {"step": "rate", "verdict": "unsatisfied", "note": "灯还是不亮"})
    case.refresh_from_db()
    assert case.status == "dispatched" and case.rehandle_count == 1
