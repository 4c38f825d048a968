from django.urls import reverse

from deeds.models import Deed, Story

from .conftest import jpeg, write_story


def test_staff_records_a_deed_with_before_and_after_photos(client_for, world, writer):
    client = client_for(writer)
    assert client.get(reverse("deeds:deed_new")).status_code == 200
    response = client.post(
        reverse("deeds:deed_new"),
        {
            "title": "粪管改道",
            "region": world.shaanxi.pk,
            "need": "粪管被树根挤压",
            "work_done": "改道",
            "beneficiaries_count": 24,
            "beneficiaries_kind": "楼组居民",
            "status": "planned",
            "case_numbers": "",
        },
    )
    deed = Deed.objects.get(title="粪管改道")
    assert response.status_code == 302 and deed.created_by == writer
    for kind in ("before", "after"):
        client.post(reverse("deeds:deed_photo_add", args=[deed.pk]), {"kind": kind, "image": jpeg(), "caption": ""})
    assert sorted(deed.photos.values_list("kind", flat=True)) == ["after", "before"]
    page = client.get(reverse("deeds:deed_detail", args=[deed.pk])).content.decode()
    assert "修复前" in page and "修复后" in page
    listing = client.get(reverse("deeds:deed_list")).content.decode()
    assert "粪管改道" in listing


def test_unknown_case_number_is_a_clear_error(client_for, world, writer):
    page = (
        client_for(writer)
        .post(
            reverse("deeds:deed_new"),
            {
                "title": "x",
                "region": world.shaanxi.pk,
                "beneficiaries_count": 0,
                "status": "planned",
                "case_numbers": "MH2021-999999",
            },
        )
        .content.decode()
    )
    assert "找不到这些诉求" in page and not Deed.objects.exists()


def test_other_subdistrict_staff_get_404(client_for, world, writer, users):
    story = write_story(writer, world)
    client = client_for(users["staff"])
    assert client.get(reverse("deeds:story_detail", args=[story.pk])).status_code == 404
    assert client.post(reverse("deeds:story_action", args=[story.pk, "submit"])).status_code == 404
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT


def test_residents_cannot_open_the_ledger_but_can_read_public_pages(client_for, world, users):
    client = client_for(users["resident"])
    assert client.get(reverse("deeds:deed_list")).status_code == 403
    assert client.get(reverse("deeds:public_list")).status_code == 200


def test_monthly_page_and_pdf(client_for, world, users):
    client = client_for(users["leader"])
    page = client.get(reverse("deeds:monthly"), {"month": "2021-06", "region": world.laoximen.pk})
    assert "本月完成实事 0 件" in page.content.decode()
    pdf = client.get(reverse("deeds:monthly"), {"month": "2021-06", "region": world.laoximen.pk, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF")


def test_public_list_query_count_does_not_grow_with_stories(
    client, world, writer, reviewer, django_assert_max_num_queries
):
    from deeds import services

    from .conftest import approve

    for i in range(6):
        story = write_story(writer, world, body=f"<p>第{i}件实事。</p>")
        services.story_add_photo(story=story, upload=jpeg(), by=writer)
        approve(story, writer, reviewer)
        services.story_publish(story=story, by=writer)
    client.logout()
    with django_assert_max_num_queries(8):
        page = client.get(reverse("deeds:public_list", args=[world.tianping.pk]))
    assert page.content.decode().count('class="card story-card"') == 6
