"""Demo guides: the shipped data file (guides/data/shanghai.toml) imported for 老西门街道 through the same checks as an
Excel import, then reviewed and published by a second person, one guide edited once more (so its history shows a
change), and the demo service day's consultations marked with the guide that answered them."""

from pathlib import Path

from django.contrib.auth.hashers import make_password

from org.models import Membership, Role, Unit, User

from . import importers, selectors, services
from .models import GuideRevision

DATA = Path(__file__).resolve().parent / "data" / "shanghai.toml"
# events/demo.py's consultations (by their first words) and the guide each was answered from.
ANSWERED = {
    "家庭矛盾摆不平": "compensation-inheritance-split",
    "补偿款存银行": "fraud-prevention",
    "搬家可以预约车辆": "moving-and-storage",
    "我想去养老院养老": "nursing-home-entry",
    "我家征收补偿款可以买多大房子": "renewal-compensation-calc",
    "过渡期租房有补贴": "rent-housing-subsidy",
    "搬家后医保关系要转": "medical-insurance-after-moving",
    "孩子转学怎么办理": "school-place-after-moving",
}
# The district offices that own district and city guides in the data file.
DISTRICT_UNITS = ["黄浦区民政局", "黄浦区司法局", "黄浦区教育局", "黄浦区住房保障和房屋管理局", "黄浦区残疾人联合会"]


def load(ctx: dict) -> None:
    regions, users = ctx["regions"], ctx["users"]
    huangpu, laoximen = regions["黄浦区"], regions["老西门街道"]
    for name in DISTRICT_UNITS:
        Unit.objects.get_or_create(name=name, region=huangpu, defaults={"kind": Unit.Kind.OTHER})
    reviewer = User.objects.create(
        username="huangpu_staff", display_name="林晓雯", password=make_password("minhu-demo-2022")
    )
    Membership.objects.create(
        user=reviewer, region=huangpu, role=Role.STAFF, unit=Unit.objects.get(name="黄浦区民政局", region=huangpu)
    )
    users["huangpu_staff"] = reviewer

    # 1. import the data file as the administrator (every row waits for review)
    admin = users["admin"]
    plan, errors = importers.validate(importers.toml_rows(DATA), region=laoximen, by=admin)
    if errors:
        raise ValueError(f"guides/data/shanghai.toml: {errors[:3]}")
    importers.write(plan, by=admin)
    # 2. a second person reviews and publishes: the subdistrict's staff for its offices' guides, the district's above
    pending = GuideRevision.objects.filter(status=GuideRevision.Status.PENDING).select_related("guide__owner__region")
    for revision in pending:
        local = revision.guide.owner.region_id == laoximen.pk
        services.revision_approve(revision=revision, by=users["staff"] if local else reviewer)
    # 3. the meal service's opening hours changed: a second version, written by the office and reviewed
    meals = next(g for g in selectors.region_guides(laoximen) if g.code == "elderly-meal-service")
    draft = services.revision_open(guide=meals, by=users["staff"])
    data = {**draft.data, "hours": "午餐 10:45—12:30，晚餐 16:45—18:00；登记 周一至周五 9:00—17:00"}
    note = "午餐提前一刻钟开饭"
    draft = services.revision_save(revision=draft, data=data, note=note, lock=draft.lock, by=users["staff"])
    services.revision_submit(revision=draft, by=users["staff"])
    services.revision_approve(revision=draft, by=users["renewal_staff"], note="已与长者食堂核实")
    # 4. the service day's consultations, marked as the desk volunteers marked them; the tenant's question had no
    #    guide (it shows on the gaps page)
    marked = 0
    event = ctx.get("event")
    if event is not None:
        guides = {g.code: g for g in selectors.region_guides(laoximen)}
        for c in event.consultations.all():
            code = next((code for start, code in ANSWERED.items() if c.summary.startswith(start)), None)
            if code:
                services.answer_mark(consultation=c, guide=guides[code], by=users["staff"])
                marked += 1
    count = len(selectors.region_guides(laoximen))
    ctx["stdout"].write(f"    办事指南 {len(plan)} 份（老西门街道可用 {count} 份），咨询记录标注指南 {marked} 条")
