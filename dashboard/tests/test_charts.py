"""The dashboard's pictures: each chart's figures match the cases, records and certificates behind them, stay
inside the region asked for, come with a table and an Excel sheet, and draw offline (ECharts vendored, grid
outlines from the region tree)."""

import datetime
import io
import json
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from cases.actions.intake import case_create
from org import shapes
from org.models import Region
from renewal.models import Certificate, Plot, RenewalProject

SQUARE = {"type": "Polygon", "coordinates": [[[121.48, 31.21], [121.49, 31.21], [121.49, 31.22], [121.48, 31.21]]]}


def chart_data(html: str, chart_id: str) -> dict:
    match = re.search(rf'<script id="chart-{chart_id}-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no chart {chart_id}"
    return json.loads(match.group(1))


@pytest.fixture
def cases_here_and_there(shipped_data, world, users):
    def make(region, title, category="repair"):
        return case_create(
            title=title, description=title, region=region, channel="desk", category=category, by=users["staff"]
        )[0]

    make(world.penglai_grid, "楼道灯坏了")
    make(world.penglai_grid, "下水道堵了")
    make(world.wenmiao, "垃圾堆放", category="sanitation")
    make(world.shaanxi_grid, "陕西南路粪管")  # another subdistrict: never in 老西门's figures


def test_the_page_draws_each_chart_from_the_figures_of_its_own_region(client_for, users, cases_here_and_there):
    html = client_for(users["leader"]).get(reverse("dashboard:index")).content.decode()
    assert "vendor/echarts.min.js" in html and "dashboard/charts.js" in html and "//cdn" not in html
    trend = chart_data(html, "trend")
    assert trend["kind"] == "trend" and sum(trend["series"][0]["data"]) == 3
    category = chart_data(html, "category")
    counts = dict(zip(category["labels"], category["series"][0]["data"], strict=True))
    assert counts == {"物业与设施报修": 2, "环境卫生": 1}
    # the same figures as a table, for screen readers and printing
    assert "查看数据表" in html and '<th scope="row">物业与设施报修</th><td>2</td>' in html
    assert "陕西南路粪管" not in html


def test_hot_spots_on_the_grids_outlines_without_map_tiles(client_for, users, world, cases_here_and_there):
    Region.objects.filter(pk=world.penglai_grid.pk).update(shape=SQUARE)
    html = client_for(users["leader"]).get(reverse("dashboard:index")).content.decode()
    grid = chart_data(html, "map")
    assert grid["geo"]["features"][0]["properties"]["name"] == world.penglai_grid.name
    assert dict(zip(grid["labels"], grid["series"][0]["data"], strict=True)) == {world.penglai_grid.name: 2}
    assert "tile" not in json.dumps(grid).lower()


def test_no_outline_no_map(client_for, users, cases_here_and_there):
    html = client_for(users["leader"]).get(reverse("dashboard:index")).content.decode()
    assert 'id="chart-map-data"' not in html


def test_signing_progress_per_sub_plot_against_the_threshold(client_for, users, world):
    project = RenewalProject.objects.create(
        name="蓬莱路地块", region=world.laoximen, round2_threshold=D("0.90"), signing_start=timezone.now()
    )

    def signed(yes):
        return {"signed_at": timezone.now(), "choice": Certificate.Choice.CASH} if yes else {}

    east, west = Plot.objects.create(project=project, name="东块"), Plot.objects.create(project=project, name="西块")
    for n in range(10):
        Certificate.objects.create(
            project=project, number=f"E{n}", plot=east, holder_name="某", address="蓬莱路", house_type="旧式里弄",
            kind=Certificate.Kind.PUBLIC_LEASE, building_area=D("20"), **signed(n < 9),
        )  # fmt: skip
        Certificate.objects.create(
            project=project, number=f"W{n}", plot=west, holder_name="某", address="蓬莱路", house_type="旧式里弄",
            kind=Certificate.Kind.PUBLIC_LEASE, building_area=D("20"), **signed(n < 5),
        )  # fmt: skip
    html = client_for(users["leader"]).get(reverse("dashboard:index")).content.decode()
    chart = chart_data(html, f"renewal-{project.pk}")
    assert chart["kind"] == "progress" and chart["threshold"] == 90.0
    assert dict(zip(chart["labels"], chart["series"][0]["data"], strict=True)) == {"东块": 90.0, "西块": 50.0}
    assert '<th scope="row">东块</th><td>10</td><td>9</td><td>90.0</td><td>是</td>' in html


def test_each_chart_exports_its_table_and_the_export_is_audited(client_for, users, cases_here_and_there):
    response = client_for(users["staff"]).get(reverse("dashboard:chart_export", args=["category"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [r for r in sheet.values if r and r[0] in ("分类", "物业与设施报修", "环境卫生")]
    assert rows[0][:2] == ("分类", "受理（件）") and rows[1][:2] == ("物业与设施报修", 2)
    assert AuditEntry.objects.filter(action="dashboard.chart_export").count() == 1
    assert client_for(users["staff"]).get(reverse("dashboard:chart_export", args=["nothing"])).status_code == 404


def test_the_big_screen_and_who_may_see_it(client_for, users, world, cases_here_and_there):
    page = client_for(users["leader"]).get(reverse("dashboard:screen"))
    html = page.content.decode()
    assert page.status_code == 200 and 'class="screen"' in html and 'data-refresh-seconds="300"' in html
    assert chart_data(html, "trend")
    assert client_for(users["worker"]).get(reverse("dashboard:screen")).status_code == 403
    other = client_for(users["leader"]).get(reverse("dashboard:screen"), {"region": world.tianping.pk})
    assert other.status_code == 404


def test_the_monthly_report_is_a_pdf_of_the_month_asked_for(client_for, users, cases_here_and_there):
    month = timezone.localtime().date().replace(day=1)
    response = client_for(users["leader"]).get(reverse("dashboard:report"), {"month": f"{month:%Y-%m}"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 2000
    assert AuditEntry.objects.get(action="dashboard.monthly_report").detail == {"month": f"{month:%Y-%m}"}
    assert client_for(users["worker"]).get(reverse("dashboard:report")).status_code == 403


def test_a_bad_month_falls_back_to_last_month():
    from dashboard.report import parse_month

    today = timezone.localtime().date()
    assert parse_month("2026-13") == (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    assert parse_month("2026-02") == datetime.date(2026, 2, 1)


def test_outlines_load_all_or_nothing_with_a_chinese_message(world):
    good = {"type": "Feature", "properties": {"name": world.penglai_grid.name}, "geometry": SQUARE}
    bad = {"type": "Feature", "properties": {"name": world.wenmiao.name}, "geometry": {"type": "Point"}}
    with pytest.raises(shapes.ShapeError, match="只接受 Polygon 或 MultiPolygon"):
        shapes.load({"type": "FeatureCollection", "features": [good, bad]}, root=world.laoximen)
    assert Region.objects.get(pk=world.penglai_grid.pk).shape is None
    stored, missing = shapes.load(
        {"type": "FeatureCollection", "features": [good, {**good, "properties": {"name": "没有这个网格"}}]},
        root=world.laoximen,
    )
    assert (stored, missing) == (1, ["没有这个网格"])


def test_the_demo_outlines_are_valid_geojson(world):
    collection = json.loads(shapes.DEMO_FILE.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        shapes.check_geometry(feature["geometry"], feature["properties"]["name"])
