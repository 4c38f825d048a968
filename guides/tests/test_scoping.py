"""Who sees which guide. The matrix, stated up front (staff pages; the public pages need no login):

| guide | 老西门 staff, worker | 蓬莱路 volunteer | 天平 staff, worker | public 老西门 | public 天平 |
| 老西门's own, published | yes | yes | 404 | yes | 404 |
| 黄浦区's, published | yes | yes | 404 | yes | 404 |
| the city's, published | yes | yes | yes | yes | yes |
| 老西门's own, draft | staff only | 404 | 404 | 404 | 404 |

Residents get 403 on the staff pages, anonymous users the login page.
"""

import pytest
from django.urls import reverse

from guides import services
from guides.models import Guide


@pytest.fixture
def guides(world, users, topics, offices, colleague, district_staff, make_guide):
    local = make_guide("elderly-meal-service", "社区老年助餐服务")
    district = make_guide(
        "school-place-after-moving",
        "搬迁后子女入学",
        region=world.huangpu,
        owner=offices["黄浦区民政局"],
        by=district_staff,
        reviewer=users["admin"],
    )
    city = make_guide(
        "legal-aid",
        "法律援助申请",
        region=None,
        owner=offices["黄浦区司法局"],
        by=users["admin"],
        reviewer=district_staff,
    )
    draft = services.guide_create(
        code="moving-and-storage",
        region=world.laoximen,
        owner=world.laoximen_office,
        data={"name": "旧改搬家与物品寄存", "topic": topics["物流服务"].pk, "review_due": "2030-01-01"},
        by=users["staff"],
    ).guide
    return {"local": local, "district": district, "city": city, "draft": draft}


def _status(client, name, pk):
    return client.get(reverse(name, args=[pk])).status_code


@pytest.mark.parametrize(
    "persona, visible",
    [
        ("staff", {"local", "district", "city", "draft"}),
        ("worker", {"local", "district", "city"}),
        ("volunteer", {"local", "district", "city"}),
        ("partner", {"local", "district", "city"}),
        ("leader", {"local", "district", "city"}),
        ("staff_tianping", {"city"}),
        ("worker_tianping", {"city"}),
    ],
)
def test_who_sees_which_guide(guides, users, client_for, persona, visible):
    client = client_for(users[persona])
    for key, guide in guides.items():
        expected = 200 if key in visible else 404
        assert _status(client, "guides:guide_detail", guide.pk) == expected, (persona, key)
    listed = set(Guide.objects.visible_to(users[persona]).values_list("pk", flat=True))
    assert listed == {guides[k].pk for k in visible}


def test_tianping_staff_get_404_for_laoximen_local_guides_everywhere(guides, users, client_for):
    client = client_for(users["staff_tianping"])
    local = guides["local"]
    for name in ("guides:guide_detail", "guides:guide_history", "guides:guide_edit"):
        assert _status(client, name, local.pk) == 404
    assert client.post(reverse("guides:guide_retire", args=[local.pk])).status_code == 404
    assert local.name not in client.get(reverse("guides:guide_list")).content.decode()


def test_residents_and_anonymous_users_use_the_public_pages(guides, users, client_for, client):
    assert client.get(reverse("guides:guide_list")).status_code == 302  # to the login page
    assert client_for(users["resident"]).get(reverse("guides:guide_list")).status_code == 403


@pytest.mark.parametrize(
    "key, laoximen, tianping",
    [("local", 200, 404), ("district", 200, 404), ("city", 200, 200), ("draft", 404, 404)],
)
def test_public_pages_show_only_published_guides_of_the_place(guides, world, client, key, laoximen, tianping):
    code = guides[key].code
    assert client.get(reverse("guides_public:guide", args=[world.laoximen.pk, code])).status_code == laoximen
    assert client.get(reverse("guides_public:guide", args=[world.tianping.pk, code])).status_code == tianping
    assert client.get(reverse("guides_public:pdf", args=[world.laoximen.pk, code])).status_code == laoximen


def test_public_list_of_a_subdistrict(guides, world, client):
    page = client.get(reverse("guides_public:list", args=[world.laoximen.pk])).content.decode()
    assert "社区老年助餐服务" in page and "法律援助申请" in page and "搬迁后子女入学" in page
    assert "旧改搬家与物品寄存" not in page  # a draft
    page = client.get(reverse("guides_public:list", args=[world.tianping.pk])).content.decode()
    assert "法律援助申请" in page and "社区老年助餐服务" not in page


def test_only_the_owning_office_edits_and_another_staff_member_reviews(guides, users, client_for, colleague):
    local = guides["local"]
    assert client_for(users["worker"]).get(reverse("guides:guide_edit", args=[local.pk])).status_code == 403
    response = client_for(users["staff_tianping"]).get(reverse("guides:guide_edit", args=[local.pk]))
    assert response.status_code == 404
    revision = services.revision_open(guide=local, by=users["staff"])
    services.revision_submit(revision=revision, by=users["staff"])
    response = client_for(users["staff"]).post(reverse("guides:revision_action", args=[revision.pk, "approve"]))
    revision.refresh_from_db()
    assert revision.status == "pending"  # refused: the author
    client_for(colleague).post(reverse("guides:revision_action", args=[revision.pk, "approve"]))
    revision.refresh_from_db()
    assert revision.status == "published"


def test_the_list_costs_the_same_statements_for_few_or_many_guides(make_guide, users, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(users["volunteer"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("guides:guide_list")).status_code == 200
        return len(ctx)

    make_guide("legal-aid", "法律援助申请")
    count()  # the first request fills per-process caches
    few = count()
    for code in ("elderly-meal-service", "parcel-delivery-help", "moving-and-storage"):
        make_guide(code, code)
    assert count() == few
