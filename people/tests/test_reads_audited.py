"""Every read of personal data writes one audit entry (kind "read"): who read which residents, on which page."""

from django.urls import reverse

from audit.models import AuditEntry


def reads(user, action):
    return list(AuditEntry.objects.filter(kind="read", actor=user, action=action))


def test_each_resident_page_and_api_read_writes_one_entry(world, make_resident, client_for):
    resident = make_resident("王秀英", address={"road": "蓬莱路", "lane": "100", "number": "3"})
    worker = world.users["worker"]
    client = client_for(worker)
    assert not AuditEntry.objects.filter(kind="read").exists()
    pages = [
        (reverse("people:resident_detail", args=[resident.pk]), "people.resident.read", resident.pk),
        (reverse("people:resident_edit", args=[resident.pk]), "people.resident.edit_form", resident.pk),
        (reverse("people:household_detail", args=[resident.household_id]), "people.household.read", None),
        (f"/api/residents/{resident.pk}/", "people.resident.read", resident.pk),
        (f"/api/households/{resident.household_id}/", "people.household.read", None),
    ]
    for url, action, object_id in pages:
        before = len(reads(worker, action))
        assert client.get(url).status_code == 200, url
        entries = reads(worker, action)
        assert len(entries) == before + 1, url
        if object_id:
            assert entries[0].object_id == str(object_id) and entries[0].region == resident.region
    page, api = reversed(reads(worker, "people.household.read"))
    assert page.object_id == api.object_id == str(resident.household_id)
    assert page.detail["编号"] == [resident.pk]  # the members the page listed
    for url, action in [
        (reverse("people:resident_list"), "people.resident.list"),
        ("/api/residents/", "people.resident.list"),
        ("/api/households/", "people.household.list"),
    ]:
        before = len(reads(worker, action))
        assert client.get(url).status_code == 200
        entries = reads(worker, action)
        assert len(entries) == before + 1, url
        assert entries[0].detail["条数"] == 1
    # the entries name records, never their identifiers
    assert all(resident.id_number not in str(e.detail) for e in AuditEntry.objects.filter(kind="read"))


def test_a_refused_read_writes_no_read_entry(world, make_resident, client_for):
    resident = make_resident("李四", region=world.shaanxi_grid, by=world.users["staff_tianping"])
    client = client_for(world.users["worker"])
    assert client.get(reverse("people:resident_detail", args=[resident.pk])).status_code == 404
    assert not AuditEntry.objects.filter(kind="read", object_id=str(resident.pk)).exists()
