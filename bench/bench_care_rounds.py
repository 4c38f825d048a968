"""Generating a month of meal rounds for 1,000 recipients (target: under 10 s).

Baseline in the same run: the straightforward way, one ``get_or_create`` per round and one insert
per delivery, over the first week only (extrapolated), to show what the batched generator saves.
Run: .venv/bin/python bench/bench_care_rounds.py  (BENCH_DATABASE_URL=postgres://… for PostgreSQL)
"""

import datetime
import random
import time
from decimal import Decimal

import common

common.setup()

from django.db import transaction  # noqa: E402

from care.actions import meals  # noqa: E402
from care.models import CareRecipient, CareVolunteer, Delivery, Kitchen, MealRound, MealSubscription, Pause  # noqa: E402
from org.models import Membership, Region, Role, User  # noqa: E402
from people.models import Address, Household, Resident  # noqa: E402

N, KITCHENS, VOLUNTEERS = 1000, 5, 100
START = datetime.date(2025, 9, 15)
END = datetime.date(2025, 10, 14)  # 30 days, across National Day (kitchens 0–1 close on holidays)


def build():
    rng = random.Random(5)
    district = Region.objects.create(name="徐汇区", kind=Region.Kind.DISTRICT)
    sub = Region.objects.create(name="天平街道", kind=Region.Kind.SUBDISTRICT, parent=district)
    area = Region.objects.create(name="陕西南路居委", kind=Region.Kind.NEIGHBOURHOOD, parent=sub)
    kitchens = [
        Kitchen.objects.create(
            region=area,
            name=f"助餐点{k}",
            latitude=Decimal("31.2114"),
            longitude=Decimal("121.4572"),
            serves_on_holidays=k >= 2,
        )
        for k in range(KITCHENS)
    ]
    users = User.objects.bulk_create([User(username=f"bv{i}", display_name=f"志愿者{i}") for i in range(VOLUNTEERS)])
    Membership.objects.bulk_create([Membership(user=u, region=area, role=Role.VOLUNTEER) for u in users])
    CareVolunteer.objects.bulk_create(
        [CareVolunteer(user=u, region=area, kitchen=kitchens[i % KITCHENS], capacity=12) for i, u in enumerate(users)]
    )
    addresses = Address.objects.bulk_create(
        [Address(region=area, road="陕西南路", lane=str(i // 20), number=str(i % 20), room="101") for i in range(N)]
    )
    households = Household.objects.bulk_create([Household(region=area, address=a) for a in addresses])
    residents = Resident.objects.bulk_create(
        [Resident(region=area, household=h, name=f"老人{i}") for i, h in enumerate(households)]
    )
    recipients = CareRecipient.objects.bulk_create([CareRecipient(resident=r, region=area) for r in residents])
    MealSubscription.objects.bulk_create(
        [
            MealSubscription(
                recipient=r,
                kitchen=kitchens[i % KITCHENS],
                weekdays=rng.choice(["1234567", "12345", "135"]),
                price=Decimal("15"),
                subsidy=Decimal("5"),
                volunteer=users[(i // 8) % VOLUNTEERS],
                starts_on=START,
            )
            for i, r in enumerate(recipients)
        ]
    )
    Pause.objects.bulk_create(  # one in ten is in hospital for a week
        [
            Pause(recipient=r, starts_on=START + datetime.timedelta(days=rng.randint(0, 20)), reason="住院")
            for r in rng.sample(recipients, N // 10)
        ]
    )
    for p in Pause.objects.all():
        p.ends_on = p.starts_on + datetime.timedelta(days=6)
        p.save(update_fields=["ends_on"])
    return recipients


def naive(start, end):
    """One round lookup and one insert per delivery (what a first version would do)."""
    made = 0
    with transaction.atomic():
        day = start
        while day <= end:
            for sub in MealSubscription.objects.select_related("kitchen", "recipient"):
                if (
                    not sub.serves_weekday(day)
                    or sub.recipient.pauses.filter(starts_on__lte=day, ends_on__gte=day).exists()
                ):
                    continue
                if not sub.kitchen.serves_on_holidays and meals.is_public_holiday(day):
                    continue
                w = sub.kitchen.window(sub.meal)
                rnd, _ = MealRound.objects.get_or_create(
                    kitchen=sub.kitchen,
                    date=day,
                    meal=sub.meal,
                    defaults={"region_id": sub.kitchen.region_id, "window_start": w[0], "window_end": w[1]},
                )
                Delivery.objects.create(
                    region_id=sub.recipient.region_id, round=rnd, recipient=sub.recipient, volunteer_id=sub.volunteer_id
                )
                made += 1
            day += datetime.timedelta(days=1)
        transaction.set_rollback(True)  # measure only; keep the database for the real run
    return made


def main():
    build()
    week_end = START + datetime.timedelta(days=6)
    t = time.perf_counter()
    naive_made = naive(START, week_end)
    naive_s = time.perf_counter() - t

    t = time.perf_counter()
    result = meals.rounds_generate(start=START, end=END)
    batched_s = time.perf_counter() - t
    t = time.perf_counter()
    again = meals.rounds_generate(start=START, end=END)
    rerun_s = time.perf_counter() - t
    naive_month = naive_s * 30 / 7
    body = "\n".join(
        [
            f"{N:,} recipients, {KITCHENS} kitchens (2 closed on statutory holidays), {VOLUNTEERS} volunteers "
            f"(capacity 12), subscriptions of 7/5/3 days a week, one in ten paused for a week; 30 days "
            f"{START:%Y-%m-%d}…{END:%Y-%m-%d} across National Day.",
            "",
            "| run | time | rounds | deliveries |",
            "| --- | ---: | ---: | ---: |",
            f"| `rounds_generate`, the month | **{batched_s:.2f} s** | {result['rounds']:,} | "
            f"{result['deliveries']:,} |",
            f"| `rounds_generate` again (nothing new, safe to rerun) | {rerun_s:.2f} s | {again['rounds']} | "
            f"{again['deliveries']} |",
            f"| baseline: per-row lookups and inserts, first week | {naive_s:.2f} s | – | {naive_made:,} |",
            f"| baseline extrapolated to the month | ≈ {naive_month:.0f} s | – | – |",
            "",
            f"Target: a month for 1,000 recipients under 10 s — measured {batched_s:.2f} s "
            f"({naive_month / batched_s:.0f}× faster than the per-row baseline).",
        ]
    )
    common.report("care_rounds", body)


if __name__ == "__main__":
    main()
