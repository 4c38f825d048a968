"""Writing, reviewing and publishing guides; versions and who changed what."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEntry
from guides import content, selectors, services
from guides.models import Guide, GuideRevision


def _data(topics, **more):
    return {
        "name": "申请入住养老机构",
        "topic": topics["养老政策"].pk,
        "basis": "《上海市养老服务条例》",
        "materials": [],
        "review_due": "2030-01-01",
        **more,
    }


def test_draft_to_pending_to_published_by_another_staff_member(world, users, topics, colleague):
    revision = services.guide_create(
        code="nursing-home-entry",
        region=world.laoximen,
        owner=world.laoximen_office,
        data=_data(topics),
        by=users["staff"],
    )
    guide = revision.guide
    assert guide.status == Guide.Status.DRAFT and revision.status == GuideRevision.Status.DRAFT
    revision = services.revision_submit(revision=revision, by=users["staff"])
    assert revision.status == GuideRevision.Status.PENDING
    guide = services.revision_approve(revision=revision, by=colleague)
    assert guide.status == Guide.Status.PUBLISHED and guide.version == 1 and guide.name == "申请入住养老机构"
    revision.refresh_from_db()
    assert revision.reviewer == colleague and revision.status == GuideRevision.Status.PUBLISHED
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"guides.guide.create", "guides.revision.submit", "guides.revision.approve"} <= actions


def test_the_author_cannot_publish_their_own_revision(world, users, topics):
    revision = services.guide_create(
        code="legal-aid", region=world.laoximen, owner=world.laoximen_office, data=_data(topics), by=users["staff"]
    )
    services.revision_submit(revision=revision, by=users["staff"])
    with pytest.raises(PermissionDenied):
        services.revision_approve(revision=revision, by=users["staff"])
    # and the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        GuideRevision.objects.filter(pk=revision.pk).update(reviewer=users["staff"])


def test_staff_of_another_subdistrict_cannot_review(world, users, topics):
    revision = services.guide_create(
        code="legal-aid", region=world.laoximen, owner=world.laoximen_office, data=_data(topics), by=users["staff"]
    )
    services.revision_submit(revision=revision, by=users["staff"])
    assert not selectors.may_review(users["staff_tianping"], revision)
    with pytest.raises(PermissionDenied):
        services.revision_approve(revision=revision, by=users["staff_tianping"])


def test_a_returned_revision_carries_the_reason_and_can_be_resubmitted(world, users, topics, colleague):
    revision = services.guide_create(
        code="legal-aid", region=world.laoximen, owner=world.laoximen_office, data=_data(topics), by=users["staff"]
    )
    services.revision_submit(revision=revision, by=users["staff"])
    with pytest.raises(ValidationError):
        services.revision_return(revision=revision, by=colleague, note=" ")
    revision = services.revision_return(revision=revision, by=colleague, note="请补充法律援助中心地址")
    assert revision.status == GuideRevision.Status.RETURNED and revision.review_note == "请补充法律援助中心地址"
    revision = services.revision_save(
        revision=revision,
        data=_data(topics, place="黄浦区法律援助中心"),
        note="补地址",
        lock=revision.lock,
        by=users["staff"],
    )
    assert services.revision_submit(revision=revision, by=users["staff"]).status == GuideRevision.Status.PENDING


def test_two_reviewers_approving_at_once_publish_once(world, users, topics, colleague, district_staff):
    revision = services.guide_create(
        code="legal-aid", region=world.laoximen, owner=world.laoximen_office, data=_data(topics), by=users["staff"]
    )
    services.revision_submit(revision=revision, by=users["staff"])
    stale = GuideRevision.objects.get(pk=revision.pk)
    services.revision_approve(revision=revision, by=colleague)
    with pytest.raises(ValidationError, match="已被审核"):
        services.revision_approve(revision=stale, by=district_staff)


def test_a_save_from_an_outdated_form_is_refused_not_merged(world, users, topics, colleague):
    revision = services.guide_create(
        code="legal-aid", region=world.laoximen, owner=world.laoximen_office, data=_data(topics), by=users["staff"]
    )
    shown_lock = revision.lock
    services.revision_save(revision=revision, data=_data(topics, fee="不收费"), note="", lock=shown_lock, by=colleague)
    with pytest.raises(ValidationError, match="已被他人保存"):
        services.revision_save(
            revision=revision, data=_data(topics, fee="收费"), note="", lock=shown_lock, by=users["staff"]
        )
    assert GuideRevision.objects.get(pk=revision.pk).data["fee"] == "不收费"


def test_editing_a_published_guide_keeps_residents_on_the_published_text(make_guide, users, colleague):
    guide = make_guide("elderly-meal-service", "社区老年助餐服务", hours="11:00—12:30")
    draft = services.revision_open(guide=guide, by=users["staff"])
    services.revision_save(
        revision=draft, data={**draft.data, "hours": "10:45—12:30"}, note="提前开饭", lock=draft.lock, by=users["staff"]
    )
    guide.refresh_from_db()
    assert guide.hours == "11:00—12:30"  # still the published text
    services.revision_submit(revision=draft, by=users["staff"])
    guide = services.revision_approve(revision=draft, by=colleague)
    assert guide.hours == "10:45—12:30" and guide.version == 2


def test_the_edit_page_saves_a_draft_from_the_form(make_guide, users, topics, client_for):
    # The form's revision data used to be read through a method named ``data``, hidden by the bound form's own
    # ``data``: every valid save answered 500.
    guide = make_guide("elderly-meal-service", "社区老年助餐服务", hours="11:00—12:30")
    draft = services.revision_open(guide=guide, by=users["staff"])
    form = {
        "name": "社区老年助餐服务",
        "topic": topics["养老政策"].pk,
        "basis": "《上海市养老服务条例》",
        "materials": "居民身份证 | 1 | 1 |",
        "hours": "10:45—12:30",
        "review_due": "2030-01-01",
        "note": "提前开饭",
        "lock": draft.lock,
    }
    response = client_for(users["staff"]).post(reverse("guides:guide_edit", args=[guide.pk]), form)
    assert response.status_code == 302 and response.url == reverse("guides:guide_detail", args=[guide.pk])
    draft.refresh_from_db()
    assert draft.data["hours"] == "10:45—12:30" and draft.note == "提前开饭"


def test_one_open_revision_per_guide(make_guide, users):
    guide = make_guide("elderly-meal-service", "社区老年助餐服务")
    first = services.revision_open(guide=guide, by=users["staff"])
    assert services.revision_open(guide=guide, by=users["staff"]) == first
    with pytest.raises(IntegrityError), transaction.atomic():
        GuideRevision.objects.create(guide=guide, number=99, author=users["staff"])


def test_history_page_shows_who_changed_what_with_the_old_value(make_guide, users, colleague, client_for):
    guide = make_guide("elderly-meal-service", "社区老年助餐服务", hours="11:00—12:30")
    draft = services.revision_open(guide=guide, by=users["staff"])
    services.revision_save(
        revision=draft, data={**draft.data, "hours": "10:45—12:30"}, note="提前开饭", lock=draft.lock, by=users["staff"]
    )
    services.revision_submit(revision=draft, by=users["staff"])
    services.revision_approve(revision=draft, by=colleague, note="已核实")
    page = client_for(users["volunteer"]).get(reverse("guides:guide_history", args=[guide.pk])).content.decode()
    assert "第 2 版" in page and "提前开饭" in page and "已核实" in page
    assert "赵磊" in page and "钱伟" in page  # the author and the reviewer by name
    assert "<del>11</del>:<del>00</del>" in page and "<ins>10</ins>:<ins>45</ins>" in page


def test_changes_list_only_what_changed():
    rows = content.changes({"name": "甲", "fee": "不收费"}, {"name": "甲", "fee": "收费10元"})
    assert [r["field"] for r in rows] == ["fee"]
    assert rows[0]["old"] == "不收费" and rows[0]["new"] == "收费10元"


def test_materials_are_read_as_name_originals_copies_note():
    rows = content.parse_materials("居民身份证 | 1 | 1 | 老人本人\n户口簿｜1｜0")
    assert rows == [
        {"name": "居民身份证", "originals": 1, "copies": 1, "note": "老人本人"},
        {"name": "户口簿", "originals": 1, "copies": 0, "note": ""},
    ]
    assert content.parse_materials(content.format_materials(rows)) == rows
    with pytest.raises(content.MaterialsError):
        content.parse_materials("居民身份证 | 一份 | 1")


def test_a_subdistrict_writes_its_own_version_of_an_inherited_guide(
    world, users, topics, offices, district_staff, colleague, client_for
):
    revision = services.guide_create(
        code="family-doctor-signing",
        region=world.huangpu,
        owner=offices["黄浦区民政局"],
        data=_data(topics, name="家庭医生签约", phone="12320"),
        by=district_staff,
    )
    services.revision_submit(revision=revision, by=district_staff)
    district = services.revision_approve(revision=revision, by=users["admin"])
    assert [g.pk for g in selectors.region_guides(world.laoximen)] == [district.pk]

    response = client_for(users["staff"]).post(
        reverse("guides:guide_override", args=[district.pk]), {"region": world.laoximen.pk}
    )
    local = Guide.objects.get(code="family-doctor-signing", region=world.laoximen)
    assert response.url == reverse("guides:guide_edit", args=[local.pk])
    draft = local.revisions.get()
    services.revision_save(
        revision=draft, data={**draft.data, "phone": "021-63026007"}, note="", lock=draft.lock, by=users["staff"]
    )
    services.revision_submit(revision=draft, by=users["staff"])
    services.revision_approve(revision=draft, by=colleague)
    # 老西门 now reads its own; 天平 still reads nothing of 黄浦区 (another district)
    assert [g.phone for g in selectors.region_guides(world.laoximen)] == ["021-63026007"]
    assert selectors.region_guides(world.tianping) == []


def test_retired_guides_leave_the_desk_and_the_public_pages(make_guide, users, world, client):
    guide = make_guide("parcel-delivery-help", "快递代收与老人寄递服务")
    services.guide_retire(guide=guide, by=users["staff"])
    assert selectors.region_guides(world.laoximen) == []
    assert client.get(reverse("guides_public:guide", args=[world.laoximen.pk, guide.code])).status_code == 404
