"""The end of seed story 001 on a phone: the story of the rerouted pipe, written by one member of staff, approved by
the second reviewer, published, and found in the public feed with its before/after photos in place; axe-core finds
nothing critical or serious on those pages."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from deeds import services
from deeds.models import DeedPhoto, Story
from org.models import Role
from org.testing import make_user
from tests.browser import axe_findings, login, page_fits


def _photo(name, colour):
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.mark.browser
def test_the_pipe_story_is_approved_published_and_in_the_feed(transactional_db, live_server, phone_page, world, users):
    writer = users["staff_tianping"]
    make_user("editor_tianping", role=Role.STAFF, region=world.tianping, unit=world.tianping_office, name="郑洁")
    deed = services.deed_save(
        by=writer, title="粪管改道", region=world.shaanxi, need="大树根系挤压粪管，雨天污水外溢。"
    )
    before = services.deed_add_photo(
        deed=deed, upload=_photo("b.jpg", (120, 98, 70)), kind=DeedPhoto.Kind.BEFORE, caption="修复前", by=writer
    )
    after = services.deed_add_photo(
        deed=deed, upload=_photo("a.jpg", (150, 150, 150)), kind=DeedPhoto.Kind.AFTER, caption="修复后", by=writer
    )
    story = services.story_save(
        by=writer,
        region=world.tianping,
        deed=deed,
        title="受损粪管被改道 解决居民糟心事",
        summary="街道多部门查勘、征得居民同意后完成粪管改道。",
        author_name="天平街道",
        body=(
            f'<p><strong>修复前</strong></p><p><img src="{before.image.url}" alt="修复前"></p>'
            f'<p><strong>修复后</strong></p><p><img src="{after.image.url}" alt="修复后"></p>'
            "<p>经过多个部门现场查勘、研究商议，提出了粪管改道的方案。</p>"
        ),
    )
    services.story_submit(story=story, by=writer)
    page = phone_page

    # the second reviewer approves on her phone
    login(page, live_server, "editor_tianping")
    page.goto(f"{live_server.url}/deeds/stories/{story.pk}/")
    findings = axe_findings(page)
    assert findings == [], findings
    page.get_by_role("button", name="审核通过").click()
    page.get_by_role("button", name="发布").wait_for()

    # the writer publishes
    page.goto("about:blank")  # no request of the last page is still in flight
    page.context.clear_cookies()
    login(page, live_server, "staff_tianping")
    page.goto(f"{live_server.url}/deeds/stories/{story.pk}/")
    page.get_by_role("button", name="发布").click()
    page.get_by_role("link", name="查看公开页面").wait_for()
    assert Story.objects.get(pk=story.pk).status == Story.Status.PUBLISHED

    # anyone finds it in the feed, photos where the story shows them
    page.goto("about:blank")  # no request of the last page is still in flight
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/deeds/public/{world.tianping.pk}/")
    findings = axe_findings(page)
    assert findings == [], findings
    page.get_by_role("link", name="受损粪管被改道 解决居民糟心事").first.click()
    page.get_by_text("经过多个部门现场查勘").wait_for()
    images = page.locator("main img")
    assert images.count() >= 2
    # every picture arrives (the public copies made on approval)
    page.wait_for_function(
        "() => [...document.querySelectorAll('main img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page_fits(page), "the story is wider than the phone"
    findings = axe_findings(page)
    assert findings == [], findings
