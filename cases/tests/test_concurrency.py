"""Two people acting on one case at once: exactly one wins, the other gets a clear message.

Real concurrent transactions on PostgreSQL: each thread has its own database connection."""

import threading

import pytest
from django.db import connection

from cases.actions.workflow import case_dispatch, case_resolve
from cases.errors import CaseError
from cases.models import Case, CaseEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(n, action):
    """Run ``action(i)`` in n threads released together; returns (results, errors)."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(action(i))
        except CaseError as exc:
            errors.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results, errors


def test_two_dispatchers_at_once_exactly_one_wins(world, users, make_case):
    case = make_case()
    units = [world.penglai_committee, world.laoximen_office]
    copies = [Case.objects.get(pk=case.pk) for _ in units]

    results, errors = race(2, lambda i: case_dispatch(case=copies[i], unit=units[i], by=users["staff"]))

    assert len(results) == 1 and len(errors) == 1
    assert "刚刚已被其他人处理" in errors[0]
    case.refresh_from_db()
    assert case.status == "dispatched" and case.main_unit == results[0].main_unit
    assert case.events.filter(kind=CaseEvent.Kind.DISPATCHED).count() == 1


def test_many_handlers_resolving_at_once_write_one_resolution(world, users, make_case, routed):
    case = make_case()
    copies = [Case.objects.get(pk=case.pk) for _ in range(4)]

    results, errors = race(4, lambda i: case_resolve(case=copies[i], by=users["worker"], note=f"第{i}种办理结果"))

    assert len(results) == 1 and len(errors) == 3
    case.refresh_from_db()
    assert case.resolution == results[0].resolution
    assert case.events.filter(kind=CaseEvent.Kind.RESOLVED).count() == 1
