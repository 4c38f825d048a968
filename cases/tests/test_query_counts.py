"""List pages answer in a fixed number of queries, however many cases they show."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx)


def test_inbox_query_count_is_fixed(client_for, users, world, make_case, routed):
    def add(region):
        make_case(category="legal", title="遗产继承咨询", region=region)  # no rule: waits for the dispatcher
        routed_case = make_case()  # dispatched to 蓬莱路居委会 by the rule, which asks to hand it back
        services.case_request_return(
            case=routed_case, by=users["worker"], reason_code="not_our_duty", reason="属于物业"
        )

    staff = client_for(users["staff"])
    add(world.penglai_grid)
    few = queries(staff, reverse("cases:inbox"))
    for region in (world.penglai_grid, world.wenmiao, world.penglai, world.penglai_grid):
        add(region)
    many = queries(staff, reverse("cases:inbox"))
    assert few == many <= 16
