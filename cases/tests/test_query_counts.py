"""List pages answer in a fixed number of queries, however many cases they show."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from cases import open311_services
from cases.actions.requests import case_request_return
from cases.models import Case, Open311Client


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx)


def test_inbox_query_count_is_fixed(client_for, users, world, make_case, routed):
    def add(region):
        make_case(category="legal", title="遗产继承咨询", region=region)  # no rule: waits for the dispatcher
        routed_case = make_case()  # dispatched to 蓬莱路居委会 by the rule, which asks to hand it back
        case_request_return(case=routed_case, by=users["worker"], reason_code="not_our_duty", reason="属于物业")

    staff = client_for(users["staff"])
    add(world.penglai_grid)
    few = queries(staff, reverse("cases:inbox"))
    for region in (world.penglai_grid, world.wenmiao, world.penglai, world.penglai_grid):
        add(region)
    many = queries(staff, reverse("cases:inbox"))
    assert few == many <= 16


def test_an_intake_over_the_api_costs_a_fixed_handful_of_statements(world, users, categories, routed):
    """The intake path (docs/architecture.md): REST and Open311 each in a few statements, with the rule's
    dispatch, co-units, timeline, audit entries and messages. On PostgreSQL cases/sql.py reads the rule with
    its co-units and contacts in one statement, writes the timeline, audit and messages in one statement and
    answers a replayed key at the INSERT; elsewhere the plain ORM takes an INSERT per table, a key probe, a
    savepoint, the rule's co-units and contacts as two statements of their own, the API's region (with the
    caller's memberships) and category as three, Open311's partner and service as two (no second, SQLite
    version of the hand-written SQL is kept, docs/decisions.md)."""

    pg = connection.vendor == "postgresql"
    ContentType.objects.get_for_model(Case)  # cached by every process after its first message
    key = Token.objects.create(user=users["worker"]).key
    body = {"title": "路灯不亮", "description": "蓬莱路100弄路灯不亮", "region": world.penglai_grid.pk,
            "category": "repair", "reporter_phone": "13900000001"}  # fmt: skip
    with CaptureQueriesContext(connection) as rest:
        response = Client().post(
            "/api/cases/", body, content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}", HTTP_IDEMPOTENCY_KEY="count-1",
        )  # fmt: skip
    assert response.status_code == 201
    partner = Open311Client(name="计数系统", region=world.penglai_grid)
    api_key = open311_services.client_issue_key(client=partner, by=None)
    open311_services.client_for_key(api_key)  # its last-used time, written at most every few minutes
    form = {"api_key": api_key, "service_code": "repair", "lat": "31.218", "long": "121.489",
            "description": "路灯不亮", "phone": "13900000002"}  # fmt: skip
    with CaptureQueriesContext(connection) as open311:
        response = Client().post("/open311/v2/requests.json", form, HTTP_IDEMPOTENCY_KEY="count-2")
    assert response.status_code == 201
    statements = [q["sql"][:70] for q in rest.captured_queries + open311.captured_queries]
    assert (len(rest), len(open311)) == ((9, 8) if pg else (18, 17)), statements
