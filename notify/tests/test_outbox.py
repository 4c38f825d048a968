import pytest

from notify import services
from notify.models import Message


class BrokenSender:
    def send(self, message):
        raise ConnectionError("网关不可用")


def test_a_message_is_queued_masked_and_delivered_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send(to="13900001234", body="您的验证码是 123456", purpose="verification")
    message.refresh_from_db()
    assert message.to_masked == "139****1234"
    assert message.to == "13900001234"
    assert "13900001234" not in message.to_encrypted
    assert message.status == Message.Status.SENT and message.attempts == 1


def test_nothing_is_sent_for_a_change_that_rolled_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.send(to="13900001234", body="x")
    assert len(callbacks) == 1  # delivery waits for the commit


def test_a_failing_sender_keeps_the_message_for_retry(db, settings):
    settings.MINHU_NOTIFY_SENDERS = {**settings.MINHU_NOTIFY_SENDERS, "sms": "notify.tests.test_outbox.BrokenSender"}
    message = services.send(to="13900001234", body="x")
    message = services.deliver(message=message)
    assert message.status == Message.Status.FAILED and "网关不可用" in message.error
    settings.MINHU_NOTIFY_SENDERS = {**settings.MINHU_NOTIFY_SENDERS, "sms": "notify.senders.ConsoleSender"}
    assert services.deliver(message=message).status == Message.Status.SENT


def test_email_goes_through_django_mail(db, mailoutbox):
    message = services.send(to="wang@example.org", channel="email", subject="诉求已办结", body="请评价")
    services.deliver(message=message)
    assert mailoutbox[0].to == ["wang@example.org"] and mailoutbox[0].subject == "诉求已办结"
    assert message.to_masked == "w***@example.org"


def test_an_empty_recipient_is_refused(db):
    with pytest.raises(ValueError):
        services.send(to=" ", body="x")
