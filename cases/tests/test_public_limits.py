"""The resident's public pages under abuse: tracking is not a phone-number oracle, uploads that would eat the
server's memory are refused before they are decoded, and oversized or broken input is a Chinese 4xx."""

from django.urls import reverse

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
