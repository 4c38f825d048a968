"""方案征询 can be closed from the case page: its button sits in a form of its own, not inside "记录一户意见"
(whose 居民姓名 is required, so the browser would refuse to send it)."""

import re

from django.urls import reverse


def test_the_close_button_is_its_own_form_and_closes_the_round(client_for, users, make_case, routed):
    from cases.actions.consent import consent_round_open

    case = make_case()
    rnd = consent_round_open(case=case, by=users["worker"], title="粪管改道方案")
    client = client_for(users["worker"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    forms = re.findall(r"<form\b.*?</form>", page, flags=re.S)
    close = [f for f in forms if 'data-testid="consent-close"' in f]
    assert len(close) == 1 and 'name="name"' not in close[0] and "required" not in close[0]
    client.post(reverse("cases:consent_add", args=[rnd.pk]), {"close": "1"})
    rnd.refresh_from_db()
    assert rnd.closed_at is not None
    assert "结束征询" not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
