"""renewal/sql.py, the app's one hand-written statement: COPY stores exactly what the ORM's bulk_create stores."""

from decimal import Decimal as D

import pytest
from django.db import connection

from renewal import services, sql
from renewal.models import Certificate, CoResident, Estimate, HardshipPerson

from .conftest import make_certificate

pytestmark = pytest.mark.postgres

FIELDS = [Estimate._meta.get_field(name).attname for name in sql.ESTIMATE_FIELDS]


def stored():
    return list(Estimate.objects.order_by("certificate_id", "kind", "created_by_id").values_list(*FIELDS))


def test_copy_stores_the_same_estimates_as_the_orm(plan, project, users):
    by_rooms = make_certificate(project, "HP-1", rooms=[12.5, 6.2])
    private = make_certificate(project, "HP-2", kind=Certificate.Kind.PROPERTY, unit_price=D("52000"))
    CoResident.objects.create(certificate=by_rooms, name="李某", relation="子女")
    HardshipPerson.objects.create(certificate=private, name="王某", kind="重病")
    for cert in (by_rooms, private):
        services.certificate_estimate(certificate=cert, by=users["staff"])
    rows = stored()
    # a settlement written by the task queue with nobody signed in
    rows.append(rows[0][:2] + (Estimate.Kind.SETTLEMENT,) + rows[0][3:-1] + (None,))
    Estimate.objects.all().delete()

    assert sql.insert_estimates_orm(rows) == 3
    via_orm = stored()
    Estimate.objects.all().delete()
    assert connection.vendor == "postgresql"
    assert sql.insert_estimates(row for row in rows) == 3  # COPY, fed from a generator as the estimate task does
    assert stored() == via_orm == sorted(rows, key=lambda r: (r[0], r[2], r[-1] is None, r[-1]))
