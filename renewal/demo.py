"""Demo renovation (``manage.py demo_data``; runs after org, people and cases).

蓬莱路地块 in 老西门街道 with two sub-plots, a published compensation plan (version 1) and a few hundred invented
certificates: round-1 votes, some round-2 signatures, holdouts with reasons, a consultation log and one family
dispute in mediation. Every name and number here is made up; the plan's figures are illustrative, not the real
plot's.
"""

import datetime
from decimal import Decimal as D

from django.utils import timezone

from . import services
from .models import Certificate, CoResident, HardshipPerson, PlanItem, Plot, RenewalProject, Room

CERTIFICATES = 360
LANES = ["蓬莱路 121 弄", "蓬莱路 153 弄", "蓬莱路 252 弄", "蓬莱路 303 弄", "大兴街 45 弄", "梦花街 12 弄"]
ROOMS = ["前楼", "后楼", "亭子间", "客堂间", "厢房", "阁楼"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余沈陆顾"
GIVEN = ["建国", "秀英", "国强", "桂英", "志明", "玉兰", "德华", "美华", "永康", "丽娟", "文龙", "凤英"]


def load(ctx: dict) -> None:
    rng, regions, users = ctx["rng"], ctx["regions"], ctx["users"]
    staff = users.get("renewal_staff") or users["staff"]
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - datetime.timedelta(days=12)
    project = RenewalProject.objects.create(
        name="蓬莱路地块",
        region=regions["老西门街道"],
        decision_date=(start - datetime.timedelta(days=5)).date(),
        round1_start=(start - datetime.timedelta(days=120)).date(),
        round1_end=(start - datetime.timedelta(days=100)).date(),
        signing_start=start,
        signing_end=start + datetime.timedelta(days=40),
        moving_deadline=(start + datetime.timedelta(days=100)).date(),
        round2_threshold=D("0.85"),
    )
    plots = [Plot.objects.create(project=project, name=n) for n in ("蓬莱路地块一期", "671街坊")]
    plan = services.plan_create_draft(
        project=project,
        by=staff,
        average_price=D("51250"),
        conversion_price=D("21500"),
        area_rounding="per_room",
        note="演示方案：数字为虚构示例。",
    )
    add = services.plan_item_add
    add(
        plan=plan,
        by=staff,
        order=1,
        name="装潢补偿",
        kind=PlanItem.Kind.MAX_RATE_MIN,
        rate=D("300"),
        minimum=D("10000"),
    )
    add(plan=plan, by=staff, order=2, name="搬家费", kind=PlanItem.Kind.FLAT, minimum=D("3000"))
    add(plan=plan, by=staff, order=3, name="设施设备迁移费", kind=PlanItem.Kind.FLAT, minimum=D("5000"))
    add(
        plan=plan,
        by=staff,
        order=4,
        name="临时安置费",
        kind=PlanItem.Kind.MAX_RATE_MIN,
        rate=D("1200"),
        minimum=D("30000"),
    )
    add(
        plan=plan,
        by=staff,
        order=5,
        name="均衡实物安置补贴",
        kind=PlanItem.Kind.PER_AREA,
        rate=D("12000"),
        choice=PlanItem.Choice.CASH,
    )
    day = (start + datetime.timedelta(days=10)).date().isoformat()
    end = (start + datetime.timedelta(days=40)).date().isoformat()
    add(
        plan=plan,
        by=staff,
        order=6,
        name="签约奖励",
        kind=PlanItem.Kind.DAY_TIERS,
        tiers=[{"until": day, "minimum": "100000"}, {"until": end, "minimum": "50000"}],
        requires_effect=True,
    )
    add(
        plan=plan,
        by=staff,
        order=7,
        name="签约比例奖",
        kind=PlanItem.Kind.RATIO_STEPS,
        tiers=[
            {"ratio": "0.85", "minimum": "10000"},
            {"ratio": "0.90", "minimum": "20000"},
            {"ratio": "0.95", "minimum": "30000"},
        ],
    )
    add(
        plan=plan,
        by=staff,
        order=8,
        name="重病补贴",
        kind=PlanItem.Kind.PER_PERSON,
        person_kind="重病",
        minimum=D("20000"),
    )
    add(
        plan=plan,
        by=staff,
        order=9,
        name="高龄补贴",
        kind=PlanItem.Kind.PER_PERSON,
        person_kind="高龄",
        minimum=D("10000"),
    )
    services.plan_publish(plan=plan, by=staff)

    types = ["旧式里弄"] * 7 + ["简屋", "新式里弄", "新工房 (不成套, 无电梯)"]
    certificates = []
    for i in range(CERTIFICATES):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        lane = LANES[i % len(LANES)]
        public = rng.random() < 0.8
        certificates.append(
            Certificate.objects.create(
                project=project,
                plot=plots[0] if i < CERTIFICATES * 2 // 3 else plots[1],
                number=f"黄浦-蓬莱-{i + 1:04d}",
                kind=Certificate.Kind.PUBLIC_LEASE if public else Certificate.Kind.PROPERTY,
                holder_kind=Certificate.HolderKind.UNIT if i % 90 == 89 else Certificate.HolderKind.RESIDENT,
                holder_name="黄浦区某商店" if i % 90 == 89 else name,
                address=f"{lane} {i // 12 + 1} 号 {rng.choice(ROOMS)}",
                house_type=rng.choice(types),
                building_area=None if public else D(str(round(rng.uniform(14, 45), 2))),
                unit_price=D(str(rng.randrange(50000, 54000))) if rng.random() < 0.25 else None,
                difficulty_persons=rng.choice([0, 0, 0, 0, 3, 4, 5]),
            )
        )
        cert = certificates[-1]
        if public:
            for j in range(rng.choice([1, 1, 2])):
                Room.objects.create(certificate=cert, name=ROOMS[j], living_area=D(str(round(rng.uniform(7, 16), 1))))
        for _j in range(rng.choice([0, 1, 2, 3])):
            CoResident.objects.create(
                certificate=cert,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                relation=rng.choice(["配偶", "子女", "孙辈"]),
                lived_one_year=rng.random() < 0.9,
                welfare_housing_elsewhere=rng.random() < 0.05,
            )
        if rng.random() < 0.06:
            HardshipPerson.objects.create(certificate=cert, name=name, kind=rng.choice(["重病", "高龄"]))

    # Round 1 long done; round 2 under way: about two thirds signed so far.
    reasons = ["family", "amount", "unreachable", "title", "amount", "family"]
    waiting = []
    for cert in certificates:
        vote_at = timezone.make_aware(
            datetime.datetime.combine(project.round1_start, datetime.time(9))  # type: ignore[arg-type]  # set above
        ) + datetime.timedelta(days=rng.randrange(0, 15), minutes=rng.randrange(0, 600))
        services.vote_record(certificate=cert, vote="yes" if rng.random() < 0.96 else "no", at=vote_at, by=staff)
        if rng.random() < 0.66:
            at = start + datetime.timedelta(days=rng.randrange(0, 11), minutes=rng.randrange(0, 600))
            services.signature_record(
                certificate=cert, choice=rng.choice(["cash", "cash", "exchange"]), at=at, by=staff
            )
            if rng.random() < 0.5:
                services.moving_record(certificate=cert, moved_at=min(now, at + datetime.timedelta(days=2)), by=staff)
        else:
            waiting.append(cert)
    for i, cert in enumerate(waiting[:60]):
        services.not_signed_set(certificate=cert, reason=reasons[i % len(reasons)], owner=staff, by=staff)
    for cert in certificates[:5] + waiting[:5]:
        services.consultation_add(
            certificate=cert,
            by=staff,
            channel="visit",
            asked="我家征收补偿款可以买多大房子？",
            answer="已按方案估算并打印购房测算单，说明以协议和结算单为准。",
        )
    services.project_estimate(project=project, by=staff)
    if waiting:
        disputed = waiting[0]
        mediation = services.mediation_open(
            certificate=disputed,
            subject="shares",
            parties=f"{disputed.holder_name} 承租人\n同住子女二人",
            by=staff,
        )
        services.mediation_session_add(
            mediation=mediation,
            by=staff,
            at=now - datetime.timedelta(days=2),
            place="蓬莱路地块旧改基地",
            notes="兄妹对份额有分歧，约定下次带户口簿再谈。",
        )
    signed = sum(1 for c in certificates if c.pk not in {w.pk for w in waiting})
    ctx["stdout"].write(f"    旧改权证 {len(certificates)} 证，已签约 {signed} 证")
