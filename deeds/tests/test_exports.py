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
    from cases.actions.intake import case_create
    from cases.models import Case

    case, _created = case_create(
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


def foreign_files(world, users):
    """Files the body of a 天平街道 story might name: another subdistrict's case photo and import sheet,
    and a photo of another subdistrict's story."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from org.models import Region

    case_photo = default_storage.save("cases/2026/12/other.jpg", ContentFile(jpeg().read()))
    sheet = default_storage.save("imports/2026/12/居民.xlsx", ContentFile(b"PK\x03\x04 full ID numbers"))
    other = services.story_save(
        by=users["staff"], title="老西门的稿件", region=Region.objects.get(pk=world.laoximen.pk), body="<p>x</p>"
    )
    other_photo = services.story_add_photo(story=other, upload=jpeg(name="laoximen.jpg"), by=users["staff"])
    return [case_photo, sheet, other_photo.image.name]


def test_markdown_export_packs_only_the_storys_own_files(client_for, world, users, writer, reviewer):
    names = foreign_files(world, users)
    story = published_story(world, writer, reviewer)
    own = story.photos.get()
    services.story_withdraw(story=story, by=writer)
    body = story.body + "".join(f'<p><img src="/media/{n}" alt="别人的"></p>' for n in names)
    story = services.story_save(story=story, by=writer, body=body)
    assert all(f"/media/{n}" in story.body for n in names)  # the sanitiser lets any media path through
    response = client_for(writer).get(reverse("deeds:story_export", args=[story.pk]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    post = next(n for n in archive.namelist() if n.endswith(".md"))
    # the post and its asset folder holding only the story's own photo
    own_file = f"{post.removesuffix('.md')}/{own.image.name.rsplit('/', 1)[-1]}"
    assert sorted(archive.namelist()) == sorted([post, own_file])
    text = archive.read(post).decode()
    assert "别人的" not in text and "imports" not in text and "other.jpg" not in text and "laoximen" not in text


def test_markdown_export_escapes_html_in_body_and_front_matter(client_for, world, writer):
    story = write_story(
        writer,
        world,
        body="<p>&lt;script&gt;alert(1)&lt;/script&gt; 和 &lt;img src=x onerror=alert(2)&gt;</p>"
        '<p><a href="/x&quot;&gt;&lt;img src=x onerror=alert(3)&gt;">链接</a></p>',
    )
    story.title = "<script>alert(4)</script>标题"
    story.summary = "<img src=x onerror=alert(5)>"
    story.categories = "<script>alert(6)</script>, 天平街道"
    story.author_name = "<img src=x onerror=alert(7)>"
    story.save()
    response = client_for(writer).get(reverse("deeds:story_export", args=[story.pk]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    text = archive.read(next(n for n in archive.namelist() if n.endswith(".md"))).decode()
    matter = yaml.safe_load(text.split("---\n")[1])
    body = text.split("---\n", 2)[2]
    for part in [body, *map(str, matter.values())]:
        assert "<script" not in part and "<img" not in part, part
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert matter["title"] == "&lt;script&gt;alert(4)&lt;/script&gt;标题"
    assert matter["excerpt"] == "&lt;img src=x onerror=alert(5)&gt;"


def test_story_pdf_embeds_only_the_storys_own_photos(client_for, world, users, writer):
    names = foreign_files(world, users)
    story = write_story(writer, world, body="<p>好事</p>" + "".join(f'<img src="/media/{n}" alt="x">' for n in names))
    pdf = client_for(writer).get(reverse("deeds:story_pdf", args=[story.pk])).content
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" not in pdf
    own = services.story_add_photo(story=story, upload=jpeg(), caption="修复后", by=writer)
    story = services.story_save(story=story, by=writer, body=story.body + f'<img src="{own.image.url}" alt="y">')
    pdf = client_for(writer).get(reverse("deeds:story_pdf", args=[story.pk])).content
    assert pdf.count(b"/Subtype /Image") == 1


def test_story_pdf_leaves_out_an_img_that_is_not_a_picture(client_for, world, writer, users, settings):
    """A story body may name any file under /media/ in an <img>; one that is not a picture (or is a
    decompression bomb) is left out of the PDF instead of answering 500."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from lib.tests.pngs import declared_png

    text = default_storage.save("stories/2026/01/notes.txt", ContentFile(b"not a picture"))
    bomb = default_storage.save("stories/2026/01/bomb.png", ContentFile(declared_png(12000, 12000)))
    body = "".join(
        f'<p>图{n}</p><p><img src="{default_storage.url(name)}" alt="x"></p>' for n, name in enumerate([text, bomb])
    )
    story = write_story(writer, world, body=body)
    response = client_for(writer).get(reverse("deeds:story_pdf", args=[story.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_story_public_copies_command_repairs_stories_published_before_copies(world, writer, reviewer):
    from django.core.management import call_command
    from django.test import Client

    from deeds import files

    story = published_story(world, writer, reviewer)
    copy = "/media/" + files.public_name(story, story.photos.get())
    files.remove_public_copies(story)  # as a story published by an older release
    assert Client().get(copy).status_code == 404
    out = io.StringIO()
    call_command("story_public_copies", stdout=out)
    assert "would copy the photos of 1 stories" in out.getvalue() and Client().get(copy).status_code == 404
    call_command("story_public_copies", "--commit", stdout=io.StringIO())
    assert Client().get(copy).status_code == 200


def test_story_pdf_reads_photos_where_the_story_shows_them():
    from deeds.sanitize import body_blocks

    body = (
        "<p><strong>修复前</strong></p><p><img src='/media/a.jpg' alt='修复前'></p>"
        "<p><strong>修复后</strong></p><p><img src='/media/b.jpg' alt='修复后'></p><p>院子干净了。</p>"
    )
    assert body_blocks(body) == [
        ("text", "修复前"),
        ("img", "/media/a.jpg"),
        ("text", "修复后"),
        ("img", "/media/b.jpg"),
        ("text", "院子干净了。"),
    ]
