"""The dashboard shows aggregates to leaders and staff of their regions, and exports them."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.actions.intake import case_create
from cases.actions.workflow import case_dispatch, case_resolve, case_visit


@pytest.fixture
def some_cases(world, users):
    def make(region, title):
        case, _created = case_create(
            title=title, description=title, region=region, channel="desk", category="repair", by=users["staff"]
        )
        return case

    a = make(world.penglai_grid, "楼道灯坏了")
    case_dispatch(case=a, unit=world.penglai_committee, by=users["staff"])
    case_resolve(case=a, by=users["worker"], note="已修")
    case_visit(case=a, by=users["worker"], verdict="satisfied")
    make(world.wenmiao, "垃圾堆放")
    make(world.shaanxi_grid, "陕西南路粪管")
    return a


def test_leader_sees_rates_of_own_subdistrict_without_case_details(client_for, users, some_cases):
    text = client_for(users["leader"]).get(reverse("dashboard:index")).content.decode()
    assert "老西门街道" in text and "满意率" in text and "100.0%" in text
    assert "蓬莱路居委" in text and "文庙居委" in text
    assert "陕西南路" not in text
    assert some_cases.number not in text and "楼道灯坏了" not in text


def test_leader_cannot_look_at_another_subdistrict(client_for, users, world, some_cases):
    # a region outside the leader's answers exactly like one that does not exist
    response = client_for(users["leader"]).get(reverse("dashboard:index"), {"region": world.tianping.pk})
    assert response.status_code == 404
    assert client_for(users["leader"]).get(reverse("dashboard:index"), {"region": 999_999}).status_code == 404


def test_workers_and_residents_have_no_dashboard(client_for, users):
    assert client_for(users["worker"]).get(reverse("dashboard:index")).status_code == 403
    assert client_for(users["resident"]).get(reverse("dashboard:index")).status_code == 403


def test_bad_dates_get_a_chinese_message(client_for, users, some_cases):
    text = (
        client_for(users["staff"])
        .get(reverse("dashboard:index"), {"start": "2026-05-01", "end": "2026-04-01"})
        .content.decode()
    )
    assert "开始日期不能晚于结束日期" in text


def test_excel_export_of_the_figures(client_for, users, some_cases):
    response = client_for(users["staff"]).get(reverse("dashboard:export"), {"period": "year"})
    rows = list(load_workbook(io.BytesIO(response.content))["三率"].values)
    assert rows[0][:3] == ("维度", "名称", "受理")
    assert rows[1][:3] == ("合计", "合计", 2)
    assert ("辖区", "蓬莱路居委") in [r[:2] for r in rows]


def test_home_panel_shows_this_months_rates(client_for, users, some_cases):
    text = client_for(users["leader"]).get(reverse("home")).content.decode()
    assert "本月三率" in text


def test_dashboard_query_count_is_fixed(client_for, users, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(region, category, unit):
        case, _created = case_create(
            title="楼道灯坏了", description="楼道灯坏了", region=region, channel="desk", category=category,
            by=users["staff"],
        )  # fmt: skip
        case_dispatch(case=case, unit=unit, by=users["staff"])

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(users["staff"]).get(url, {"period": "year"}).status_code == 200
        return len(ctx)

    add(world.penglai_grid, "repair", world.penglai_committee)
    count(reverse("dashboard:index"))  # the first request fills per-process caches (content types …)
    few = [count(reverse("dashboard:index")), count(reverse("dashboard:export"))]
    add(world.wenmiao, "legal", world.partner_unit)
    add(world.penglai, "meals", world.laoximen_office)
    add(world.laoximen, "family", world.penglai_committee)
    many = [count(reverse("dashboard:index")), count(reverse("dashboard:export"))]
    # the charts (grids, renovation, meals, volunteer hours) add a fixed handful to the figures' queries
    assert few == many and max(many) <= 26


def test_cutoff_job_moves_the_cutoff_on_postgres_only(db):
    from django.db import connection

    from dashboard.tasks import advance_figures_cutoff

    moved = advance_figures_cutoff.call_local()
    assert moved is (connection.vendor == "postgresql")
    if moved:
        with connection.cursor() as cursor:
            cursor.execute("SELECT now() - at < interval '1 minute' FROM cases_figures_cutoff")
            assert cursor.fetchone()[0]
