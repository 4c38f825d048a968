from django.urls import reverse

from audit.models import AuditEntry
from people.models import Resident

from .conftest import id_number


def test_admin_shows_only_masked_numbers_and_saves_through_the_services(world, make_resident, client_for):
    resident = make_resident("王秀英", id_number=id_number(1), phone="13900001111")
    admin_user = world.users["admin"]
    admin_user.is_staff = admin_user.is_superuser = True  # the back office works on model permissions
    admin_user.save(update_fields=["is_staff", "is_superuser"])
    client = client_for(admin_user)
    html = client.get(reverse("admin:people_resident_change", args=[resident.pk])).content.decode()
    assert id_number(1) not in html and "13900001111" not in html and "139****1111" in html
    listing = client.get(reverse("admin:people_resident_changelist"), {"q": id_number(1)}).content.decode()
    assert "王秀英" in listing and id_number(1)[:4] + "*" * 10 + id_number(1)[-4:] in listing

    data = {
        "name": "王秀英",
        "region": world.penglai_grid.pk,
        "relation": "",
        "note": "",
        "id_number": "",
        "phone": "13900002222",
    }
    response = client.post(reverse("admin:people_resident_change", args=[resident.pk]), data)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.phone == "13900002222" and resident.id_number == id_number(1)
    assert AuditEntry.objects.filter(action="people.resident.update", object_id=str(resident.pk)).exists()

    response = client.post(reverse("admin:people_resident_add"), {**data, "name": "新人", "id_number": "310101"})
    assert "身份证号应为18位" in response.content.decode()
    assert not Resident.objects.filter(name="新人").exists()
