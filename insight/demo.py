"""Demo data for insight (``manage.py demo_data``): the sewage problem of 陕西南路582弄 reported
again by neighbours in their own words over the past week, so the hot-spot job finds
"陕西南路582弄 粪管堵塞 … 起，近 7 天" on the home page; two unsorted needs from the resident pages wait
in the inbox with category suggestions (made by the task queue after the load commits). The shipped
keyword rules come with the migrations. All people are fictional."""

import datetime

from django.utils import timezone

from cases.actions.intake import case_create
from cases.models import Case

from .actions import hotspots

# (title, description, location, urgency, days ago, reporter)
SEWAGE = [
    ("下水道反水", "11号楼下水道反水，马桶冲不下去，底楼一股臭味。", "陕西南路582弄11号", "normal", 5, "顾阿姨"),
    ("粪管又堵了", "582弄13号底楼粪管堵塞，灶披间进粪水，已经第二次了。", "陕西南路582弄13号", "high", 3, "沈老伯"),
    ("弄堂里冒污水", "582弄窨井里冒污水，整条弄堂都是臭味，化粪池是不是满了。", "陕西南路582弄", "normal", 2, "徐先生"),
    ("化粪池满了", "化粪池满了往外溢，底楼几户受不了，请尽快清掏。", "陕西南路582弄", "high", 1, "顾阿姨"),
]  # fmt: skip

UNSORTED = [
    ("电瓶车飞线充电", "有人从二楼窗户拉电线下来给电瓶车充电，电线挂在弄堂里，很危险。", "文庙第一网格"),
    ("想申请送餐上门", "我母亲一个人住，腿脚不方便，想申请老年助餐送餐上门。", "蓬莱路第二网格"),
]


def load(ctx: dict) -> None:
    regions, users = ctx["regions"], ctx["users"]
    worker = users["worker_tianping"]
    now = timezone.now()
    made = 0
    for title, description, where, urgency, days, reporter in SEWAGE:
        case, _created = case_create(
            title=title,
            description=description,
            location_text=where,
            region=regions["陕西南路第一网格"],
            channel="hotline",
            category="repair",
            urgency=urgency,
            reporter_name=reporter,
            reporter_phone="13900000088" if reporter == "顾阿姨" else "",
            by=worker,
        )
        # reported over the past week (the demo is loaded in one go)
        Case.objects.filter(pk=case.pk).update(created_at=now - datetime.timedelta(days=days, hours=2))
        made += 1
    for title, description, region in UNSORTED:
        if region in regions:
            case_create(
                title=title, description=description, region=regions[region], channel="web", reporter_name="匿名居民"
            )
            made += 1
    spots = hotspots.hotspots_refresh(now=now)
    ctx["stdout"].write(f"    诉求 {made} 件，热点 {spots} 个（分类关键词随数据迁移提供）")
