"""Open311 GeoReport v2 to the letter, one test per point of issue 19: the errors format for every answer under
/open311/v2/, a POSTed update's own time, coordinates inside the jurisdiction's area, bounded text."""

import json

import pytest
from django.test import override_settings
from django.utils import timezone

from cases import open311_area
from cases.models import Case, CaseEvent

from .test_open311 import BASE, assert_error, js, partner, post, xml  # noqa: F401  (partner is a fixture)

BEIJING = {"lat": "39.904200", "long": "116.407400"}
# a square around 老西门 as a district's boundary file would give it (GeoJSON: longitude first)
LAOXIMEN = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "老西门街道"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[121.47, 31.21], [121.50, 31.21], [121.50, 31.23], [121.47, 31.23], [121.47, 31.21]]],
            },
        }
    ],
}


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("/services/", "xml"),  # a trailing slash
        ("/services.json/", "json"),
        ("/requests/", "xml"),
        ("/discovery/", "xml"),
        ("/nonsense.json", "json"),  # an unknown path
        ("/nonsense", "xml"),
        ("/", "xml"),
        ("", "xml"),
        ("/requests/abc/def.json", "json"),
    ],
)
def test_every_path_under_v2_answers_in_the_errors_format(client, db, path, fmt):
    response = client.get(f"{BASE}{path}")
    description = assert_error(response, 404, fmt)
    if path.endswith("/") and path.strip("/"):
        assert "不以“/”结尾" in description and path.rstrip("/") in description


def test_a_post_to_an_unknown_path_answers_in_the_errors_format_too(client, db):
    assert_error(client.post(f"{BASE}/request.json", {"service_code": "repair"}), 404, "json")


def test_a_body_too_large_to_read_answers_in_the_errors_format(client, partner, settings):  # noqa: F811
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post(client, partner[1], description="灯" * 20_000)
    assert_error(response, 413, "json")


def test_a_posted_update_answers_with_its_own_time(client, partner):  # noqa: F811
    _api, key = partner
    number = js(post(client, key, description="路灯坏了"))[0]["service_request_id"]
    fields = {"api_key": key, "service_request_id": number, "description": "灯杆也歪了", "update_id": "u1"}
    first = client.post(f"{BASE}/servicerequestupdates.xml", fields)
    assert first.status_code == 201
    item = xml(first).find("request_update")
    event = CaseEvent.objects.get(pk=item.findtext("update_id"))
    when = item.findtext("updated_datetime")
    assert when == timezone.localtime(event.at).isoformat(timespec="seconds") and when.endswith("+08:00")
    # the same time as the update carries when it is read back
    listed = js(client.get(f"{BASE}/servicerequestupdates.json?service_request_id={number}&api_key={key}"))
    assert [u["updated_datetime"] for u in listed if u["update_id"] == str(event.pk)] == [when]
    again = js(client.post(f"{BASE}/servicerequestupdates.json", fields))
    assert again == [{"update_id": str(event.pk), "updated_datetime": when}]


def test_coordinates_outside_shanghai_are_refused(client, partner):  # noqa: F811
    _api, key = partner
    for point in (BEIJING, {"lat": "0", "long": "0"}, {"lat": "31.218", "long": "123.5"}):  # the sea east of Shanghai
        description = assert_error(post(client, key, description="路灯坏了", **point), 400, "json")
        assert "不在本平台的受理辖区内" in description
    assert Case.objects.count() == 0
    assert post(client, key, description="路灯坏了").status_code == 201  # 31.218, 121.489: 老西门


def test_coordinates_are_checked_against_the_boundary_file_when_one_is_configured(client, partner, tmp_path):  # noqa: F811
    _api, key = partner
    area = tmp_path / "laoximen.geojson"
    area.write_text(json.dumps(LAOXIMEN), encoding="utf-8")
    with override_settings(OPEN311_AREA_FILE=str(area)):
        # in Shanghai but outside the subdistrict's boundary
        description = assert_error(
            post(client, key, description="路灯坏了", lat="31.300000", long="121.450000"), 400, "json"
        )
        assert "不在本平台的受理辖区内" in description
        assert post(client, key, description="路灯坏了", lat="31.218000", long="121.489000").status_code == 201


def test_point_in_polygon_respects_holes():
    outer = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    assert open311_area.polygon_contains([outer, hole], 2, 2)
    assert not open311_area.polygon_contains([outer, hole], 5, 5)
    assert not open311_area.polygon_contains([outer, hole], 11, 5)
    assert len(open311_area.polygons_of({"type": "MultiPolygon", "coordinates": [[outer], [hole]]})) == 2


def test_descriptions_and_other_text_are_bounded(client, partner):  # noqa: F811
    _api, key = partner
    megabyte = "路灯不亮" * 262_144
    # a megabyte never reaches the view (minhu.middleware.BadInputMiddleware), still in the errors format
    assert "太长" in assert_error(post(client, key, description=megabyte), 400, "json")
    description = assert_error(post(client, key, description="灯" * 4001), 400, "json")
    assert "description 过长" in description and "4000" in description
    assert_error(post(client, key, "xml", description="路灯", address_string="蓬" * 201), 400, "xml")
    assert_error(post(client, key, description="路灯", first_name="张" * 51), 400, "json")
    assert "attribute[note] 过长" in assert_error(
        post(client, key, description="路灯", **{"attribute[note]": "长" * 501}), 400, "json"
    )
    assert Case.objects.count() == 0
    ok = post(client, key, description="灯" * 4000)
    assert ok.status_code == 201
    number = js(ok)[0]["service_request_id"]
    long_update = {"api_key": key, "service_request_id": number, "description": "补" * 2001}
    assert "description 过长" in assert_error(
        client.post(f"{BASE}/servicerequestupdates.json", long_update), 400, "json"
    )
