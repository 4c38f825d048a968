"""Schemathesis against /api/schema/: a bounded property run over every operation of the REST API.

About 300 generated requests (a fixed seed, so a failure replays) signed in as the district's administrator, who
reaches every operation, valid requests and (fewer) requests made invalid on purpose. The run must see no 5xx
answer and no response that does not match the schema; the figures are printed with the operations that failed.
"""

import collections
import itertools
import os

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

pytestmark = [pytest.mark.slow]

EXAMPLES_PER_OPERATION = int(os.environ.get("MINHU_SCHEMATHESIS_EXAMPLES", "6"))
NEGATIVE_PER_OPERATION = int(os.environ.get("MINHU_SCHEMATHESIS_NEGATIVE", "3"))  # invalid on purpose: must be 4xx


@pytest.fixture
def api_token(users):
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=users["admin"]).key


@pytest.fixture
def _connection_kept():
    """As Django's test client does: a request must not close the connection that holds the test's transaction
    (the WSGI handler closes old connections at each request's start and end)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_api_gives_no_5xx_to_generated_requests(shipped_data, api_token, settings, capsys, _connection_kept):
    import schemathesis
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.core.failures import Failure, FailureGroup
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from minhu.wsgi import application

    # One account sends every request: lift its rate limit for the run (the limits have tests of their own).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min", "partner": "100000/min"},
    }
    settings.TAKE_ADDRESS_LIMIT = settings.TAKE_DEVICE_LIMIT = 100000
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    headers = {"Authorization": f"Token {api_token}"}
    requests, server_errors, mismatches = 0, [], collections.Counter()

    modes = [(GenerationMode.POSITIVE, EXAMPLES_PER_OPERATION), (GenerationMode.NEGATIVE, NEGATIVE_PER_OPERATION)]
    for (mode, examples), result in itertools.product(modes, list(schema.get_all_operations())):
        operation = result.ok()

        @hypothesis_settings(
            max_examples=examples,
            database=None,
            deadline=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            nonlocal requests
            response = case.call(headers=headers)
            requests += 1
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path} {response.status_code}")
                return
            try:
                case.validate_response(response, checks=[response_schema_conformance], headers=headers)
            except (Failure, FailureGroup):  # the answer does not match the schema
                mismatches[case.operation.label] += 1

        try:
            run()
        except Unsatisfiable:  # an operation with nothing to make invalid (no parameters, no body)
            continue

    with capsys.disabled():
        print(f"\nschemathesis: {requests} requests, {len(server_errors)} 5xx, {sum(mismatches.values())} mismatches")
        for label, n in mismatches.most_common():
            print(f"  mismatch x{n}: {label}")
        for line in server_errors[:20]:
            print(f"  5xx: {line}")
    assert requests >= 200
    assert server_errors == []
    assert not mismatches
