"""Forms answer the same whether the thing asked about lies in another subdistrict or does not exist."""

import importlib

from django.apps import apps
from django.urls import reverse

from people import services
from people.models import Resident

from .conftest import id_number, xlsx_file


def new_resident(client, world, id_no, **more):
    data = {"name": "新登记居民", "region": world.penglai_grid.pk, "id_number": id_no, "relation": "", "note": ""}
    return client.post(reverse("people:resident_create"), {**data, **more})


def test_an_id_number_held_in_another_subdistrict_answers_like_a_new_one(world, make_resident, client_for):
    elsewhere = make_resident("天平居民", region=world.shaanxi_grid, by=world.users["staff_tianping"])
    here = make_resident("蓬莱居民", region=world.penglai_grid)
    client = client_for(world.users["worker"])
    fresh = new_resident(client, world, id_number(4321))
    assert fresh.status_code == 302
    other = new_resident(client, world, elsewhere.id_number, name="另一位")
    assert other.status_code == 302  # registered, exactly like the fresh number: nothing told about 天平街道
    assert "已有相同身份证号" not in other.content.decode()
    assert Resident.objects.filter(registry=here.registry, name="另一位").exists()
    # the same neighbourhood's own records still catch a duplicate: the worker may see that one anyway
    same = new_resident(client, world, here.id_number, name="重复登记")
    assert same.status_code == 200 and "已有相同身份证号的居民。" in same.content.decode()
    api = client.post(
        "/api/residents/",
        {"name": "接口登记", "region": world.penglai_grid.pk, "id_number": elsewhere.id_number},
        content_type="application/json",
    )
    assert api.status_code == 400  # already registered above in 蓬莱路 by the page
    # a resident of 天平街道 is untouched by all this
    elsewhere.refresh_from_db()
    assert elsewhere.name == "天平居民" and elsewhere.region == world.shaanxi_grid


def test_an_import_row_with_another_subdistricts_id_number_is_accepted(
    world, make_resident, django_capture_on_commit_callbacks
):
    from people import imports

    elsewhere = make_resident("天平居民", region=world.shaanxi_grid, by=world.users["staff_tianping"])
    rows = [["导入居民", elsewhere.id_number, "", "蓬莱路第一网格", "蓬莱路", "9", "9", "9", "户主", "", ""]]
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_start(
            kind="people.residents",
            file=SimpleUploadedFile("居民.xlsx", xlsx_file(rows)),
            by=world.users["worker"],
            region=world.penglai,
        )
    job.refresh_from_db()
    assert job.status == "done", job.errors
    assert Resident.objects.filter(name="导入居民", registry=Resident.objects.get(name="导入居民").registry).exists()


def test_an_address_of_another_subdistrict_is_not_placed(world, client_for):
    services.address_get_or_create(
        region=world.shaanxi_grid, road="陕西南路", lane="1", number="1", by=world.users["staff_tianping"]
    )
    client = client_for(world.users["staff"])
    response = new_resident(client, world, id_number(77), road="陕西南路", lane="1", number="1")
    html = response.content.decode()
    assert response.status_code == 200 and "该地址不在所选辖区" in html
    assert "陕西南路第一网格" not in html and "陕西南路居委" not in html


def test_the_registry_migration_fills_existing_rows(world, make_resident):
    a = make_resident("甲", region=world.penglai_grid)
    b = make_resident("乙", region=world.shaanxi, by=world.users["staff_tianping"])
    Resident.objects.filter(pk__in=[a.pk, b.pk]).update(registry="")
    importlib.import_module("people.migrations.0004_id_number_unique_per_neighbourhood").forwards(apps, None)
    assert Resident.objects.get(pk=a.pk).registry == world.penglai.path
    assert Resident.objects.get(pk=b.pk).registry == world.shaanxi.path
