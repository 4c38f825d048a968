import datetime
import email.utils
import io
import xml.etree.ElementTree as ET
import zipfile

import yaml
from django.urls import reverse

from deeds import services
from deeds.exports import monthly_summary
from deeds.models import Deed

from .conftest import approve, jpeg, write_story

ATOM = "{http://www.w3.org/2005/Atom}"


def published_story(world, writer, reviewer, deed=None):
    story = write_story(writer, world, deed=deed)
    photo = services.story_add_photo(story=story, upload=jpeg(), caption="修复后", by=writer)
    story = services.story_save(
        story=story,
        by=writer,
        body=story.body
        + f'<p><img src="{photo.image.url}" alt="修复后"></p><p><strong>修复后</strong>院子干净了。</p>',
    )
    approve(story, writer, reviewer)
    return services.story_publish(story=story, by=writer)


def test_rss_and_atom_feeds_parse_back(client, world, writer, reviewer):
    story = published_story(world, writer, reviewer)
    write_story(writer, world)  # a draft never appears
    rss = ET.fromstring(client.get(reverse("deeds:feed_rss", args=[world.tianping.pk])).content)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    items = rss.findall("./channel/item")
    assert [i.findtext("title") for i in items] == [story.title]
    assert items[0].findtext("link").endswith(reverse("deeds:public_story", args=[story.pk]))
    assert {c.text for c in items[0].findall("category")} == {"我为群众办实事", "天平街道"}
    atom = ET.fromstring(client.get(reverse("deeds:feed_atom", args=[world.tianping.pk])).content)
    assert atom.tag == f"{ATOM}feed"
    assert [e.findtext(f"{ATOM}title") for e in atom.findall(f"{ATOM}entry")] == [story.title]
    # the other subdistrict's feed stays empty
    other = ET.fromstring(client.get(reverse("deeds:feed_rss", args=[world.laoximen.pk])).content)
    assert other.findall("./channel/item") == []


def test_markdown_export_has_front_matter_and_images_alongside(client_for, world, writer, reviewer):
    story = published_story(world, writer, reviewer)
    response = client_for(writer).get(reverse("deeds:story_export", args=[story.pk]))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    post = next(n for n in names if n.endswith(".md"))
    assert post.startswith(f"{story.published_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))):%Y-%m-%d}-")
    text = archive.read(post).decode()
    assert text.startswith("---\n")
    matter = yaml.safe_load(text.split("---\n")[1])
    assert matter["title"] == story.title
    # two categories are two top-level Hexo categories, not 天平街道 under 我为群众办实事
    assert matter["categories"] == [["我为群众办实事"], ["天平街道"]]
    assert matter["tags"] == ["我为群众办实事", "天平街道"]
    assert matter["author"] == "天平街道"
    # Shanghai wall-clock time without an offset, read by YAML as a plain timestamp
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    assert matter["date"] == story.published_at.astimezone(shanghai).replace(tzinfo=None, microsecond=0)
    assert "+0800" not in text and matter["updated"] >= matter["date"]
    # images in the post asset folder, linked by their bare name
    folder = post[: -len(".md")]
    assert matter["headimg"] == matter["thumbnail"] and f"{folder}/{matter['headimg']}" in names
    body = text.split("---\n", 2)[2]
    assert "**修复后**院子干净了。" in body
    image_link = body.split("](")[1].split(")")[0]
    assert "/" not in image_link
    assert f"{folder}/{image_link}" in names and archive.read(f"{folder}/{image_link}")[:2] == b"\xff\xd8"  # a JPEG


def test_feeds_are_in_shanghai_time_and_updated_is_never_before_published(client, world, writer, reviewer):
    story = published_story(world, writer, reviewer)
    # an edit saved before publication left updated_at earlier than published_at
    earlier = story.published_at - datetime.timedelta(hours=3)
    type(story).objects.filter(pk=story.pk).update(updated_at=earlier)
    rss = ET.fromstring(client.get(reverse("deeds:feed_rss", args=[world.tianping.pk])).content)
    pub = rss.find("./channel/item").findtext("pubDate")
    assert pub.endswith("+0800")
    assert email.utils.parsedate_to_datetime(pub) == story.published_at.replace(microsecond=0)
    assert rss.findtext("./channel/lastBuildDate").endswith("+0800")
    atom = ET.fromstring(client.get(reverse("deeds:feed_atom", args=[world.tianping.pk])).content)
    entry = atom.find(f"{ATOM}entry")
    published = datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
    updated = datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
    assert entry.findtext(f"{ATOM}published").endswith("+08:00") and entry.findtext(f"{ATOM}updated").endswith("+08:00")
    assert updated >= published
    assert atom.findtext(f"{ATOM}updated").endswith("+08:00")


def test_story_pdf_and_public_pages(client, client_for, world, writer, reviewer):
    story = published_story(world, writer, reviewer)
    pdf = client_for(writer).get(reverse("deeds:story_pdf", args=[story.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.logout()
    listing = client.get(reverse("deeds:public_list", args=[world.tianping.pk])).content.decode()
    assert story.title in listing
    page = client.get(reverse("deeds:public_story", args=[story.pk])).content.decode()
    assert "院子干净了" in page
    draft = write_story(writer, world)
    assert client.get(reverse("deeds:public_story", args=[draft.pk])).status_code == 404


def test_monthly_summary_counts_deeds_people_and_cases(world, writer, deed):
    from cases.models import Case
    from cases.services import case_create

    case = case_create(
        title="粪管外溢",
        description="雨天外溢",
        region=world.shaanxi,
        channel=Case.Channel.VISIT,
        category="repair",
        by=writer,
    )
    services.deed_save(
        deed=deed,
        by=writer,
        status=Deed.Status.DONE,
        consent_obtained=True,
        started_on=datetime.date(2021, 5, 10),
        finished_on=datetime.date(2021, 6, 2),
        cases=[case],
    )
    services.deed_save(
        by=writer,
        title="爱心餐",
        region=world.shaanxi,
        status=Deed.Status.DONE,
        started_on=datetime.date(2021, 3, 15),
        finished_on=datetime.date(2021, 6, 10),
        beneficiaries_count=8,
        beneficiaries_kind="孤寡老人",
    )
    summary = monthly_summary(world.tianping, 2021, 6)
    assert [d.title for d in summary.deeds] == ["粪管改道", "爱心餐"]
    assert summary.people_served == 32 and summary.cases_behind == 1
    assert monthly_summary(world.laoximen, 2021, 6).deeds == []


def test_public_story_api_needs_no_login_and_lists_only_published(client, world, writer, reviewer):
    story = published_story(world, writer, reviewer)
    write_story(writer, world)
    client.logout()
    data = client.get("/api/public-stories/", {"region": world.tianping.pk}).json()
    results = data["results"] if isinstance(data, dict) else data
    assert [s["title"] for s in results] == [story.title]
    assert client.get("/api/public-stories/", {"region": world.laoximen.pk}).json()["count"] == 0
