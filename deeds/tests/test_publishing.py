import pytest
from django.core.exceptions import ValidationError

from cases.actions.intake import case_create
from cases.models import Case
from deeds import services
from deeds.models import Story
from deeds.sanitize import clean_html

from .conftest import approve, write_story


def test_body_is_sanitised_on_save(world, writer):
    story = write_story(
        writer,
        world,
        body=(
            '<p onclick="x()">好<script>alert(1)</script><strong>事</strong></p>'
            '<img src="https://evil.example/t.gif"><img src="/media/stories/a.jpg" onerror="x">'
            '<a href="javascript:alert(1)">链接</a><iframe src="/x">里面</iframe><p>未闭合'
        ),
    )
    assert story.body == ('<p>好<strong>事</strong></p><img src="/media/stories/a.jpg"><a>链接</a><p>未闭合</p>')


def test_sanitiser_keeps_the_allowed_subset():
    html = '<h2>标题</h2><ul><li>一</li><li>二</li></ul><a href="https://example.org/x">外链</a><br>'
    assert clean_html(html) == (
        "<h2>标题</h2><ul><li>一</li><li>二</li></ul>"
        '<a href="https://example.org/x" rel="noopener nofollow">外链</a><br>'
    )


def test_approval_needs_a_second_member_of_staff(world, writer, reviewer):
    story = write_story(writer, world)
    services.story_submit(story=story, by=writer)
    with pytest.raises(ValidationError) as same:
        services.story_approve(story=story, by=writer)
    assert "另一位工作人员" in same.value.messages[0]
    with pytest.raises(ValidationError):
        services.story_publish(story=story, by=writer)  # not yet approved
    services.story_approve(story=story, by=reviewer)
    services.story_publish(story=story, by=writer)
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED and story.published_at and story.approved_by == reviewer


@pytest.mark.parametrize("leak", ["联系人电话13812345678", "身份证号310104195001011234"])
def test_publishing_refuses_a_phone_or_id_number(world, writer, reviewer, leak):
    story = write_story(writer, world, body=f"<p>居民反映问题，{leak}。</p>")
    approve(story, writer, reviewer)
    with pytest.raises(ValidationError) as refused:
        services.story_publish(story=story, by=writer)
    message = " ".join(refused.value.messages)
    assert "身份证号或手机号" in message
    assert leak[-11:] not in message  # the message itself shows the number masked
    story.refresh_from_db()
    assert story.status == Story.Status.APPROVED and story.published_at is None


def test_publishing_flags_residents_names_from_linked_cases(world, writer, reviewer, deed):
    case, _created = case_create(
        title="院子粪管污水外溢",
        description="雨天污水满溢",
        region=world.shaanxi,
        channel=Case.Channel.VISIT,
        category="repair",
        reporter_name="钱美华",
        by=writer,
    )
    deed.cases.add(case)
    story = write_story(writer, world, deed=deed, body="<p>钱美华阿姨说，现在院子干净了。</p>")
    approve(story, writer, reviewer)
    with pytest.raises(ValidationError) as flagged:
        services.story_publish(story=story, by=writer)
    assert "钱美华" in flagged.value.messages[0]
    # with consent recorded, the story goes through review again and can be published
    story = services.story_save(story=story, by=writer, names_confirmed=True)
    assert story.status == Story.Status.DRAFT
    approve(story, writer, reviewer)
    assert services.story_publish(story=story, by=writer).status == Story.Status.PUBLISHED


def test_a_published_story_cannot_be_edited_in_place(world, writer, reviewer):
    story = write_story(writer, world)
    approve(story, writer, reviewer)
    services.story_publish(story=story, by=writer)
    with pytest.raises(ValidationError):
        services.story_save(story=story, by=writer, title="改标题")


def test_deed_rules(world, writer, deed):
    with pytest.raises(ValidationError) as consent:
        services.deed_save(deed=deed, by=writer, status="in_progress")
    assert "征得居民同意" in consent.value.messages[0]
    deed.refresh_from_db()
    with pytest.raises(ValidationError) as done:
        services.deed_save(deed=deed, by=writer, status="done", consent_obtained=True)
    assert "完成日期" in done.value.messages[0]


def test_people_outside_the_region_cannot_write(world, users, deed):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.deed_save(deed=deed, by=users["staff"], title="改名")
