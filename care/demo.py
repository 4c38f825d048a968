"""Demo: 天平街道 陕西南路 — since mid-March five party members bring lunch (爱心餐) to eight elderly
people living alone, every day, and see each of them at the door. Two more are visited weekly."""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from org.demo import DEMO_PASSWORD
from org.models import Membership, Role, User

from .actions import enrolment, meals, routes, visits
from .models import CareRecipient, CareVolunteer, Kitchen

PARTY_MEMBERS = [  # (username, name, mode) — fictional
    ("care_vol1", "沈建华", "walk"),
    ("care_vol2", "顾美玲", "walk"),
    ("care_vol3", "陆志强", "bike"),
    ("care_vol4", "蒋秀英", "walk"),
    ("care_vol5", "韩国平", "bike"),
]
DIETS: list[dict[str, Any]] = [
    {"low_salt": True},
    {"low_sugar": True},
    {"soft": True},
    {},
    {"low_salt": True, "soft": True},
    {"liquid": True, "allergies": "海鲜"},
    {"halal": True},
    {},
]
DOOR_NOTES = ["耳背，请多敲几次门", "", "行动慢，请多等一会儿", "", "", "卧床，钥匙在邻居家", "", "白天常在门口晒太阳"]


def load(ctx: dict) -> None:
    rng, regions, users = ctx["rng"], ctx["regions"], ctx["users"]
    area = regions["陕西南路居委"]
    worker = users.get("worker_tianping")
    today = timezone.localdate()

    kitchen = Kitchen.objects.create(
        region=area,
        name="天平街道长者食堂（陕西南路助餐点）",
        address="陕西南路 600 号",
        latitude=Decimal("31.211400"),
        longitude=Decimal("121.457200"),
        serves_on_holidays=True,
    )
    volunteers = []
    password = make_password(DEMO_PASSWORD)  # the printed demo password; hashed once: Argon2 is slow by design
    for username, name, mode in PARTY_MEMBERS:
        user = User.objects.create(username=username, password=password, display_name=name)
        Membership.objects.create(user=user, region=area, role=Role.VOLUNTEER)
        CareVolunteer.objects.create(user=user, region=area, kitchen=kitchen, capacity=4, mode=mode)
        volunteers.append(user)
        users[username] = user

    # The oldest residents of 陕西南路 living in a household with an address (fictional people).
    local = [
        r
        for r in ctx["residents"]
        if r.region.path.startswith(area.path) and r.birth_date and r.household_id and r.household.address_id
    ]
    local.sort(key=lambda r: r.birth_date)
    chosen = local[:10]
    recipients = []
    for i, resident in enumerate(chosen[:8]):
        recipient = enrolment.recipient_create(
            resident=resident,
            by=worker,
            contacts=[
                (resident.name[0] + rng.choice("伟强敏丽军"), rng.choice(["儿子", "女儿", "侄子"]), f"1380021{i:04d}"),
                (rng.choice(["王", "李", "张"]) + "阿姨", "邻居", f"1391021{i:04d}"),
            ],
            living=CareRecipient.Living.ALONE if i % 3 else CareRecipient.Living.SOLITARY,
            mobility=rng.choice(["independent", "partial", "partial", "dependent"]),
            care_level=rng.choice([0, 2, 3, 4]),
            key_holder=rng.choice(["", "邻居王阿姨（201室）", "居委会代管"]),
            door_note=DOOR_NOTES[i],
            worker=worker,
            consent=True,
            consent_date=datetime.date(today.year, 3, 15),
            **DIETS[i],
        )
        # the diabetic one injects insulin at 11:30: her lunch must come by 11:20
        window = (datetime.time(11, 0), datetime.time(11, 20)) if DIETS[i].get("low_sugar") else (None, None)
        meals.subscription_add(
            recipient=recipient,
            kitchen=kitchen,
            by=worker,
            weekdays="1234567",
            price=Decimal("15.00"),
            subsidy=Decimal("7.00"),
            volunteer=volunteers[i % len(volunteers)],
            starts_on=datetime.date(today.year, 3, 15),
            window_start=window[0],
            window_end=window[1],
        )
        recipients.append(recipient)
    for j, resident in enumerate(chosen[8:]):  # no meals: weekly visits (老伙伴计划)
        recipient = enrolment.recipient_create(
            resident=resident,
            by=worker,
            contacts=[(resident.name[0] + "军", "儿子", f"1370021{j:04d}")],
            living=CareRecipient.Living.EMPTY_NEST,
            worker=worker,
            consent=True,
        )
        visits.visit_plan_create(
            recipient=recipient,
            visitor=volunteers[j],
            by=worker,
            first_due=today - datetime.timedelta(days=j * 3),  # one is overdue
        )

    meals.rounds_generate(start=today, end=today + datetime.timedelta(days=6), by=worker)
    rnd = kitchen.rounds.get(date=today)
    routes.round_plan(rnd=rnd, by=worker, seconds=1.0)
    ctx["care_kitchen"], ctx["care_recipients"] = kitchen, recipients
    ctx["stdout"].write(
        f"    关爱对象 {len(chosen)} 人，送餐志愿者 {len(volunteers)} 人，今日午餐 {rnd.deliveries.count()} 份"
    )
