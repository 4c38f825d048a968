"""The dashboard's fast figures (cases.metrics.summary on PostgreSQL: monthly figures kept by a trigger,
plus the pending cases' live counts, plus partial months from the cases) equal the written definitions
computed straight from the cases, on random cases, random periods and random moments."""

import datetime
import os
import random
import zoneinfo

import pytest
from django.db import connection

from cases import metrics
from cases.actions.workflow import case_cancel, case_contact, case_resolve, case_visit
from cases.models import Case, Category

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
STATUSES = [s for s, _label in Case.Status.choices]
VERDICTS = ["", "", "satisfied", "basic", "unsatisfied", "not_visited"]


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


def test_whole_months_and_partial_ends_of_a_period():
    months, edges = metrics._split(at(2026, 1, 1), at(2026, 3, 1))
    assert months == (at(2026, 1, 1), at(2026, 3, 1)) and edges == []
    # this year up to tomorrow: whole months to the first of this month, then this month from the cases
    months, edges = metrics._split(at(2026, 1, 1), at(2026, 3, 16))
    assert months == (at(2026, 1, 1), at(2026, 3, 1)) and edges == [(at(2026, 3, 1), at(2026, 3, 16))]
    months, edges = metrics._split(at(2026, 1, 10, 12), at(2026, 3, 16))
    assert months == (at(2026, 2, 1), at(2026, 3, 1))
    assert edges == [(at(2026, 1, 10, 12), at(2026, 2, 1)), (at(2026, 3, 1), at(2026, 3, 16))]
    # within one month: no whole month at all
    assert metrics._split(at(2026, 3, 1), at(2026, 3, 16)) == (None, [(at(2026, 3, 1), at(2026, 3, 16))])
    # midnight in Shanghai is 16:00 UTC the day before: still a month start
    assert metrics._split(datetime.datetime(2025, 12, 31, 16, tzinfo=UTC), None) == ((at(2026, 1, 1), None), [])
    assert metrics._split(None, at(2026, 2, 1)) == ((None, at(2026, 2, 1)), [])
    # nothing received after the period's end in its last month (the period ends tomorrow): whole month
    months, edges = metrics._split(at(2026, 1, 1), at(2026, 3, 16), lambda ranges: [True] * len(ranges))
    assert months == (at(2026, 1, 1), at(2026, 4, 1)) and edges == []
    months, edges = metrics._split(at(2026, 3, 5), at(2026, 3, 16), lambda ranges: [r[0].day == 1 for r in ranges])
    assert months is None and edges == [(at(2026, 3, 5), at(2026, 3, 16))]


def _random_cases(rng, world, n):
    regions = [world.penglai_grid, world.penglai, world.wenmiao, world.laoximen, world.shaanxi_grid, world.tianping]
    units = [None, world.penglai_committee, world.laoximen_office, world.shaanxi_committee, world.partner_unit]
    categories = list(Category.objects.filter(parent__isnull=False)[:6]) or list(Category.objects.all()[:6])
    base = at(2025, 11, 20)
    cases = []
    for i in range(n):
        region = rng.choice(regions)
        created = base + datetime.timedelta(days=rng.randrange(130), hours=rng.choice([0, 7, 15, 16, 23]))
        cases.append(
            Case(
                title=f"测试{i}",
                description="随机诉求",
                category=rng.choice(categories),
                region=region,
                region_path=region.path,
                channel="desk",
                created_at=created,
                **_random_state(rng, created, units),
            )
        )
    return Case.objects.bulk_create(cases)


def _random_state(rng, created, units):
    def maybe(hours):
        return None if rng.random() < 0.3 else created + datetime.timedelta(hours=rng.randrange(-5, hours))

    status = rng.choice([s for s in STATUSES if s != "merged"])
    return {
        "status": status,
        "main_unit": rng.choice(units),
        "first_contact_due_at": maybe(48),
        "first_contacted_at": maybe(72),
        "due_at": maybe(400),
        "resolved_at": maybe(600),
        "paused_at": None if rng.random() < 0.8 else created,
        "verdict": rng.choice(VERDICTS),
    }


def _shake(rng, world, cases):
    """Updates the ways the services do (save, queryset update), merges and deletes."""
    units = [None, world.penglai_committee, world.laoximen_office, world.partner_unit]
    for case in rng.sample(cases, len(cases) // 3):
        state = _random_state(rng, case.created_at, units)
        if rng.random() < 0.5:
            for name, value in state.items():
                setattr(case, name, value)
            if rng.random() < 0.2:
                case.region, case.region_path = world.wenmiao, world.wenmiao.path
                case.created_at += datetime.timedelta(days=rng.randrange(-40, 40))
            case.save()
        else:
            Case.objects.filter(pk=case.pk).update(**state)
    masters = rng.sample(cases, 3)
    for case in rng.sample([c for c in cases if c not in masters], 5):
        Case.objects.filter(pk=case.pk).update(status="merged", merged_into=rng.choice(masters))
    gone = rng.sample([c for c in cases if c not in masters], 5)
    Case.objects.filter(pk__in=[c.pk for c in gone], merged_cases__isnull=True).delete()


def _table():
    """The figures as kept (monthly rows plus the writers' deltas) and as recounted from the cases."""
    sums = ", ".join(f"sum({c})::int" for c in metrics.COUNT_FIELDS[:1] + _COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT level, region_path, month, main_unit_id, category_id, {sums} FROM (SELECT * FROM "
            "cases_monthly_figures UNION ALL SELECT * FROM cases_figures_delta) kept GROUP BY 1, 2, 3, 4, 5 "
            "ORDER BY 1, 2, 3, 4, 5"
        )
        kept = [row for row in cursor.fetchall() if any(row[5:])]  # a key whose cases all left it keeps zeros
    metrics.rebuild_monthly_figures()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_monthly_figures ORDER BY 1, 2, 3, 4, 5")
        recounted = cursor.fetchall()
    return kept, recounted


_COLUMNS = (
    "responded", "due_unresponded", "responded_on_time", "resolved", "resolved_on_time", "rated", "satisfied",
    "not_visited", "overdue",
)  # fmt: skip


def _flat(parts):
    out = {"total": tuple(getattr(parts["total"], f) for f in metrics.COUNT_FIELDS)}
    for name in ("by_region", "by_unit", "by_category", "by_month"):
        for r in parts.get(name, []):
            out[(name, r.label)] = tuple(getattr(r, f) for f in metrics.COUNT_FIELDS)
    return out


def _random_bound(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return None
    day = at(2025, 11, 1) + datetime.timedelta(days=rng.randrange(160))
    if kind == 1:
        return day.replace(day=1)  # a month start
    if kind == 2:
        return day  # a midnight
    return day + datetime.timedelta(minutes=rng.randrange(24 * 60))


@pytest.mark.postgres
def test_fast_figures_equal_the_definitions_on_random_cases(world, categories):
    rng = random.Random(int(os.environ.get("FIGURES_SEED", "20261127")))
    cases = _random_cases(rng, world, 300)
    kept, recounted = _table()
    assert kept == recounted  # the trigger kept the table exact on insert

    _shake(rng, world, cases)
    kept, recounted = _table()
    assert kept == recounted  # … and on every kind of update, merge and delete

    regions = [world.huangpu, world.laoximen, world.penglai, world.xuhui, world.penglai_grid]
    for _ in range(40):
        start, end = sorted([_random_bound(rng) or at(2000, 1, 1), _random_bound(rng) or at(2100, 1, 1)])
        start = None if start.year == 2000 else start
        end = None if end.year == 2100 else end
        now = at(2026, 1, 1) + datetime.timedelta(hours=rng.randrange(24 * 100))
        region = rng.choice(regions)
        detail = rng.random() < 0.7
        fast = metrics.summary(region, start, end, now=now, detail=detail)
        plain = metrics._summary_plain(region, start, end, now, detail)
        assert _flat(fast) == _flat(plain), (region.name, start, end, now)


@pytest.mark.postgres
def test_workflow_through_the_services_keeps_the_table_exact(world, users, make_case, routed):
    w = users["worker"]
    a = make_case()
    case_contact(case=a, by=w, note="已联系")
    case_resolve(case=a, by=w, note="已修")
    case_visit(case=a, by=w, verdict="unsatisfied", note="居民说没修好")  # back to the unit: 重办
    b = make_case()
    case_cancel(case=b, by=users["staff"], reason="居民撤回")
    kept, recounted = _table()
    assert kept == recounted and [row[5] for row in kept if row[0] == 2] == [1]  # b is withdrawn: not counted
    assert metrics.summary(world.laoximen, at(2000, 1, 1), None)["total"].received == 1


@pytest.mark.postgres
def test_truncating_the_cases_empties_the_table(world, make_case):
    make_case()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as after a commit, when flush truncates
        cursor.execute("TRUNCATE cases_case CASCADE")
        cursor.execute("SELECT count(*) FROM cases_monthly_figures")
        assert cursor.fetchone()[0] == 0


@pytest.mark.postgres
def test_moving_the_cutoff_keeps_the_figures_exact(world, categories):
    rng = random.Random(7)
    _random_cases(rng, world, 200)
    region, start = world.huangpu, at(2025, 12, 1)
    for to in [at(2026, 2, 10), at(2025, 12, 20, 7, 30), at(2026, 3, 31)]:
        assert metrics.advance_cutoff(to)
        kept, recounted = _table()  # what the job added equals a recount as of the new cut-off
        assert kept == recounted
        for now in [at(2026, 1, 5), at(2026, 2, 10), at(2026, 3, 20, 12)]:
            fast = metrics.summary(region, start, None, now=now)
            assert _flat(fast) == _flat(metrics._summary_plain(region, start, None, now, True))
