"""Small builders for volunteers tests (and events tests): only what a test needs."""

import datetime

from django.utils import timezone

from volunteers import services
from volunteers.models import Organisation, Skill


def at(day: datetime.date, hhmm: str) -> datetime.datetime:
    h, m = map(int, hhmm.split(":"))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(h, m)))


def volunteer(world, *, name="李律师", user=None, skills=(("律师", 3),), approved=True, region=None, **extra):
    skill_rows = [(Skill.objects.get(name=s), level) for s, level in skills]
    v = services.volunteer_sign_up(
        name=name, region=region or world.penglai, user=user, skills=skill_rows, by=world.users["staff"]
    )
    if approved:
        services.volunteer_decide(volunteer=v, approve=True, by=world.users["staff"])
        v.refresh_from_db()
    for k, val in extra.items():
        setattr(v, k, val)
    if extra:
        v.save()
    return v


def organisation(world):
    org, _ = Organisation.objects.get_or_create(unit=world.partner_unit, defaults={"contact_name": "吴律师"})
    return org
