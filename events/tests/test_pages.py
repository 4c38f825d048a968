from django.urls import reverse

from events import services
from events.models import Consultation, QueueTicket


def test_resident_takes_a_number_on_the_public_page_and_sees_position(client, event, desks):
    legal, _ = desks
    services.ticket_take(desk=legal, session_key="someone-else")
    page = client.get(reverse("events:public", args=[event.public_token])).content.decode()
    assert "法律咨询台" in page and "等候 1 人" in page
    r = client.post(reverse("events:public_take", args=[event.public_token, legal.pk]), {"name": "王阿姨"})
    ticket = QueueTicket.objects.get(name="王阿姨")
    assert r.url == reverse("events:ticket", args=[ticket.token])
    status = client.get(reverse("events:ticket_status", args=[ticket.token])).content.decode()
    assert "A002" in status and "前面还有 <strong>1</strong> 人" in status
    # taking again at the same desk from the same phone leads back to the same ticket
    again = client.post(reverse("events:public_take", args=[event.public_token, legal.pk]), {"name": "王阿姨"})
    assert again.url == r.url and QueueTicket.objects.filter(name="王阿姨").count() == 1


def test_bad_phone_gets_a_chinese_error_and_no_ticket(client, event, desks):
    legal, _ = desks
    r = client.post(reverse("events:public_take", args=[event.public_token, legal.pk]), {"phone": "12ab"})
    assert r.status_code == 400 and "手机号格式不正确" in r.content.decode()
    assert not QueueTicket.objects.exists()


def test_desk_staff_call_start_finish_and_report(client_for, users, event, desks):
    legal, elderly = desks
    services.ticket_take(desk=legal, session_key="a", name="甲")
    services.ticket_take(desk=legal, session_key="b", name="乙")
    c = client_for(users["staff"])
    url = reverse("events:desk_action", args=[legal.pk])
    c.post(url, {"action": "call_next"})
    first = QueueTicket.objects.get(name="甲")
    assert first.status == "called"
    c.post(url, {"action": "start", "ticket": first.pk})
    c.post(url, {"action": "finish", "ticket": first.pk, "summary": "补偿款能买多大房子", "advice": "按政策测算"})
    assert Consultation.objects.get(ticket=first).follow_up is False
    c.post(url, {"action": "call_next"})
    second = QueueTicket.objects.get(name="乙")
    c.post(url, {"action": "transfer", "ticket": second.pk, "to_desk": elderly.pk})
    board = c.get(reverse("events:display_board", args=[event.public_token])).content.decode()
    assert "B001" in board
    report = c.get(reverse("events:event_report", args=[event.pk])).content.decode()
    assert "法律咨询台" in report
    assert c.get(reverse("events:event_report", args=[event.pk]) + "?format=pdf").content.startswith(b"%PDF")
    assert c.get(reverse("events:event_report", args=[event.pk]) + "?format=xlsx").status_code == 200


def test_other_subdistrict_staff_cannot_open_the_desk(client_for, users, desks):
    legal, _ = desks
    assert client_for(users["staff_tianping"]).get(reverse("events:desk_console", args=[legal.pk])).status_code == 404


def test_a_desk_page_is_for_staff_the_others_are_told_on_the_sites_page(client_for, users, desks):
    legal, _ = desks
    for persona in ["volunteer", "resident", "leader"]:
        response = client_for(users[persona]).get(reverse("events:desk_console", args=[legal.pk]))
        page = response.content.decode()
        assert response.status_code == 403 and "您的角色不能使用此页面" in page and "返回首页" in page, persona
