"""Demo volunteers and partner organisations for 老西门街道 and 天平街道 (fictional people).

Adds to ``ctx``: ``volunteers`` (by name) and ``organisations`` (by unit name).
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from lib import idcard
from org.models import Region, Unit

from . import services
from .models import Availability, Certificate, Commitment, Engagement, Organisation, Skill

# Organisation -> (contact, regions served, [(commitment, period, times)])
ORGANISATIONS = {
    "老西门律师事务所": (
        "吴律师",
        ["老西门街道"],
        [("每月一次法律咨询", "month", 1), ("旧改政策法律讲座", "quarter", 1)],
    ),
    "工商银行老西门支行": ("钱经理", ["老西门街道"], [("每季度一次金融知识进社区", "quarter", 1)]),
    "黄浦区中心医院老西门分部": ("林医生", ["老西门街道"], [("每月一次义诊", "month", 1)]),
    "老西门社区卫生服务中心": ("郑护士长", ["蓬莱路居委", "文庙居委"], [("独居老人健康随访", "month", 2)]),
    "老西门为老服务社": ("何社工", ["老西门街道"], [("养老政策咨询", "month", 1)]),
    "上海交响音乐进修学校": ("高老师", ["天平街道"], [("琴房向社区学生免费开放", "month", 4)]),
    "天平律师服务站": ("谢律师", ["天平街道"], [("每月一次法律咨询", "month", 1)]),
    "建设银行天平支行": ("冯经理", ["天平街道"], [("防范电信诈骗宣传", "quarter", 1)]),
}

# (name, neighbourhood, organisation or None, [(skill, level)], weekly slots [(weekday, start, end)], certificate)
VOLUNTEERS = [
    ("吴志明", "文庙居委", "老西门律师事务所", [("律师", 3), ("上海话", 3)], [(3, 13, 18), (5, 9, 17)], "律师执业证"),
    ("范丽娟", "蓬莱路居委", "老西门律师事务所", [("律师", 2), ("普通话", 3)], [(3, 13, 17)], "律师执业证"),
    ("钱海涛", "梦花街居委", "工商银行老西门支行", [("理财金融", 3)], [(3, 12, 18), (6, 9, 12)], "基金从业资格证"),
    ("孙倩", "尚文路居委", "工商银行老西门支行", [("理财金融", 2), ("房产", 1)], [(3, 13, 17)], ""),
    ("林建国", "文庙居委", "黄浦区中心医院老西门分部", [("医生", 3), ("上海话", 3)], [(3, 13, 17)], "医师执业证"),
    (
        "郑美华",
        "蓬莱路第二居委",
        "老西门社区卫生服务中心",
        [("医生", 2), ("心理咨询", 1)],
        [(1, 9, 12), (3, 13, 17)],
        "护士执业证",
    ),
    (
        "何晓东",
        "蓬莱路居委",
        "老西门为老服务社",
        [("社工", 3), ("上海话", 3)],
        [(0, 9, 17), (3, 9, 17)],
        "社会工作者证",
    ),
    (
        "陆佳琪",
        "文庙居委",
        "老西门为老服务社",
        [("社工", 2), ("心理咨询", 2)],
        [(3, 13, 17), (5, 9, 12)],
        "心理咨询师证",
    ),
    ("周德明", "梦花街居委", None, [("驾驶", 3), ("物流", 2)], [(3, 12, 18)], "驾驶证"),
    ("陈卫平", "蓬莱路居委", None, [("房产", 3), ("上海话", 3)], [(3, 13, 17), (6, 13, 17)], "房地产经纪人证"),
    ("黄丽萍", "尚文路居委", None, [("社工", 1), ("普通话", 3)], [(3, 13, 17)], ""),
    ("刘洋", "蓬莱路居委", None, [("普通话", 3), ("驾驶", 2)], [(3, 13, 18), (5, 9, 17)], ""),
    ("谢文静", "陕西南路居委", "天平律师服务站", [("律师", 3)], [(2, 14, 17)], "律师执业证"),
    ("冯国强", "永嘉路居委", "建设银行天平支行", [("理财金融", 2)], [(2, 14, 17)], ""),
    ("高雅琴", "建国西路居委", "上海交响音乐进修学校", [("社工", 1)], [(5, 9, 12)], ""),
    (
        "蒋伟",
        "嘉善路居委",
        None,
        [("驾驶", 3)],
        [(0, 10, 13), (1, 10, 13), (2, 10, 13), (3, 10, 13), (4, 10, 13)],
        "驾驶证",
    ),
]
PENDING = [("赵小燕", "蓬莱路居委", [("社工", 1)]), ("马骏", "陕西南路居委", [("驾驶", 2)])]

# Rough coordinates of each neighbourhood (WGS-84) for distance ranking.
COORDS = {
    "蓬莱路居委": (31.2190, 121.4880),
    "蓬莱路第二居委": (31.2180, 121.4895),
    "文庙居委": (31.2226, 121.4860),
    "梦花街居委": (31.2215, 121.4835),
    "尚文路居委": (31.2205, 121.4850),
    "陕西南路居委": (31.2100, 121.4540),
    "永嘉路居委": (31.2085, 121.4555),
    "建国西路居委": (31.2060, 121.4510),
    "嘉善路居委": (31.2070, 121.4600),
}


def load(ctx: dict) -> None:
    rng, regions, units, users = ctx["rng"], ctx["regions"], ctx["units"], ctx["users"]
    staff = users["staff"]
    skills = {s.name: s for s in Skill.objects.all()}

    organisations = {}
    for unit_name, (contact, served, commitments) in ORGANISATIONS.items():
        unit = units.get(unit_name) or Unit.objects.get(name=unit_name)
        org = Organisation.objects.create(
            unit=unit, contact_name=contact, contact_phone=unit.phone, description=f"{unit.region.name}党建共建单位"
        )
        org.regions.set([regions[r] for r in served])
        for title, period, times in commitments:
            c = Commitment.objects.create(
                organisation=org, title=title, period=period, times_per_period=times, year=timezone.localdate().year
            )
            for month in range(1, min(timezone.localdate().month, 12) + 1):
                due = period == "month" or (period == "quarter" and month % 3 == 1)
                if due and rng.random() < 0.8:
                    date = min(datetime.date(c.year, month, rng.randint(1, 25)), timezone.localdate())
                    services.commitment_deliver(commitment=c, by=staff, note=title, date=date)
        organisations[unit_name] = org

    volunteers = {}
    for n, (name, home, org_name, skill_list, slots, cert) in enumerate(VOLUNTEERS):
        region = regions[home]
        number = idcard.make(
            "310101" if regions["黄浦区"].contains(region) else "310104",
            datetime.date(1960 + n * 2, 1 + n % 12, 1 + n),
            100 + n * 2 + 1,
        )
        v = services.volunteer_sign_up(
            name=name,
            region=region,
            by=staff,
            user=users.get("volunteer") if name == "刘洋" else None,
            phone=f"139{rng.randint(10000000, 99999999)}",
            id_number=number,
            skills=[(skills[s], level) for s, level in skill_list],
        )
        services.volunteer_decide(volunteer=v, approve=True, by=staff)
        lat, lng = COORDS[home]
        v.latitude = Decimal(str(round(lat + rng.uniform(-0.002, 0.002), 6)))
        v.longitude = Decimal(str(round(lng + rng.uniform(-0.002, 0.002), 6)))
        v.save(update_fields=["latitude", "longitude"])
        for weekday, start, end in slots:
            Availability.objects.create(
                volunteer=v, weekday=weekday, start=datetime.time(start), end=datetime.time(end)
            )
        if cert:
            Certificate.objects.create(
                volunteer=v,
                name=cert,
                number=f"C{rng.randint(100000, 999999)}",
                expires_on=datetime.date(2024 + n % 5, 12, 31),
            )
        if org_name:
            Engagement.objects.create(
                volunteer=v,
                organisation=organisations[org_name],
                role=skill_list[0][0],
                since=datetime.date(2021, 3, 1),
            )
        volunteers[name] = v
    for name, home, skill_list in PENDING:
        services.volunteer_sign_up(
            name=name,
            region=regions[home],
            by=staff,
            phone=f"137{rng.randint(10000000, 99999999)}",
            skills=[(skills[s], level) for s, level in skill_list],
        )

    # Earlier hours entered by hand for the 天平街道 volunteers (a piano-room afternoon, a legal clinic).
    tianping = Region.objects.get(name="天平街道")
    day = datetime.date(2021, 6, 12)
    for name, activity, who, content, hours in [
        ("高雅琴", "琴房开放日", "社区音乐学生", "指导学生练琴", "3"),
        ("谢文静", "天平街道法律咨询日", "陕西南路居民", "解答房屋租赁纠纷", "2.5"),
    ]:
        began = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        r = services.record_add_manual(
            volunteer=volunteers[name],
            activity=activity,
            region=tianping,
            date=day,
            place="天平街道社区服务中心",
            served=who,
            content=content,
            started_at=began,
            ended_at=began + datetime.timedelta(hours=3),
            hours=Decimal(hours),
            by=users.get("staff_tianping", staff),
            organisation=organisations.get("上海交响音乐进修学校" if name == "高雅琴" else "天平律师服务站"),
        )
        services.record_verify(record=r, by=users.get("staff_tianping", staff))

    ctx["volunteers"], ctx["organisations"] = volunteers, organisations
    ctx["stdout"].write(f"    志愿者 {len(volunteers) + len(PENDING)} 人，共建单位 {len(organisations)} 家")
