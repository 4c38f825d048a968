"""Two (or more) workers running the escalation sweep at once on PostgreSQL, with real concurrent
transactions: each due step fires exactly once, a safety confirmation racing the sweep wins cleanly,
and two volunteers reporting 无人应答 for one person at the same moment start one chain."""

import datetime
import threading

import pytest
from django.db import connection, connections

from care.actions import safety
from care.models import EscalationStep, SafetyAlert
from cases.models import Case
from notify.models import Message

from .conftest import at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = datetime.date(2025, 10, 14)
T0 = at(DAY, 11, 20)


def run_threads(n, work):
    """Start ``n`` threads at the same instant, each on its own database connection."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.fixture
def alerts(shipped_data, users, make_recipient, make_volunteer):
    """Twelve people who did not answer the door at 11:20; the worker has been told (step 1)."""
    assert connection.vendor == "postgresql"
    vol = make_volunteer("党员丁")
    opened = []
    for i in range(12):
        person = make_recipient(
            f"独居老人{i}", contacts=[(f"儿子{i}", "儿子", f"1380000{i:04d}"), (f"邻居{i}", "邻居", f"1390000{i:04d}")]
        )
        opened.append(safety.alert_open(recipient=person, by=vol, now=T0))
    return opened


def steps_of(alert):
    return list(alert.steps.order_by("number").values_list("number", "kind"))


def test_concurrent_sweeps_fire_each_due_step_exactly_once(alerts):
    # four workers wake up at the same minute
    t1 = T0 + datetime.timedelta(minutes=10)
    fired, errors = run_threads(4, lambda i: safety.escalation_advance(now=t1))
    assert not errors, errors
    assert sum(fired) == len(alerts)
    for alert in alerts:
        assert steps_of(alert) == [(1, "worker"), (2, "contact")]

    # clocks a little apart (workers on different machines): still one step each
    fired, errors = run_threads(4, lambda i: safety.escalation_advance(now=t1 + datetime.timedelta(minutes=10 + i)))
    assert not errors, errors
    assert sum(fired) == len(alerts)
    for alert in alerts:
        assert [n for n, _ in steps_of(alert)] == [1, 2, 3]

    # the critical case step: one case per person, never two
    fired, errors = run_threads(4, lambda i: safety.escalation_advance(now=t1 + datetime.timedelta(minutes=25)))
    assert not errors, errors
    assert sum(fired) == len(alerts)
    assert Case.objects.filter(category__code="safety").count() == len(alerts)
    for alert in alerts:
        alert.refresh_from_db()
        assert alert.steps_done == 4 and steps_of(alert)[-1] == (4, EscalationStep.Kind.CASE)
        assert Case.objects.filter(pk=alert.case_id).exists()
    # worker + two contacts per person, one message each
    assert Message.objects.filter(purpose="care.safety").count() == 3 * len(alerts)


def test_safety_confirmed_while_sweeps_run_stops_the_chain(alerts, users):
    worker = users["worker_tianping"]
    due = T0 + datetime.timedelta(minutes=10)

    def work(i):
        if i < 2:
            return safety.escalation_advance(now=due)
        for alert in alerts[i - 2 :: 2]:  # two workers confirm half of the people each
            safety.alert_confirm_safe(alert=alert, by=worker, note="社工上门见到本人", now=due)
        return 0

    results, errors = run_threads(4, work)
    assert not errors, errors
    for alert in alerts:
        alert.refresh_from_db()
        assert alert.status == SafetyAlert.Status.SAFE and alert.next_step_at is None
        assert [n for n, _ in steps_of(alert)] in ([1], [1, 2])  # step 2 only if a sweep got there first
    assert sum(results[:2]) == sum(1 for a in alerts if a.steps.count() == 2)
    assert safety.escalation_advance(now=due + datetime.timedelta(hours=1)) == 0


def test_two_volunteers_reporting_no_answer_at_once_start_one_chain(users, make_recipient, make_volunteer):
    assert connection.vendor == "postgresql"
    person = make_recipient("孤老王伯", contacts=[("王小明", "侄子", "13800009999")])
    reporters = [make_volunteer(f"志愿者{i}") for i in range(4)]
    results, errors = run_threads(4, lambda i: safety.alert_open(recipient=person, by=reporters[i], now=T0).pk)
    assert not errors, errors
    assert len(set(results)) == 1
    alert = SafetyAlert.objects.get(recipient=person)
    assert steps_of(alert) == [(1, "worker")]
    assert Message.objects.filter(purpose="care.safety").count() == 1
