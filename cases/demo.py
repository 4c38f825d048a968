"""Demo cases (``manage.py demo_data``): routing rules and open cases in both subdistricts, among
them the shared sewage pipe at 陕西南路582弄11号 with its residents' consent round (方案征询).
Every person is fictional; every change goes through cases.actions like real use."""

import datetime

from django.utils import timezone

from org.models import Membership
from org.scoping import is_within

from .actions.consent import consent_record, consent_round_open
from .actions.intake import case_create
from .actions.requests import case_complex_decide, case_request_complex
from .actions.workflow import case_accept, case_contact, case_dispatch, case_log, case_resolve, case_start, case_visit
from .models import Case, Category, RoutingRule

S = Case.Status

# (category code, region name, main unit, co-units, auto dispatch)
RULES = [
    ("repair", "蓬莱路居委", "蓬莱路居委会", ["蓬莱物业管理有限公司"], True),
    ("repair", "文庙居委", "文庙居委会", ["文庙物业服务中心"], True),
    ("repair", "陕西南路居委", "陕西南路居委会", ["陕西南路物业服务中心"], True),
    ("legal", "老西门街道", "老西门律师事务所", [], True),
    ("legal", "天平街道", "天平律师服务站", [], True),
    ("finance", "老西门街道", "工商银行老西门支行", [], True),
    ("medical", "老西门街道", "老西门社区卫生服务中心", [], True),
    ("renewal", "老西门街道", "老西门街道旧改办", [], True),
    ("elderly", "老西门街道", "老西门为老服务社", [], False),
    ("sanitation", "天平街道", "天平街道管理办", [], True),
]

# (title, description, category, region, channel, urgency, how far along)
CASES = [
    (
        "楼道灯不亮",
        "蓬莱路某弄3号楼道灯坏了一个多月，老人晚上下楼看不见。",
        "repair",
        "蓬莱路第一网格",
        "visit",
        "normal",
        S.CONTACTED,
    ),
    (
        "遗产继承咨询",
        "父亲去世后老房子的继承，兄弟姐妹意见不一，想咨询法律程序。",
        "legal",
        "蓬莱路第二网格",
        "desk",
        "normal",
        S.RESOLVED,
    ),
    (
        "旧改补偿面积认定",
        "询问蓬莱路地块旧改中搭建部分是否计入补偿面积。",
        "renewal",
        "蓬莱路第三网格",
        "desk",
        "normal",
        S.ACCEPTED,
    ),
    (
        "独居老人助餐申请",
        "楼上独居的陆阿婆腿脚不便，想申请送餐上门。",
        "elderly",
        "文庙第一网格",
        "hotline",
        "high",
        S.NEW,
    ),
    (
        "弄堂口垃圾堆放",
        "文庙路弄堂口建筑垃圾堆了一周，气味很大。",
        "sanitation",
        "文庙第二网格",
        "visit",
        "normal",
        S.NEW,
    ),
    (
        "异地医保报销",
        "在外地住院的费用怎么报销，需要哪些材料。",
        "medical",
        "梦花街第一网格",
        "desk",
        "normal",
        S.VISITED,
    ),
    (
        "邻里噪音纠纷",
        "楼上住户夜里装修，多次沟通无果，希望居委调解。",
        "mediation",
        "尚文路第一网格",
        "hotline",
        "normal",
        S.NEW,
    ),
    (
        "养老金认证",
        "老人行动不便，养老金资格认证能否上门办理。",
        "finance",
        "蓬莱路第四网格",
        "visit",
        "normal",
        S.IN_PROGRESS,
    ),
    (
        "嘉善路人行道破损",
        "嘉善路人行道地砖松动，下雨天踩上去溅水。",
        "sanitation",
        "嘉善路第一网格",
        "web",
        "normal",
        S.DISPATCHED,
    ),
    ("永嘉路快递堆放", "快递经常堆在弄堂门口，丢过两次。", "logistics", "永嘉路第一网格", "web", "low", S.NEW),
    (
        "租房合同咨询",
        "房东提前收回房子，押金不退，想咨询怎么办。",
        "housing",
        "建国西路第一网格",
        "desk",
        "normal",
        S.NEW,
    ),
    ("陕西南路楼道堆物", "楼道里堆放杂物，有消防隐患。", "repair", "陕西南路第二网格", "visit", "normal", S.RESOLVED),
]


def _rules(ctx):
    regions, units = ctx["regions"], ctx["units"]
    for code, region, main, co, auto in RULES:
        if main not in units or region not in regions:
            continue
        rule = RoutingRule.objects.create(
            category=Category.objects.get(code=code), region=regions[region], main_unit=units[main], auto_dispatch=auto
        )
        rule.co_units.set([units[u] for u in co if u in units])


def _advance(case, stage, *, handler, dispatcher, units, rng):
    """Walk a case through the workflow up to ``stage`` (as real users would)."""
    order = [S.NEW, S.DISPATCHED, S.ACCEPTED, S.CONTACTED, S.IN_PROGRESS, S.RESOLVED, S.VISITED]
    target = order.index(stage)
    if target >= 1 and case.status == S.NEW:
        unit = units.get(f"{case.region.ancestor_of_kind('subdistrict').name}社区服务办")
        case_dispatch(case=case, unit=unit, by=dispatcher)
    if target >= 2 and case.status == S.DISPATCHED:
        # 签收 is the main unit's own act: one of its members, or (a unit with no demo login) the system
        member = Membership.objects.filter(unit_id=case.main_unit_id).select_related("user").first()
        case_accept(case=case, by=member.user if member else None)
    if target >= 3 and case.status in (S.DISPATCHED, S.ACCEPTED):
        case_contact(case=case, by=handler, note="已电话联系反映人，约定上门查看时间。")
    if target >= 4 and case.status in (S.ACCEPTED, S.CONTACTED):
        case_start(case=case, by=handler, note="已上门查看，正在协调处理。")
    if target >= 5:
        case_resolve(case=case, by=handler, note="已处理完毕，并向居民说明了结果。")
    if target >= 6:
        case_visit(case=case, by=handler, verdict=rng.choice(["satisfied", "satisfied", "basic"]))


def _sewage_case(ctx, worker, staff):
    """The story: a shared sewage pipe (粪管) at 陕西南路582弄11号 must be rerouted; the households of
    the building are asked first (方案征询)."""
    residents = [
        r
        for r in ctx.get("residents", [])
        if r.household_id
        and (r.household.address.road, r.household.address.lane, r.household.address.number)
        == ("陕西南路", "582", "11")
    ]
    reporter = residents[0] if residents else None
    region = reporter.region if reporter else ctx["regions"]["陕西南路第一网格"]
    case, _created = case_create(
        title="陕西南路582弄11号粪管改道",
        description="11号底楼粪管老化堵塞，雨天污水倒灌进底楼灶披间。物业建议把粪管改道，从后天井接入总管，"
        "需要楼里各户同意施工方案。",
        region=region,
        channel="visit",
        category="repair",
        urgency="high",
        resident=reporter,
        address=reporter.household.address if reporter else None,
        by=worker,
    )
    if case.status == S.NEW:
        case_dispatch(case=case, unit=ctx["units"]["陕西南路居委会"], by=staff)
    case_accept(case=case, by=worker)
    case_contact(case=case, by=worker, note="已上门查看，底楼两户灶披间有倒灌痕迹，已请物业先行疏通。")
    request = case_request_complex(case=case, by=worker, reason="需改道施工并征得全楼住户同意，涉及多户。")
    case_complex_decide(request=request, by=staff, approve=True, note="同意按复杂诉求办理，15个工作日。")
    rnd = consent_round_open(
        case=case,
        by=worker,
        title="粪管改道方案（后天井接入总管）",
        description="施工约3天，期间底楼卫生间停用；费用由维修资金列支。",
    )
    households = {}
    for r in residents:
        households.setdefault(r.household_id, r)
    channels = ["in_person", "phone", "visit", "wechat"]
    for i, r in enumerate(list(households.values())[:5]):
        consent_record(
            round=rnd,
            by=worker,
            name=r.name,
            resident=r,
            address_text=f"{r.household.address.room}室",
            agrees=i != 2,
            channel=channels[i % len(channels)],
            note="" if i != 2 else "担心施工期间用不了卫生间，希望安排临时厕所",
        )
    case_log(case=case, by=worker, note="已与物业确认可安排临时移动厕所，再次征询202室意见。")
    return case


def load(ctx: dict) -> None:
    rng, regions, units, users = ctx["rng"], ctx["regions"], ctx["units"], ctx["users"]
    _rules(ctx)
    made = []
    residents = ctx.get("residents", [])
    for title, description, code, region, channel, urgency, stage in CASES:
        local = [r for r in residents if r.region_id == regions[region].pk]
        resident = rng.choice(local) if local and rng.random() < 0.7 else None
        in_tianping = is_within(regions[region], regions["天平街道"])
        worker = users["worker_tianping" if in_tianping else "worker"]
        staff = users["staff_tianping" if in_tianping else "staff"]
        case, _created = case_create(
            title=title,
            description=description,
            region=regions[region],
            channel=channel,
            category=code,
            urgency=urgency,
            resident=resident,
            reporter_name="" if resident else "匿名居民",
            by=worker if channel != "web" else None,
        )
        _advance(case, stage, handler=staff, dispatcher=staff, units=units, rng=rng)
        made.append(case)
    # one case past its deadline, so the overdue list and the dashboard show it
    overdue = next(c for c in made if c.status == S.ACCEPTED)
    past = timezone.now() - datetime.timedelta(days=9)
    type(overdue).objects.filter(pk=overdue.pk).update(
        created_at=past,
        first_contact_due_at=past + datetime.timedelta(days=1),
        due_at=past + datetime.timedelta(days=7),
    )
    made.append(_sewage_case(ctx, users["worker_tianping"], users["staff_tianping"]))
    ctx["cases"] = made
    ctx["stdout"].write(f"    派单规则 {len(RULES)} 条，诉求 {len(made)} 件")
