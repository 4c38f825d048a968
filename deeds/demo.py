"""Demo deeds from the second story in the seeds (天平街道, June 2021): the sewage pipe rerouted at
陕西南路582弄11号 with before/after photos, the 爱心餐 meals for eight elderly people living alone, and
the free piano room — each with a published story (written by one member of staff, approved by another).
"""

import datetime
import io

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from cases.actions.intake import case_create
from cases.actions.workflow import case_dispatch, case_resolve
from cases.models import Case
from org.demo import DEMO_PASSWORD
from org.models import Membership, Role, User
from people.models import Address

from . import services
from .models import Deed, DeedPhoto


def _yard_photo(*, after: bool, name: str) -> SimpleUploadedFile:
    """A simple drawing of the courtyard: a tree, its roots and the ground — flooded before, paved after."""
    img = Image.new("RGB", (960, 640), (186, 214, 235))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 380, 960, 640], fill=(150, 150, 150) if after else (120, 98, 70))
    draw.rectangle([90, 140, 420, 380], fill=(230, 225, 210), outline=(90, 90, 90), width=4)  # the house
    draw.rectangle([210, 260, 290, 380], fill=(120, 80, 50))
    draw.rectangle([640, 170, 680, 400], fill=(100, 70, 40))  # trunk
    draw.ellipse([520, 40, 800, 240], fill=(60, 130, 60))
    if after:
        draw.rectangle([0, 560, 960, 590], fill=(80, 80, 80))  # the new pipe trench, covered
        for x in range(0, 960, 80):
            draw.line([x, 380, x, 640], fill=(170, 170, 170), width=2)
    else:
        for x0 in (560, 620, 690):
            draw.line([660, 400, x0, 520], fill=(90, 60, 30), width=10)  # roots pressing the pipe
        draw.ellipse([80, 440, 520, 600], fill=(95, 110, 80))  # overflow puddle
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _meal_photo() -> SimpleUploadedFile:
    img = Image.new("RGB", (800, 533), (250, 240, 225))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle([200, 180, 600, 420], radius=30, fill=(220, 90, 60))
    draw.ellipse([260, 120, 540, 260], fill=(240, 200, 120))
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("meal.jpg", buffer.getvalue(), content_type="image/jpeg")


# The pipe case a resident reported: `demo_logins` prints its number and this phone for the tracking page.
PIPE_TITLE = "院子地下粪管被树根挤压，雨天污水外溢"
PIPE_PHONE = "13900000582"

# The day the story was published (seeds/001: 2021-06-17 11:05 Beijing time): the feed dates it by its year.
STORY_PUBLISHED = datetime.datetime(2021, 6, 17, 11, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def _publish(story, writer, reviewer):
    services.story_submit(story=story, by=writer)
    services.story_approve(story=story, by=reviewer)
    story = services.story_publish(story=story, by=writer)
    # demo history: published on the story's own day, not the day the demo was loaded
    type(story).objects.filter(pk=story.pk).update(published_at=STORY_PUBLISHED)
    story.published_at = STORY_PUBLISHED
    return story


def load(ctx: dict) -> None:

    regions, units, users = ctx["regions"], ctx["units"], ctx["users"]
    tianping, shaanxi, grid = regions["天平街道"], regions["陕西南路居委"], regions["陕西南路第一网格"]
    writer = users["staff_tianping"]
    reviewer = User.objects.create(
        username="editor_tianping", password=make_password(DEMO_PASSWORD), display_name="郑洁"
    )
    Membership.objects.create(user=reviewer, region=tianping, role=Role.STAFF, unit=units["天平街道党建办"])
    users["editor_tianping"] = reviewer

    # 1. 粪管改道: the need reported and the visit that found it.
    address, _ = Address.objects.get_or_create(
        road="陕西南路", lane="582", number="11", room="", defaults={"region": grid}
    )
    reported, _created = case_create(
        title=PIPE_TITLE,
        region=grid,
        channel=Case.Channel.HOTLINE,
        category="repair",
        address=address,
        reporter_name="居民（化名）",
        reporter_phone=PIPE_PHONE,  # fictional: the resident follows it on the tracking page with this number
        by=users["worker_tianping"],
        description="底楼院子里几十年的大树根系把地下粪管挤压变形，一下雨污水就满溢到地面。",
    )
    visit, _created = case_create(
        title="“满意在徐汇”大走访：582弄11号院子气味难闻、进出不便",
        region=grid,
        channel=Case.Channel.VISIT,
        category="repair",
        address=address,
        by=users["worker_tianping"],
        description="走访中发现院子脏乱、气味难闻，居民进出十分不便，需多部门现场查勘。",
    )
    sewer = services.deed_save(
        by=writer,
        title="粪管改道",
        region=shaanxi,
        cases=[reported, visit],
        units=[units["天平街道管理办"], units["天平房管所"], units["陕西南路物业服务中心"]],
        need="陕西南路582弄11号底楼院子的大树根系挤压地下粪管，雨天污水外溢，院子脏乱、气味难闻。",
        work_done="多个部门现场查勘、研究商议，提出粪管改道方案；征得居民同意后组织施工队在最短时间内完成施工。",
        partners="施工队",
        started_on=datetime.date(2021, 5, 10),
        finished_on=datetime.date(2021, 6, 2),
        beneficiaries_count=24,
        beneficiaries_kind="楼组居民",
        consent_needed=True,
        consent_obtained=True,
        consent_note="方案征询：楼组居民一致同意改道。",
        status=Deed.Status.DONE,
        verdict=Deed.Verdict.SATISFIED,
        verdict_note="居民说：院子终于干净了。",
    )
    before = services.deed_add_photo(
        deed=sewer,
        upload=_yard_photo(after=False, name="before.jpg"),
        kind=DeedPhoto.Kind.BEFORE,
        caption="修复前：雨后污水外溢",
        by=writer,
    )
    after = services.deed_add_photo(
        deed=sewer,
        upload=_yard_photo(after=True, name="after.jpg"),
        kind=DeedPhoto.Kind.AFTER,
        caption="修复后：院子整洁",
        by=writer,
    )
    # The resident who reported it sees the work finished with the same before/after photos on the tracking page.
    if reported.status == Case.Status.NEW:
        case_dispatch(case=reported, unit=units["天平房管所"], by=None)
    case_resolve(
        case=reported,
        by=None,
        note="多部门现场查勘后粪管改道，征得居民同意后施工完成，院子不再积水。",
        before_photos=[_yard_photo(after=False, name="before.jpg")],
        after_photos=[_yard_photo(after=True, name="after.jpg")],
    )
    story = services.story_save(
        by=writer,
        region=tianping,
        deed=sewer,
        title="受损粪管被改道 解决居民糟心事",
        summary="大树根系挤压粪管，雨天污水外溢。街道多部门查勘、征得居民同意后完成粪管改道。",
        categories="我为群众办实事, 天平街道",
        author_name="天平街道",
        body=(
            "<p><strong>修复前</strong></p>"
            f'<p><img src="{before.image.url}" alt="修复前"></p>'
            "<p><strong>修复后</strong></p>"
            f'<p><img src="{after.image.url}" alt="修复后"></p>'
            "<p>陕西南路582弄11号的居民有这样一件难事，底楼院子里几十年的大树枝繁叶茂、盘根错节，大树的根系将地下粪管"
            "挤压变了形，一到下雨天，地下水就满溢到地面，使院子里脏乱不堪、气味难闻，往来进出的居民十分不便。</p>"
            "<p>街道在“满意在徐汇”大走访中民有所呼、我有所应，经过多个部门现场查勘、研究商议，提出了粪管改道的方案，"
            "得到了居民认可后，迅速组织施工队在最短时间内完成施工，彻底解决了这一桩糟心事，还居民一个美丽家园。</p>"
        ),
    )
    services.story_add_photo(
        story=story, upload=_yard_photo(after=True, name="head.jpg"), caption="改道后的院子", by=writer, as_head=True
    )
    _publish(story, writer, reviewer)

    # 2. 爱心餐: five committee members deliver lunch to eight elderly people living alone.
    meals = services.deed_save(
        by=writer,
        title="爱心餐",
        region=shaanxi,
        units=[units["陕西南路居委会"]],
        need="日常走访发现部分孤寡老人腿脚不便，按时吃饭成了最大问题，外送服务也常因客观原因不能准时送到。",
        work_done="居民区党总支5名成员利用午休时间，主动为孤寡老人送“爱心餐”。",
        volunteers="居民区党总支成员 5 人",
        started_on=datetime.date(2021, 3, 15),
        beneficiaries_count=8,
        beneficiaries_kind="孤寡老人",
        status=Deed.Status.IN_PROGRESS,
    )
    story = services.story_save(
        by=writer,
        region=tianping,
        deed=meals,
        title="老人吃饭成难题 我是党员我助力",
        summary="自3月中旬起，5名党总支成员已为8位孤寡老人安全准时送达爱心餐。",
        categories="我为群众办实事, 天平街道",
        author_name="天平街道",
        body=(
            "<p>天平居民区党总支在今年换届改选后，通过日常走访，发现部分孤寡老人腿脚不便，按时吃饭成为最大问题。</p>"
            "<p>居民区党总支结合“开门一件事”，5名党总支成员利用中午午休的时间，主动承担起为孤寡老人送“爱心餐”工作，"
            "自今年3月中旬起，已经为8位孤寡老人安全准时送达，得到了老人们的认可。</p>"
        ),
    )
    services.story_add_photo(story=story, upload=_meal_photo(), caption="爱心餐", by=writer, as_head=True)
    _publish(story, writer, reviewer)

    # 3. The free piano room (the resource itself is in resources.demo).
    piano_case = next(iter(Case.objects.filter(category__code="resources", region=shaanxi).order_by("pk")), None)
    piano = services.deed_save(
        by=writer,
        title="上海交响音乐进修学校免费琴房",
        region=tianping,
        units=[units["上海交响音乐进修学校"]],
        cases=[piano_case] if piano_case else [],
        partners="社会组织联合党支部",
        need="几位同学租住在学校附近，租赁房中没有钢琴，不能在课后练习。",
        work_done="联合党支部多方链接资源、反复调研，与学校协调提供免费琴房，同学们每天放学后可以练琴。",
        started_on=datetime.date(2021, 4, 1),
        finished_on=datetime.date(2021, 6, 1),
        beneficiaries_count=3,
        beneficiaries_kind="走读学生",
        status=Deed.Status.DONE,
        verdict=Deed.Verdict.SATISFIED,
    )
    story = services.story_save(
        by=writer,
        region=tianping,
        deed=piano,
        title="同学练琴没去处 “两新”组织来帮忙",
        summary="社会组织联合党支部链接资源，为走读同学提供免费琴房。",
        categories="我为群众办实事, 天平街道",
        author_name="天平街道",
        body=(
            "<p>上海交响音乐进修学校有几位同学租住在学校附近，由于租赁房中没有钢琴，不能在课后练习。社会组织联合党支部"
            "在了解这一情况后，通过多方渠道链接资源、反复调研、走访群众，与学校积极协调，为这些走读的同学提供了一个免费"
            "琴房，让他们每天放学后能够练琴。</p>"
        ),
    )
    _publish(story, writer, reviewer)
    ctx["stdout"].write(f"    实事项目 {Deed.objects.count()} 个，已发布宣传稿 3 篇")
