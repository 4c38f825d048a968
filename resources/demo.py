"""Demo resources: the 上海交响音乐进修学校 free piano room for the day students (from the second story
in the seeds), a community activity room that needs approval, a wheelchair to lend and a meeting
room in 老西门街道; recurring after-school bookings; a 资源链接 case resolved by a standing permission.
"""

import datetime

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from cases.actions.intake import case_create
from cases.models import Case
from org.demo import DEMO_PASSWORD
from org.models import Membership, Role, User
from people.models import Address

from . import services
from .models import BookingGroup, OpeningHours, Resource, ResourceGrant

STUDENTS = [("student", "林小琴"), ("student2", "周小提"), ("student3", "吴小笛")]


def _hours(resource, weekdays, opens, closes):
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=resource, weekday=d, opens=datetime.time(*opens), closes=datetime.time(*closes))
        for d in weekdays
    )


def load(ctx: dict) -> None:
    regions, units, users = ctx["regions"], ctx["units"], ctx["users"]
    tianping, shaanxi = regions["天平街道"], regions["陕西南路居委"]
    staff_tp = users["staff_tianping"]

    # 1. The students: demo logins (same demo password), in the school's booking group.
    password = make_password(DEMO_PASSWORD)
    students = []
    for username, name in STUDENTS:
        user = User.objects.create(username=username, password=password, display_name=name)
        Membership.objects.create(user=user, region=shaanxi, role=Role.RESIDENT)
        students.append(user)
        users[username] = user
    group = BookingGroup.objects.create(
        name="上海交响音乐进修学校走读学生", region=tianping, description="租住在学校附近、家中没有钢琴的走读学生"
    )
    group.members.add(*students[:2])

    # 2. The free piano room, after school on weekdays and all day at weekends; closed on holidays.
    address, _ = Address.objects.get_or_create(
        road="陕西南路", lane="560", number="1", room="", defaults={"region": regions["陕西南路第一网格"]}
    )
    piano = Resource.objects.create(
        name="上海交响音乐进修学校免费琴房",
        kind=Resource.Kind.PIANO_ROOM,
        region=tianping,
        unit=units["上海交响音乐进修学校"],
        address=address,
        location_note="东楼一层琴房",
        description="社会组织联合党支部链接资源，学校提供琴房和钢琴，供走读同学课后免费练琴。",
        capacity=1,
        contact_name="徐老师",
        contact_phone="021-00000000",
        slot_minutes=30,
        min_minutes=30,
        max_minutes=120,
        min_notice_minutes=30,
        max_days_ahead=7,
        buffer_minutes=0,
        weekly_quota_minutes=600,
        requires_approval=False,
        closed_on_holidays=True,
        checkin_grace_minutes=15,
        offer_minutes=30,
    )
    piano.allowed_groups.add(group)
    _hours(piano, range(5), (16, 0), (21, 0))
    _hours(piano, (5, 6), (9, 0), (18, 0))

    activity = Resource.objects.create(
        name="天平街道社区活动室",
        kind=Resource.Kind.ACTIVITY_ROOM,
        region=tianping,
        unit=units["天平街道社区服务办"],
        location_note="社区服务中心二楼",
        capacity=30,
        contact_name="周敏",
        slot_minutes=60,
        min_minutes=60,
        max_minutes=180,
        min_notice_minutes=24 * 60,
        max_days_ahead=30,
        buffer_minutes=30,
        requires_approval=True,
        description="居民自治活动、兴趣小组、楼组议事均可申请，需社区服务办审批。",
    )
    _hours(activity, range(7), (9, 0), (20, 0))

    wheelchair = Resource.objects.create(
        name="轮椅（借用）",
        kind=Resource.Kind.EQUIPMENT,
        region=shaanxi,
        unit=units["陕西南路居委会"],
        location_note="居委会一楼",
        capacity=1,
        slot_minutes=60,
        min_minutes=60,
        max_minutes=8 * 60,
        max_days_ahead=14,
        closed_on_holidays=False,
        description="行动不便的居民就医、外出可借用，当日归还。",
    )
    _hours(wheelchair, range(7), (8, 0), (18, 0))

    meeting = Resource.objects.create(
        name="蓬莱路居委会议室",
        kind=Resource.Kind.MEETING_ROOM,
        region=regions["蓬莱路居委"],
        unit=units["蓬莱路居委会"],
        capacity=12,
        slot_minutes=30,
        min_minutes=30,
        max_minutes=180,
        max_days_ahead=21,
        buffer_minutes=15,
        requires_approval=True,
    )
    _hours(meeting, range(5), (9, 0), (17, 0))

    # 3. Recurring after-school practice for the term (每周一至五 16:30–18:00), holidays skipped.
    today = timezone.localdate()
    term_end = today + datetime.timedelta(weeks=8)
    services.series_create(
        resource=piano,
        user=students[0],
        group=group,
        weekdays=[0, 1, 2, 3, 4],
        start_time=datetime.time(16, 30),
        end_time=datetime.time(18, 0),
        first_date=today,
        last_date=term_end,
        by=staff_tp,
        purpose="课后练琴",
        skip_conflicts=True,
    )
    services.series_create(
        resource=piano,
        user=students[1],
        group=group,
        weekdays=[0, 2, 4],
        start_time=datetime.time(18, 0),
        end_time=datetime.time(19, 30),
        first_date=today,
        last_date=term_end,
        by=staff_tp,
        purpose="课后练琴",
        skip_conflicts=True,
    )

    # 4. A 资源链接 case: a third student asked at the visit; resolved by joining the group.

    case, _created = case_create(
        title="走读学生租住房内没有钢琴，课后无处练琴",
        region=shaanxi,
        channel=Case.Channel.VISIT,
        category="resources",
        by=users["worker_tianping"],
        description="上海交响音乐进修学校一名走读学生反映，租住房内没有钢琴，希望课后有地方练琴。",
    )
    services.case_grant_resource(
        case=case,
        resource=piano,
        user=students[2],
        by=staff_tp,
        kind=ResourceGrant.Kind.MEMBERSHIP,
        note="已加入走读学生群组，可自行预约琴房。",
    )
    ctx["resources"] = {"piano": piano, "activity": activity, "wheelchair": wheelchair, "meeting": meeting}
    ctx["stdout"].write(f"    共享资源 {Resource.objects.count()} 个，预约 {piano.bookings.count()} 次")
