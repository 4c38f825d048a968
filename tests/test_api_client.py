"""A client generated from the OpenAPI schema by openapi-python-client takes a case from intake to its verdict,
through the WSGI application itself (no server, no mocks): what docs/api.md walks an integrator through."""

import importlib
import json
import shutil
import subprocess
import sys

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from cases.models import Case

pytestmark = pytest.mark.slow

CONFIG = "project_name_override: minhu-client\npackage_name_override: minhu_client\npost_hooks: []\n"


@pytest.fixture
def minhu_client(client, db, tmp_path):
    """The package openapi-python-client generates from /api/v1/schema/, imported from a temporary folder."""
    generator = shutil.which("openapi-python-client") or str(
        __import__("pathlib").Path(sys.executable).with_name("openapi-python-client")
    )
    (tmp_path / "schema.json").write_text(json.dumps(client.get("/api/v1/schema/?format=json").json()))
    (tmp_path / "config.yaml").write_text(CONFIG)
    done = subprocess.run(
        [generator, "generate", "--path", "schema.json", "--output-path", "minhu_client", "--meta", "none"]
        + ["--config", "config.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("minhu_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "minhu_client" or n.startswith("minhu_client.")]:
            del sys.modules[name]


@pytest.fixture
def wsgi_transport():
    """The app in-process. Like Django's test client, requests must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield httpx.WSGITransport(app=get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_a_generated_client_creates_dispatches_and_closes_a_case(minhu_client, wsgi_transport, world, users):
    from minhu_client import AuthenticatedClient
    from minhu_client.api.cases import (
        cases_accept_create,
        cases_create,
        cases_dispatch_create,
        cases_resolve_create,
        cases_retrieve,
        cases_visit_create,
    )
    from minhu_client.api.units import units_list
    from minhu_client.models import (
        CaseCreateRequest,
        DispatchInputRequest,
        Error,
        NoteInputRequest,
        ResolveInputRequest,
        VisitInputRequest,
        VisitInputVerdictEnum,
    )

    def connect(user):
        token = Token.objects.get_or_create(user=user)[0].key
        return AuthenticatedClient(
            base_url="http://testserver", token=token, prefix="Token", httpx_args={"transport": wsgi_transport}
        )

    desk, committee = connect(users["staff"]), connect(users["worker"])
    intake = CaseCreateRequest(
        title="楼道灯不亮",
        description="蓬莱路121弄3号二楼楼道灯坏了一周，老人晚上上下楼不方便。",
        region=world.penglai_grid.pk,
        category="repair",
        reporter_name="王阿姨",
        reporter_phone="13900001234",
    )
    created = cases_create.sync_detailed(client=desk, body=intake)
    assert created.status_code == 201
    case = created.parsed
    assert case.number and case.reporter_phone_masked == "139****1234"

    units = units_list.sync(client=desk)
    unit = next(u for u in units.results if u.id == world.penglai_committee.pk)
    if Case.objects.get(pk=case.id).status == Case.Status.NEW:  # a routing rule may have dispatched it already
        dispatched = cases_dispatch_create.sync(case.id, client=desk, body=DispatchInputRequest(unit=unit.id))
        assert dispatched.status.value == "dispatched" and dispatched.main_unit == unit.name
    again = cases_dispatch_create.sync_detailed(case.id, client=desk, body=DispatchInputRequest(unit=unit.id))
    assert again.status_code == 409 and isinstance(again.parsed, Error) and again.parsed.detail

    cases_accept_create.sync(case.id, client=committee, body=NoteInputRequest(note="已签收，明天上门。"))
    cases_resolve_create.sync(case.id, client=committee, body=ResolveInputRequest(note="已更换楼道灯。"))
    closed = cases_visit_create.sync(
        case.id, client=committee, body=VisitInputRequest(verdict=VisitInputVerdictEnum.SATISFIED)
    )
    assert closed.status.value == "visited"

    read = cases_retrieve.sync(case.id, client=desk)
    assert read.number == case.number and read.verdict.value == "satisfied"
    assert [e.kind.value for e in read.events][:1] == ["created"] and "resolved" in [e.kind.value for e in read.events]

    anonymous = cases_retrieve.sync_detailed(case.id, client=connect(users["resident"]))
    assert anonymous.status_code == 404  # out of scope answers like missing
