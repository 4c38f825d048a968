"""Messages are retried with back-off, given up with a reason after MAX_ATTEMPTS, swept when their task was
lost, and never handed to the gateway twice (issue 16, findings 3 and 5)."""

import datetime

import pytest
from django.utils import timezone

from notify import services
from notify.models import Message

HANDED = []


class FlakySender:
    """Fails while ``down`` is set; records every message handed to it."""

    down = True

    def send(self, message):
        if FlakySender.down:
            raise ConnectionError("短信网关超时")
        HANDED.append(message.pk)


class ReentrantSender:
    """While it sends, a second worker tries to deliver the same message (the sweep and the task at once)."""

    def send(self, message):
        HANDED.append(message.pk)
        assert services.deliver_many([message.pk]) == 0


@pytest.fixture
def flaky(settings):
    HANDED.clear()
    FlakySender.down = True
    settings.MINHU_NOTIFY_SENDERS = {**settings.MINHU_NOTIFY_SENDERS, "sms": "notify.tests.test_retries.FlakySender"}
    return FlakySender


def test_a_failed_message_waits_for_its_back_off_then_the_sweep_sends_it(db, flaky):
    message = services.deliver(message=services.send(to="13900001234", body="x"))
    assert message.status == Message.Status.FAILED and message.error == "短信网关超时"
    assert message.next_attempt_at > timezone.now()
    assert services.sweep() == 0  # not due yet
    flaky.down = False
    assert services.sweep(now=message.next_attempt_at + datetime.timedelta(seconds=1)) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 2 and message.next_attempt_at is None
    assert [message.pk] == HANDED


def test_after_the_last_attempt_the_message_is_failed_with_its_reason(db, flaky):
    message = services.send(to="13900001234", body="x")
    when = timezone.now()
    for _ in range(services.MAX_ATTEMPTS):
        when += datetime.timedelta(hours=2)
        services.sweep(now=when)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.attempts == services.MAX_ATTEMPTS
    assert message.error.startswith(f"已尝试{services.MAX_ATTEMPTS}次，不再重试") and message.next_attempt_at is None
    flaky.down = False
    assert services.sweep(now=when + datetime.timedelta(days=1)) == 0  # given up: staff see it failed


def test_a_queued_message_whose_task_was_lost_is_swept_after_a_grace(db, flaky):
    flaky.down = False
    message = services.send(to="13900001234", body="x")  # the after-commit task never ran
    assert services.sweep() == 0  # its task still has time
    assert services.sweep(now=timezone.now() + services.SWEEP_GRACE * 2) == 1
    assert [message.pk] == HANDED


def test_two_workers_never_hand_one_message_to_the_gateway_twice(db, settings):
    HANDED.clear()
    settings.MINHU_NOTIFY_SENDERS = {
        **settings.MINHU_NOTIFY_SENDERS,
        "sms": "notify.tests.test_retries.ReentrantSender",
    }
    message = services.send(to="13900001234", body="x")
    assert services.deliver_many([message.pk]) == 1
    assert [message.pk] == HANDED
    assert services.deliver_many([message.pk]) == 0  # a replayed task: already sent
    assert [message.pk] == HANDED


def test_a_claim_left_by_a_killed_worker_expires(db, flaky):
    flaky.down = False
    message = services.send(to="13900001234", body="x")
    Message.objects.filter(pk=message.pk).update(claim_token="dead", claimed_until=timezone.now() + services.CLAIM)
    assert services.deliver_many([message.pk]) == 0
    assert services.sweep(now=timezone.now() + services.CLAIM * 2) == 1


def test_a_message_queued_for_a_day_is_given_up_not_sent_late(db, flaky):
    flaky.down = False
    message = services.send(to="13900001234", body="您的验证码是 123456")
    assert services.sweep(now=timezone.now() + datetime.timedelta(hours=25)) == 0
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and "超过 24 小时" in message.error
    assert HANDED == []


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_while_the_database_restarts_is_recorded_once_it_is_back(flaky, monkeypatch):
    """The gateway took the message, then the database went away before the row said so: the worker tries again
    and records it, instead of leaving it claimed for a second sending when the claim runs out."""
    from django.db import OperationalError
    from django.db.models.query import QuerySet

    message = services.send(to="13900001111", body="【民呼】您反映的诉求已受理。", purpose="case.created")
    past = timezone.now() - datetime.timedelta(minutes=2)
    Message.objects.filter(pk=message.pk).update(created_at=past, next_attempt_at=past)  # its retry is due
    flaky.down = False
    real_update, failures = QuerySet.update, []

    def update(self, **fields):
        if fields.get("status") == Message.Status.SENT and len(failures) < 2:
            failures.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real_update(self, **fields)

    monkeypatch.setattr(QuerySet, "update", update)
    monkeypatch.setattr(services, "MARK_SENT_TRIES", (0, 0))
    assert services.sweep() == 1
    message.refresh_from_db()
    assert (message.status, message.claimed_until, len(failures)) == (Message.Status.SENT, None, 2)
    assert [message.pk] == HANDED
    assert services.sweep() == 0 and [message.pk] == HANDED
