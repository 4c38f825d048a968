"""Pages: who sees what, the household page, the flat-size sheet, progress and the big screen."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from renewal import services
from renewal.models import Mediation

from .conftest import at, make_certificate


@pytest.fixture
def estimated(plan, certificate, users):
    services.certificate_estimate(certificate=certificate, by=users["staff"])
    return certificate


def test_office_sees_household_finances(client_for, users, estimated):
    page = client_for(users["staff"]).get(reverse("renewal:certificate_detail", args=[estimated.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "1,882,000.00" in text and "0.8 × E" in text
    assert "仅为估算示意" in text  # the shares warning


@pytest.mark.parametrize("persona", ["worker", "worker_wenmiao", "volunteer", "leader", "staff_tianping", "partner"])
def test_others_never_see_household_finances(client_for, users, estimated, persona):
    client = client_for(users[persona])
    assert client.get(reverse("renewal:certificate_detail", args=[estimated.pk])).status_code == 404
    assert client.get(reverse("renewal:flat_sheet", args=[estimated.pk])).status_code == 404
    assert client.get(reverse("renewal:project_detail", args=[estimated.project.pk])).status_code == 404


def test_leader_sees_progress_aggregates_without_households(client_for, users, estimated):
    page = client_for(users["leader"]).get(reverse("renewal:progress", args=[estimated.project.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "二轮签约" in text and estimated.number not in text and "未签约权证" not in text
    listing = client_for(users["leader"]).get(reverse("renewal:project_list")).content.decode()
    assert "蓬莱路地块" in listing


def test_other_subdistrict_sees_no_project(client_for, users, project):
    assert "蓬莱路地块" not in client_for(users["staff_tianping"]).get(reverse("renewal:project_list")).content.decode()
    assert client_for(users["staff_tianping"]).get(reverse("renewal:progress", args=[project.pk])).status_code == 404


def test_sign_from_the_household_page(client_for, users, estimated):
    client = client_for(users["staff"])
    url = reverse("renewal:certificate_sign", args=[estimated.pk])
    client.post(url, {"choice": "cash", "at": "2022-03-05T09:31"})
    estimated.refresh_from_db()
    assert estimated.signed_at == at("2022-03-05", "09:31") and estimated.choice == "cash"
    again = client.post(url, {"choice": "exchange", "at": "2022-03-06T09:00"}, follow=True)
    assert "不能重复登记" in again.content.decode()


def test_progress_page_lists_holdouts_with_reason_and_owner(client_for, users, plan, project):
    cert = make_certificate(project, "HP-9")
    services.not_signed_set(
        certificate=cert, reason="unreachable", note="在外地", owner=users["staff"], by=users["staff"]
    )
    text = client_for(users["staff"]).get(reverse("renewal:progress", args=[project.pk])).content.decode()
    assert "HP-9" in text and "联系不上" in text and "赵磊" in text


def test_big_screen_polls_with_htmx(client_for, users, plan, project):
    client = client_for(users["leader"])
    page = client.get(reverse("renewal:screen", args=[project.pk])).content.decode()
    assert 'hx-trigger="every 30s"' in page
    partial = client.get(reverse("renewal:screen", args=[project.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "二轮签约比例" in partial


@pytest.fixture
def signing_open(plan, users):
    """Version 2 of the plan with the signing-reward tiers around today: the household can still earn them."""
    draft = services.plan_create_draft(project=plan.project, by=users["staff"], copy_from=plan)
    today = timezone.localdate()
    draft.items.filter(name="签约奖励").update(
        tiers=[
            {"until": (today + datetime.timedelta(days=5)).isoformat(), "minimum": "50000"},
            {"until": (today + datetime.timedelta(days=30)).isoformat(), "minimum": "20000"},
        ]
    )
    return services.plan_publish(plan=draft, by=users["staff"])


def _flat_query(**extra):
    return {
        "first_home": "on",
        "include_conditional": "on",
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-label": "周浦新房",
        "form-0-price": "13000",
        "form-0-new_flat": "on",
        **extra,
    }


def test_flat_sheet_answers_with_inputs_and_disclaimer(client_for, users, signing_open, estimated):
    project = estimated.project
    url = reverse("renewal:flat_sheet", args=[estimated.pk])
    page = client_for(users["staff"]).get(
        url,
        {
            "first_home": "on",
            "persons": "2",
            "include_conditional": "on",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-label": "周浦新房",
            "form-0-price": "13000",
            "form-0-new_flat": "on",
        },
    )
    text = page.content.decode()
    assert "以征收补偿协议和结算单为准；不构成法律或税务意见" in text
    # budget: family share 1,882,000 + decoration 10,000 + pending rewards 50,000 + 30,000 = 1,972,000
    assert "1,972,000.00" in text and "周浦新房" in text
    area = page.context["answers"][0]["area"]
    cost = page.context["answers"][0]["cost"]
    assert cost.total <= D("1972000") and area > D("140")  # 1.5 % above 140 ㎡
    assert project.deed_tax_high == cost.deed_tax_rate
    counted = text.split('data-testid="counted"')[1].split("</p>")[0]
    assert "签约奖励 50,000.00" in counted and "签约比例奖 30,000.00" in counted
    first_tier_day = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    assert f"{first_tier_day} 前签约" in text  # the pending reward shows its condition and its day


def test_flat_sheet_drops_rewards_whose_day_has_passed(client_for, users, estimated):
    """The plan's signing rewards were for signing by March 2022; today a household not signed cannot get them."""
    page = client_for(users["staff"]).get(reverse("renewal:flat_sheet", args=[estimated.pk]), _flat_query())
    text = page.content.decode()
    # family share 1,882,000 + decoration 10,000 + the ratio reward still pending 30,000; no signing reward
    assert page.context["budget"] == D("1922000.00")
    lapsed = text.split('data-testid="lapsed"')[1].split("</ul>")[0]
    assert "签约奖励" in lapsed and "期限已过" in lapsed
    counted = text.split('data-testid="counted"')[1].split("</p>")[0]
    assert "签约比例奖" in counted and "期限已过、未计入：签约奖励" in counted


def test_flat_sheet_without_pending_rewards_says_so(client_for, users, estimated):
    query = _flat_query()
    del query["include_conditional"]
    page = client_for(users["staff"]).get(reverse("renewal:flat_sheet", args=[estimated.pk]), query)
    assert page.context["budget"] == D("1892000.00")
    assert "未计入待定奖励：签约比例奖" in page.content.decode()


def test_flat_sheet_price_rows_are_labelled_and_results_stack(client_for, users, estimated):
    text = (
        client_for(users["staff"])
        .get(reverse("renewal:flat_sheet", args=[estimated.pk]), _flat_query())
        .content.decode()
    )
    assert '<label class="visually-hidden" for="id_form-0-price">' in text
    assert 'class="lines stack"' in text and 'data-label="最大面积"' in text


def test_mediation_becomes_a_case_linked_to_the_certificate(users, plan, certificate):
    from cases.models import Case
    from cases.selectors import cases_for_source

    m = services.mediation_open(
        certificate=certificate, subject="shares", parties="张甲 长子\n张乙 次女", by=users["staff"]
    )
    case = Case.objects.get(pk=m.case.pk)
    assert case.channel == "renewal" and case.category.code == "family"
    assert list(cases_for_source(certificate)) == [case]
    certificate.refresh_from_db()
    assert certificate.get_not_signed_reason_display() == "家庭矛盾"
    services.mediation_session_add(
        mediation=m, by=users["staff"], at=at("2022-03-04", "14:00"), notes="双方同意按人头分配", place="基地"
    )
    m = services.mediation_close(mediation=m, by=users["staff"], outcome=Mediation.Outcome.AGREED, text="按四份均分")
    assert m.outcome == "agreed" and m.agreement == "按四份均分"
    notes = list(case.events.values_list("note", flat=True))
    assert any("调解会谈" in n for n in notes) and any("达成调解协议" in n for n in notes)


def test_holdout_list_counts_and_filters_by_reason(client_for, users, plan, project, django_assert_max_num_queries):
    for i in range(3):
        services.not_signed_set(certificate=make_certificate(project, f"HP-F{i}"), reason="family", by=users["staff"])
    make_certificate(project, "HP-N1")
    client = client_for(users["staff"])
    url = reverse("renewal:progress", args=[project.pk])
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.context["waiting"].paginator.count == 4
    family = client.get(url, {"reason": "family"})
    assert family.context["waiting"].paginator.count == 3
    assert [c.number for c in family.context["waiting"]] == ["HP-F0", "HP-F1", "HP-F2"]
    unknown = client.get(url, {"reason": "nonsense"})
    assert unknown.context["reason"] == "" and unknown.context["waiting"].paginator.count == 4
