"""What a resident reads without logging in: the subdistrict's searchable list, a guide's page, the one-page PDF."""

import re

import pytest
from django.urls import reverse

from guides.models import Guide


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", pdf))


@pytest.mark.parametrize("code", ["nursing-home-entry", "compensation-inheritance-split", "disability-subsidy"])
def test_every_guide_prints_on_one_page(shipped_guides, world, client, code):
    response = client.get(reverse("guides_public:pdf", args=[world.laoximen.pk, code]))
    assert response["Content-Type"] == "application/pdf"
    assert _pages(response.content) == 1


def test_the_search_box_finds_a_guide_from_everyday_words(shipped_guides, world, client):
    page = client.get(reverse("guides_public:list", args=[world.laoximen.pk]), {"q": "老娘想住敬老院"}).content.decode()
    results = page.split("找到的指南", 1)[1]
    first = re.search(r'href="/g/\d+/([a-z-]+)/"', results).group(1)
    assert first == "nursing-home-entry"


def test_a_guide_page_in_plain_chinese_with_its_materials_and_phone(shipped_guides, world, client):
    page = client.get(reverse("guides_public:guide", args=[world.laoximen.pk, "nursing-home-entry"])).content.decode()
    for words in ("谁可以办", "要带的材料", "居民身份证", "原件 1 份", "怎么办", "咨询电话", "打印这份指南（大字版）"):
        assert words in page
    assert "<svg" in page  # the QR code to this page
    assert "常见问法" not in page  # the matcher's phrasings are for staff


def test_an_unknown_region_or_code_is_not_found(shipped_guides, world, client):
    assert client.get(reverse("guides_public:guide", args=[world.laoximen.pk, "no-such-matter"])).status_code == 404
    assert client.get(reverse("guides_public:list", args=[987654])).status_code == 404


def test_the_local_guide_replaces_the_citys_on_the_public_page(shipped_guides, world, client):
    page = client.get(
        reverse("guides_public:guide", args=[world.laoximen.pk, "family-doctor-signing"])
    ).content.decode()
    assert "老西门社区卫生服务中心" in page
    city = Guide.objects.get(code="family-doctor-signing", region=None)
    assert city.status == "published"
