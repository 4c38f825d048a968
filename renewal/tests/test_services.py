"""Plans, estimates, signing and the settlement after the signing period."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from renewal import selectors, services
from renewal.models import Certificate, CompensationPlan, Estimate, PlanItem, PublishedPlanError

from .conftest import at, make_certificate


def test_estimate_keeps_plan_version_and_itemised_lines(plan, certificate, users):
    # as of a day inside the plot's signing period (2022-03-01 … 03-31), before the first reward tier's day
    est = services.certificate_estimate(certificate=certificate, by=users["staff"], today=datetime.date(2022, 3, 2))
    assert est.plan == plan
    assert (est.E_share, est.P, est.T, est.V) == (D("832000.00"), D("300000.00"), D("750000.00"), D("1882000.00"))
    # decoration max(300 × 20 = 6,000, 10,000) is due now; the day-tier and ratio rewards await facts
    assert est.items_total == D("10000.00")
    assert est.total == D("1892000.00")
    labels = [line["label"] for line in est.lines]
    assert labels[:3] == ["认定建筑面积", "评估价格", "承租人所得评估价格"]
    decoration = next(line for line in est.lines if line["label"] == "装潢补偿")
    assert "保底 10,000.00" in decoration["formula"]
    assert {line["status"] for line in est.lines if line["label"] in ("签约奖励", "签约比例奖")} == {"conditional"}


def test_old_estimate_unchanged_when_a_new_plan_is_published(plan, certificate, users):
    old = services.certificate_estimate(certificate=certificate, by=users["staff"])
    draft = services.plan_create_draft(
        project=plan.project, by=users["staff"], copy_from=plan, average_price=D("60000")
    )
    assert draft.version == 2 and draft.items.count() == 3
    services.plan_publish(plan=draft, by=users["staff"])
    new = services.certificate_estimate(certificate=certificate, by=users["staff"])
    old.refresh_from_db()
    assert old.plan.version == 1 and D("1882000.00") == old.V
    assert new.plan.version == 2 and new.V > old.V
    assert "50,000.00" in old.lines[1]["formula"]


def test_published_plan_cannot_change(plan, users):
    with pytest.raises(ValidationError):
        services.plan_update(plan=plan, by=users["staff"], average_price=D("1"))
    with pytest.raises(ValidationError):
        services.plan_item_add(plan=plan, by=users["staff"], name="x", kind=PlanItem.Kind.FLAT, minimum=D("1"))
    plan.average_price = D("1")
    with pytest.raises(PublishedPlanError):
        plan.save()
    with pytest.raises(ValidationError, match="已发布"):
        services.plan_publish(plan=CompensationPlan.objects.get(pk=plan.pk), by=users["staff"])


def test_signature_to_the_minute_once(plan, certificate, users):
    cert = services.signature_record(
        certificate=certificate, choice="cash", by=users["staff"], at=at("2022-03-05", "09:31").replace(second=42)
    )
    assert cert.signed_at == at("2022-03-05", "09:31") and cert.signed_plan == plan
    with pytest.raises(ValidationError, match="不能重复"):
        services.signature_record(certificate=certificate, choice="exchange", by=users["staff"], at=at("2022-03-06"))


def test_signature_outside_the_period_is_refused(plan, certificate, users):
    with pytest.raises(ValidationError, match="已截止"):
        services.signature_record(certificate=certificate, choice="cash", by=users["staff"], at=at("2022-04-01"))


def test_rewards_settled_from_recorded_times_and_final_ratio(plan, project, users):
    early = make_certificate(project, "HP-1")
    late = make_certificate(project, "HP-2")
    for i in range(3, 8):
        services.signature_record(
            certificate=make_certificate(project, f"HP-{i}"), choice="exchange", by=users["staff"], at=at("2022-03-20")
        )
    make_certificate(project, "HP-8")  # never signs: 7 of 8 = 87.5 %
    make_certificate(project, "UNIT-1", holder_kind=Certificate.HolderKind.UNIT)  # unit certificates do not count here
    services.signature_record(certificate=early, choice="cash", by=users["staff"], at=at("2022-03-02", "08:05"))
    services.signature_record(certificate=late, choice="cash", by=users["staff"], at=at("2022-03-31", "19:59"))
    with pytest.raises(ValidationError, match="尚未结束"):
        services.signing_close(project=project, by=users["staff"], at=at("2022-03-31", "12:00"))
    result = services.signing_close(project=project, by=users["staff"], at=at("2022-04-01"))
    assert result["final_ratio"] == D("0.8750") and result["took_effect"] is True and result["settled"] == 7

    def reward(cert, label):
        settlement = Estimate.objects.get(certificate=cert, kind=Estimate.Kind.SETTLEMENT)
        return next(line for line in settlement.lines if line["label"] == label)

    assert reward(early, "签约奖励")["amount"] == "50000.00" and reward(early, "签约奖励")["status"] == "included"
    assert reward(late, "签约奖励")["amount"] == "20000.00"
    ratio = reward(late, "签约比例奖")
    assert ratio["amount"] == "10000.00" and "87.50%" in ratio["formula"]


def test_no_effect_no_day_reward(plan, project, users):
    cert = make_certificate(project, "HP-1")
    make_certificate(project, "HP-2")
    services.signature_record(certificate=cert, choice="cash", by=users["staff"], at=at("2022-03-02"))
    result = services.signing_close(project=project, by=users["staff"], at=at("2022-04-01"))
    assert result["took_effect"] is False
    settlement = Estimate.objects.get(certificate=cert, kind=Estimate.Kind.SETTLEMENT)
    day = next(line for line in settlement.lines if line["label"] == "签约奖励")
    ratio = next(line for line in settlement.lines if line["label"] == "签约比例奖")
    assert day["status"] == "excluded" and ratio["status"] == "excluded"
    assert settlement.total == settlement.V + settlement.G + D("10000")


def test_progress_counts_per_plot_and_overall(plan, project, users):
    certs = [make_certificate(project, f"HP-{i}") for i in range(4)]
    services.vote_record(certificate=certs[0], vote="yes", by=users["staff"])
    services.vote_record(certificate=certs[1], vote="yes", by=users["staff"])
    services.signature_record(certificate=certs[0], choice="cash", by=users["staff"], at=at("2022-03-03"))
    services.not_signed_set(
        certificate=certs[2], reason="family", note="兄妹份额争议", owner=users["staff"], by=users["staff"]
    )
    p = selectors.progress(project)
    assert p["overall"]["total"] == 4 and p["overall"]["signed"] == 1
    assert p["overall"]["round1_ratio"] == D("0.5000") and p["overall"]["round2_ratio"] == D("0.2500")
    assert p["overall"]["signatures_needed"] == 3 - 1 + 1  # ceil(0.85 × 4) = 4, 1 signed
    waiting = list(selectors.not_signed(project))
    assert len(waiting) == 3 and waiting[0].get_not_signed_reason_display() in ("", "家庭矛盾")


def test_progress_reports_unit_certificates_apart_unless_the_plot_counts_them(plan, project, users):
    from renewal.models import Plot

    shops = Plot.objects.create(project=project, name="沿街商铺")
    homes = [make_certificate(project, f"HP-{i}") for i in range(3)]
    make_certificate(project, "UNIT-1", plot=shops, holder_kind=Certificate.HolderKind.UNIT)
    services.signature_record(certificate=homes[0], choice="cash", by=users["staff"], at=at("2022-03-03"))
    p = selectors.progress(project)
    assert p["unit_certificates"] == 1 and p["overall"]["total"] == 3
    assert [row["name"] for row in p["plots"]] == ["一期"]  # the shops' plot holds no counted certificate
    assert p["overall"]["round2_ratio"] == D("0.3333")

    project.count_unit_certificates = True
    project.save()
    p = selectors.progress(project)
    assert p["unit_certificates"] == 1 and p["overall"]["total"] == 4
    assert sorted(row["name"] for row in p["plots"]) == sorted(["沿街商铺", "一期"])
    assert p["overall"]["round2_ratio"] == D("0.2500")


def test_whole_plot_estimate_matches_the_single_estimate_and_reports_bad_rows(
    plan, project, users, client_for, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from renewal.models import CoResident, HardshipPerson

    by_rooms = make_certificate(project, "HP-1", rooms=[12.5, 6.2])
    private = make_certificate(project, "HP-2", kind=Certificate.Kind.PROPERTY, unit_price=D("52000"))
    CoResident.objects.create(certificate=by_rooms, name="李某", relation="子女")
    HardshipPerson.objects.create(certificate=private, name="王某", kind="重病")
    # 新工房 成套 without the lift cannot convert 居住面积: reported by number, the others are kept
    make_certificate(project, "HP-3", house_type="新工房 成套", rooms=[20])

    with django_capture_on_commit_callbacks(execute=True):
        client_for(users["staff"]).post(reverse("renewal:project_estimate", args=[project.pk]))
    assert Estimate.objects.count() == 2
    result = services.project_estimate(project=project, by=users["staff"])
    assert result["count"] == 2 and result["plan_version"] == plan.version
    assert [p["number"] for p in result["problems"]] == ["HP-3"] and "电梯" in result["problems"][0]["message"]
    for cert in (by_rooms, private):
        cert.refresh_from_db()  # as the household page loads it
        whole = Estimate.objects.filter(certificate=cert).latest("id")
        single = services.certificate_estimate(certificate=cert, by=users["staff"])
        single.refresh_from_db()
        assert (whole.building_area, whole.V, whole.G, whole.items_total, whole.total) == (
            single.building_area,
            single.V,
            single.G,
            single.items_total,
            single.total,
        )
        assert whole.lines == single.lines and whole.plan == plan


def test_estimate_after_the_reward_day_drops_the_lapsed_tier(plan, certificate, users):
    """Not signed by 2022-03-10: the 50,000 tier is gone, the 20,000 tier (until 03-31) is what is still pending."""
    est = services.certificate_estimate(certificate=certificate, by=users["staff"], today=datetime.date(2022, 3, 15))
    reward = next(line for line in est.lines if line["label"] == "签约奖励")
    assert reward["status"] == "conditional" and reward["amount"] == "20000.00"
    assert "2022-03-31 前签约" in reward["condition"]


def test_estimate_after_the_signing_period_lists_the_reward_as_lapsed(plan, certificate, users):
    est = services.certificate_estimate(certificate=certificate, by=users["staff"], today=datetime.date(2022, 4, 2))
    reward = next(line for line in est.lines if line["label"] == "签约奖励")
    assert reward["status"] == "excluded" and reward["lapsed"] and "期限已过" in reward["formula"]
    assert est.conditional_total == D("30000.00")  # only the ratio reward still awaits the final ratio
