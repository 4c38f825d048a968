"""The three rates and the on-time rate, as defined in docs/cases-metrics.md."""

import datetime

from django.utils import timezone

from cases import metrics
from cases.actions.workflow import case_archive, case_cancel, case_contact, case_resolve, case_visit
from cases.models import Case


def test_rates_follow_the_written_definitions(world, users, make_case, routed):
    w = users["worker"]
    on_time = make_case()
    case_contact(case=on_time, by=w, note="已联系")
    case_resolve(case=on_time, by=w, note="已修")
    case_visit(case=on_time, by=w, verdict="satisfied")

    late = make_case()
    Case.objects.filter(pk=late.pk).update(
        first_contact_due_at=timezone.now() - datetime.timedelta(hours=2),
        due_at=timezone.now() - datetime.timedelta(hours=1),
    )
    late.refresh_from_db()
    case_resolve(case=late, by=w, note="迟了")  # first response = the answer, after its deadline
    case_visit(case=late, by=w, verdict="basic")

    unrated = make_case()
    case_resolve(case=unrated, by=w, note="已处理")
    case_archive(case=unrated, by=users["staff"])  # 未回访: not in the satisfaction base

    open_case = make_case()  # still within its deadlines: not yet due for response
    withdrawn = make_case()
    case_cancel(case=withdrawn, by=users["staff"], reason="居民撤回")  # not counted at all

    total = metrics.totals(metrics.base_queryset(region=world.laoximen))
    assert total.received == 4
    assert (total.due_response, total.responded_on_time) == (3, 2)
    assert total.response_rate == 66.7
    assert (total.resolved, total.resolution_rate) == (3, 75.0)
    assert (total.rated, total.satisfied, total.satisfaction_rate) == (2, 2, 100.0)
    assert total.not_visited == 1
    assert (total.resolved_on_time, total.on_time_rate) == (2, 66.7)
    assert open_case.status == "dispatched"


def test_by_subregion_rolls_grids_up_and_totals_add_up(world, users, make_case):
    make_case()  # 蓬莱路第一网格
    make_case(region=world.wenmiao)
    make_case(region=world.wenmiao)
    make_case(region=world.shaanxi_grid)  # another district: outside
    rows = metrics.by_subregion(metrics.base_queryset(region=world.laoximen), world.laoximen)
    assert [(r.label, r.received) for r in rows] == [("蓬莱路居委", 1), ("文庙居委", 2)]
    assert metrics.add_up(rows).received == 3


def test_no_cases_means_no_rate_rather_than_zero(world):
    total = metrics.totals(metrics.base_queryset(region=world.laoximen))
    assert total.response_rate is None and total.satisfaction_rate is None
