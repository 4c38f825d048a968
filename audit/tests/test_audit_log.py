"""The audit log: staff browse and export it within their regions; nobody can change it."""

import io

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from openpyxl import load_workbook

from audit.models import AuditEntry
from audit.services import record, record_view


@pytest.fixture
def entries(world, users):
    """One change in 蓬莱路 (老西门街道), one view in 陕西南路 (天平街道)."""
    laoximen = record(actor=users["worker"], action="people.resident.update", obj=world.penglai_grid)
    tianping = record_view(actor=users["worker_tianping"], obj=world.shaanxi_grid)
    return laoximen, tianping


def test_staff_sees_entries_of_their_subdistrict_only(client_for, users, entries):
    laoximen, tianping = entries
    page = client_for(users["staff"]).get("/audit/").content.decode()
    assert "people.resident.update" in page
    assert "org.region.view" not in page
    other = client_for(users["staff_tianping"]).get("/audit/").content.decode()
    assert "org.region.view" in other and "people.resident.update" not in other


def test_entry_of_another_subdistrict_answers_404(client_for, users, entries):
    _laoximen, tianping = entries
    client = client_for(users["staff"])
    assert client.get(f"/audit/{tianping.pk}/").status_code == 404
    assert client.get(f"/api/audit/entries/{tianping.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["worker", "leader", "volunteer", "partner", "resident", "nobody"])
def test_roles_without_audit_access_are_refused(client_for, users, entries, persona):
    client = client_for(users[persona])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export/").status_code == 403
    assert client.get("/api/audit/entries/").status_code == 403


def test_anonymous_is_sent_to_login(client, entries):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/audit/entries/").status_code in (401, 403)


def test_filters_narrow_the_list(client_for, users, world):
    record(actor=users["staff"], action="cases.dispatch", obj=world.penglai)
    record(actor=users["worker"], action="people.resident.update", obj=world.penglai)
    client = client_for(users["staff"])
    page = client.get("/audit/", {"actor": "worker"}).content.decode()
    assert "people.resident.update" in page and "cases.dispatch" not in page
    page = client.get("/audit/", {"action": "dispatch"}).content.decode()
    assert "cases.dispatch" in page and "people.resident.update" not in page
    page = client.get("/audit/", {"object": f"org.region:{world.penglai.pk}"}).content.decode()
    assert "共 2 条" in page
    page = client.get("/audit/", {"since": "2000-01-01", "until": "2000-12-31"}).content.decode()
    assert "没有符合条件的记录" in page


def test_a_bad_date_is_explained_in_chinese(client_for, users, entries):
    page = client_for(users["staff"]).get("/audit/", {"since": "2026-13-45"}).content.decode()
    assert "起始日期：输入一个有效的日期。" in page and "没有符合条件的记录" in page


def test_list_paginates_with_a_fixed_number_of_queries(client_for, users, world, django_assert_max_num_queries):
    for n in range(60):
        record(actor=users["worker"], action=f"test.action.{n}", obj=world.penglai)
    client = client_for(users["staff"])
    with django_assert_max_num_queries(8):
        first = client.get("/audit/").content.decode()
    assert "第 1 / 2 页" in first and "test.action.59" in first and "test.action.0<" not in first
    second = client.get("/audit/", {"page": 2}).content.decode()
    assert "test.action.0<" in second


def test_htmx_filter_returns_only_the_table(client_for, users, entries):
    response = client_for(users["staff"]).get("/audit/", {"kind": "change"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<table" in body and "<html" not in body


def test_export_is_an_excel_file_of_the_filtered_list_and_is_itself_recorded(client_for, users, entries):
    response = client_for(users["staff"]).get("/audit/export/", {"kind": "change"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "类型", "动作")
    assert [r[3] for r in rows[1:]] == ["people.resident.update"]
    exported = AuditEntry.objects.get(action="audit.export")
    assert exported.kind == AuditEntry.Kind.EXPORT and exported.actor == users["staff"]


def test_api_lists_scoped_entries_and_has_no_write_methods(client_for, users, entries):
    laoximen, _tianping = entries
    client = client_for(users["staff"])
    data = client.get("/api/audit/entries/").json()
    assert [e["id"] for e in data["results"]] == [laoximen.pk]
    url = f"/api/audit/entries/{laoximen.pk}/"
    assert client.post("/api/audit/entries/", {"action": "x"}).status_code == 405
    assert client.put(url, {"action": "x"}, content_type="application/json").status_code == 405
    assert client.patch(url, {"action": "x"}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405
    laoximen.refresh_from_db()
    assert laoximen.action == "people.resident.update"


def test_pages_accept_no_posts(client_for, users, entries):
    laoximen, _ = entries
    client = client_for(users["admin"])
    assert client.post("/audit/", {}).status_code == 405
    assert client.post(f"/audit/{laoximen.pk}/", {}).status_code == 405


def test_admin_is_read_only_even_for_a_superuser(client, users, entries, django_user_model):
    laoximen, _ = entries
    root = django_user_model.objects.create_superuser("root", password="pw-root")
    client.force_login(root)
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.get(f"/admin/audit/auditentry/{laoximen.pk}/delete/").status_code == 403
    change = client.post(f"/admin/audit/auditentry/{laoximen.pk}/change/", {"action": "forged"})
    assert change.status_code == 403
    laoximen.refresh_from_db()
    assert laoximen.action == "people.resident.update" and AuditEntry.objects.count() == 2


def test_model_refuses_update_and_delete(entries):
    entry, _ = entries
    entry.action = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "people.resident.update"


def test_personal_numbers_in_details_are_masked(users, world):
    entry = record(actor=users["worker"], action="x", region=world.penglai, detail={"备注": "电话13812345678"})
    assert entry.detail["备注"] == "电话138****5678"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_trigger_refuses_raw_update_and_delete(world, users):
    entry = record(actor=users["worker"], action="people.resident.update", obj=world.penglai)
    for sql in (
        "UPDATE audit_auditentry SET action = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "people.resident.update"
