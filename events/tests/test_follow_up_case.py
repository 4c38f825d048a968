"""A consultation that needs follow-up becomes a case: the desk is told its number with a link, and the case's
title is a short summary (the whole question stays in the description)."""

from django.urls import reverse

from events import services
from events.models import Consultation, QueueTicket

LONG = (
    "家庭矛盾摆不平，征收补偿款兄弟姐妹怎么分？老母亲跟着小儿子住，大姐认为户口在这里的都应该平分，"
    "二哥不同意，已经吵了好几次。"
)


def test_the_desk_is_told_the_case_number_with_a_link(client_for, users, event, desks):
    legal, _ = desks
    services.ticket_take(desk=legal, session_key="a", name="张阿姨")
    client = client_for(users["staff"])
    url = reverse("events:desk_action", args=[legal.pk])
    client.post(url, {"action": "call_next"})
    ticket = QueueTicket.objects.get(name="张阿姨")
    client.post(url, {"action": "start", "ticket": ticket.pk})
    page = client.post(
        url,
        {"action": "finish", "ticket": ticket.pk, "summary": LONG, "advice": "先家庭协商", "follow_up": "on"},
        follow=True,
    ).content.decode()
    case = Consultation.objects.get(ticket=ticket).case
    assert f'<a href="/cases/{case.pk}/">{case.number}</a>' in page
    assert case.title == "法律咨询跟进：家庭矛盾摆不平，征收补偿款兄弟姐妹怎么分？"
    assert LONG in case.description


def test_short_title_cuts_a_long_first_sentence():
    assert services.short_title("补偿款能买多大房子") == "补偿款能买多大房子"
    assert services.short_title("楼道灯坏了。已经一周了") == "楼道灯坏了"
    assert services.short_title("甲" * 30) == "甲" * 24 + "…"
