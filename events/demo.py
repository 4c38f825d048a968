"""Demo service days. The story's own day — 助力旧改大决战 志愿服务到一线, 蓬莱路地块旧改居民志愿服务活动,
2022-02-24 afternoon in front of 上海文庙 — is over (已结束): its seven desks, roster, consultations and service
hours are history. A second service day at the same place runs today (进行中), with volunteers signed in and
residents queueing at the desks, so a newcomer can call the next number.
"""

import datetime

from django.utils import timezone

from volunteers.models import ServiceRecord
from volunteers.services import assignment_respond, record_verify, shift_sign_in, shift_sign_out

from . import services
from .models import DeskTopic, QueueTicket

# desk topic -> (volunteer names on the roster, what residents asked, the advice given)
DESKS = {
    "法律": (
        ["吴志明", "范丽娟"],
        [
            (
                "家庭矛盾摆不平，征收补偿款兄弟姐妹怎么分？",
                "先由家庭协商，必要时申请人民调解，保留户籍和居住证明。",
                True,
            ),
            ("租户不肯搬走怎么办？", "按租赁合同和征收政策处理，可先由居委会协调。", False),
        ],
    ),
    "金融政策": (
        ["钱海涛", "孙倩"],
        [
            ("补偿款存银行还是买理财？", "保本需求优先定期存款，谨防高收益诈骗。", False),
        ],
    ),
    "物流服务": (["周德明"], [("搬家可以预约车辆吗？", "可预约街道联系的搬场公司，老人家庭优先。", False)]),
    "养老政策": (
        ["何晓东", "陆佳琪"],
        [
            ("我想去养老院养老，需要办些啥手续？", "先做老年照护统一需求评估，再到街道申请入住。", True),
        ],
    ),
    "房产买卖租赁": (
        ["陈卫平"],
        [
            ("我家征收补偿款可以买多大房子？", "按补偿总额和首付比例估算，详见旧改办测算表。", False),
            ("过渡期租房有补贴吗？", "有临时安置费，按户计发。", False),
        ],
    ),
    "医疗服务": (["林建国", "郑美华"], [("搬家后医保关系要转吗？", "市内搬迁无需转移，家庭医生可重新签约。", False)]),
    "未成年人保护": (["黄丽萍"], [("孩子转学怎么办理？", "凭新住址证明向区教育局申请，街道可出具证明。", False)]),
}


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def load(ctx: dict) -> None:
    regions, units, users, volunteers = ctx["regions"], ctx["units"], ctx["users"], ctx.get("volunteers", {})
    rng = ctx["rng"]
    staff = users["staff"]
    day = datetime.date(2022, 2, 24)
    partners = [o for name, o in ctx.get("organisations", {}).items() if o.unit.region.name == "老西门街道"]
    event = services.event_create(
        title="助力旧改大决战 志愿服务到一线——蓬莱路地块旧改居民志愿服务活动",
        region=regions["老西门街道"],
        starts_at=_at(day, 13, 30),
        ends_at=_at(day, 16, 30),
        place="上海文庙门口上街沿（文庙路215号）",
        organiser=units["老西门街道社区服务办"],
        partners=partners,
        description="老西门街道联合党建共建单位，为蓬莱路地块旧改居民提供现场咨询。",
        latitude=31.2226,
        longitude=121.4860,
        by=staff,
    )
    services.event_set_status(event=event, status="open", by=staff)
    residents = [r for r in ctx.get("residents", []) if regions["老西门街道"].contains(r.region)]
    minute = 0
    for topic_name, (names, questions) in DESKS.items():
        desk = services.desk_add(
            event=event, topic=DeskTopic.objects.get(name=topic_name), by=staff, name=f"{topic_name}咨询台"
        )
        roster = []
        for i, name in enumerate(names):
            if name not in volunteers:
                continue
            entry = services.roster_add(
                desk=desk,
                volunteer=volunteers[name],
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                by=staff,
                is_lead=i == 0,
            )
            a = assignment_respond(assignment=entry.assignment, accept=True, by=staff)
            shift_sign_in(assignment=a, by=staff, at=_at(day, 13, 20 + i * 5), method="qr" if i == 0 else "lead")
            r = shift_sign_out(
                assignment=a,
                by=staff,
                at=_at(day, 16, 30 + i * 10),
                method="lead",
                served="蓬莱路地块旧改居民",
                content=f"{topic_name}咨询",
            )
            if r is not None:
                record_verify(record=r, by=staff)
            roster.append(volunteers[name])
        # Residents served earlier in the afternoon: each leaves a consultation.
        for summary, advice, follow_up in questions:
            resident = rng.choice(residents) if residents else None
            services.ticket_take(
                desk=desk, by=staff, resident=resident, channel="staff", name=resident.name if resident else "居民"
            )
            t = services.ticket_call_next(desk=desk, by=staff)
            assert t is not None  # the number just taken is waiting
            services.ticket_start(ticket=t, by=staff)
            services.ticket_finish(
                ticket=t,
                by=staff,
                summary=summary,
                advice=advice,
                follow_up=follow_up,
                answered_by=roster[0] if roster else None,
            )
            issued = _at(day, 13, 35) + datetime.timedelta(minutes=minute)
            QueueTicket.objects.filter(pk=t.pk).update(
                issued_at=issued,
                taken_at=issued,
                called_at=issued + datetime.timedelta(minutes=6),
                last_called_at=issued + datetime.timedelta(minutes=6),
                started_at=issued + datetime.timedelta(minutes=7),
                finished_at=issued + datetime.timedelta(minutes=15),
            )
            minute += 4
    services.event_close(event=event, by=staff)  # the story's day ended at 16:30 on 2022-02-24
    ctx["event"] = event
    hours = sum(r.hours for r in ServiceRecord.objects.filter(assignment__roster_entry__desk__event=event))
    today = _today_event(ctx, partners)
    waiting = QueueTicket.objects.filter(desk__event=today).waiting().count()
    ctx["stdout"].write(
        f"    服务活动 2 场（2022-02-24 已结束，志愿服务 {hours} 小时；今天进行中，{waiting} 人等候），"
        f"咨询台各 {event.desks.count()} 个"
    )


def _today_event(ctx, partners):
    """Today's service day, under way: started within the last hour, desks open, leads signed in, a queue."""
    regions, units, users, volunteers = ctx["regions"], ctx["units"], ctx["users"], ctx.get("volunteers", {})
    rng, staff = ctx["rng"], users["staff"]
    now = timezone.localtime()
    start = now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=1)
    event = services.event_create(
        title="旧改居民志愿服务日——蓬莱路地块现场咨询",
        region=regions["老西门街道"],
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
        place="上海文庙门口上街沿（文庙路215号）",
        organiser=units["老西门街道社区服务办"],
        partners=partners,
        description="每月一次的旧改现场咨询：法律、金融政策、养老、房产等咨询台，居民扫码取号。",
        latitude=31.2226,
        longitude=121.4860,
        by=staff,
    )
    services.event_set_status(event=event, status="open", by=staff)
    for topic_name, (names, _questions) in DESKS.items():
        desk = services.desk_add(
            event=event, topic=DeskTopic.objects.get(name=topic_name), by=staff, name=f"{topic_name}咨询台"
        )
        lead = volunteers.get(names[0])
        if lead is not None:
            entry = services.roster_add(
                desk=desk, volunteer=lead, starts_at=event.starts_at, ends_at=event.ends_at, by=staff, is_lead=True
            )
            a = assignment_respond(assignment=entry.assignment, accept=True, by=staff)
            shift_sign_in(assignment=a, by=staff, at=start - datetime.timedelta(minutes=10), method="qr")
        # A few waiting, one of them elderly (priority).
        for k in range(rng.randint(1, 3)):
            services.ticket_take(
                desk=desk,
                by=staff,
                channel="staff",
                name=rng.choice(["王阿姨", "李伯伯", "张老师"]),
                priority_reason="elderly" if k == 0 and topic_name == "养老政策" else "",
            )
    return event
