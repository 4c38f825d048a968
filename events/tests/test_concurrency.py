"""Concurrent take-number and call-next on PostgreSQL: threads with their own connections."""

import threading

import pytest
from django.db import connection, connections

from events import services
from events.models import QueueTicket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_threads(n, work):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def target(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_concurrent_take_number_never_duplicates(world, desks):
    assert connection.vendor == "postgresql"
    legal, _ = desks
    results, errors = run_threads(
        16, lambda i: [services.ticket_take(desk=legal, session_key=f"s{i}-{k}").number for k in range(5)]
    )
    assert not errors
    numbers = sorted(n for r in results for n in r)
    assert numbers == list(range(1, 81))  # no duplicate, no gap, nothing lost
    assert QueueTicket.objects.filter(desk=legal).count() == 80

    # one person tapping "取号" on two phones at once still holds one ticket
    def same_person(i):
        try:
            return services.ticket_take(desk=legal, phone="13900139000").pk
        except services.AlreadyQueued as exc:
            return exc.ticket.pk

    results, errors = run_threads(8, same_person)
    assert not errors and len(set(results)) == 1
    assert QueueTicket.objects.filter(desk=legal).count() == 81


def test_concurrent_call_next_never_hands_one_ticket_twice(world, desks):
    legal, _ = desks
    for i in range(30):
        services.ticket_take(desk=legal, session_key=f"r{i}")
    staff = world.users["staff"]
    results, errors = run_threads(10, lambda i: [services.ticket_call_next(desk=legal, by=staff) for _ in range(4)])
    assert not errors
    called = [t.pk for r in results for t in r if t is not None]
    assert len(called) == len(set(called)) == 30
    assert QueueTicket.objects.filter(desk=legal, status="called").count() == 30
