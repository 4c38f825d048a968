"""The OpenAPI document against itself and against the API's real answers (issue 19).

1. every operation has a summary, a description, examples, and the error responses it can answer (Error body);
2. every example is valid against its own schema;
3. real answers — every read, and a case taken from intake to its verdict through the workflow steps — are valid
   against the schema of their status code: zero mismatches;
4. /api/ still answers, marked deprecated; Swagger UI and Redoc are served by the app itself.
"""

import datetime

import pytest
from jsonschema import Draft202012Validator
from rest_framework.authtoken.models import Token

from cases.models import Case
from deeds import services as deed_services
from deeds.models import Deed
from deeds.tests.conftest import approve, write_story
from lib import idcard
from org.models import Role, Unit
from org.testing import make_user
from resources.models import OpeningHours, Resource

ID_NUMBER = idcard.make("310101", datetime.date(1948, 3, 12), 2)

ERROR_CODES = {"400", "401", "403", "404", "409", "429", "503"}


@pytest.fixture
def schema(client, db):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def json_schema(schema: dict, components: dict) -> dict:
    """OpenAPI 3.0 → JSON Schema 2020-12: ``nullable`` becomes a null alternative; refs stay in ``components``."""

    def convert(node):
        if isinstance(node, list):
            return [convert(n) for n in node]
        if not isinstance(node, dict):
            return node
        node = {k: convert(v) for k, v in node.items() if k not in ("example", "discriminator")}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node

    return {**convert(schema), "components": {"schemas": convert(components)}}


def operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_every_operation_is_documented_with_examples_and_errors(schema):
    ops = list(operations(schema))
    assert len(ops) >= 40 and all(path.startswith("/api/v1/") for path, _m, _o in ops)
    for path, method, op in ops:
        where = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("description"), where
        for media in op.get("requestBody", {}).get("content", {}).values():
            assert "example" in media, where
        ok = [c for c in op["responses"] if c.startswith("2")]
        assert ok, where
        for code in ok:
            for media in op["responses"][code].get("content", {}).values():
                assert "example" in media, where
        public = {} in (op.get("security") or [])
        expected = {"400", "429", "503"} | (set() if public else {"401", "403"}) | ({"404"} if "{" in path else set())
        if method in ("post", "put", "patch"):
            expected.add("409")
        assert expected <= set(op["responses"]), (where, sorted(op["responses"]))
        for code in ERROR_CODES & set(op["responses"]):
            body = op["responses"][code]["content"]["application/json"]
            assert body["schema"] == {"$ref": "#/components/schemas/Error"} and body["example"], where


def test_every_schema_component_says_what_it_is(schema):
    undescribed = [name for name, c in schema["components"]["schemas"].items() if not c.get("description")]
    assert undescribed == []


def test_every_example_is_valid_against_its_schema(schema):
    components = schema["components"]["schemas"]
    checked = 0
    for path, method, op in operations(schema):
        bodies = list(op.get("requestBody", {}).get("content", {}).values())
        bodies += [m for r in op["responses"].values() for m in r.get("content", {}).values()]
        for media in bodies:
            if "schema" in media and "example" in media:
                errors = list(
                    Draft202012Validator(json_schema(media["schema"], components)).iter_errors(media["example"])
                )
                assert not errors, (method, path, [e.message for e in errors][:3])
                checked += 1
    assert checked > 100


class Checker:
    """Calls the API and validates each JSON answer against the schema of its path, method and status code."""

    def __init__(self, client, schema):
        self.client, self.schema, self.mismatches, self.calls = client, schema, [], 0
        self.components = schema["components"]["schemas"]

    def _operation(self, path: str, method: str):
        for template, item in self.schema["paths"].items():
            parts, actual = template.strip("/").split("/"), path.split("?")[0].strip("/").split("/")
            same = len(parts) == len(actual) and all(
                p == a or p.startswith("{") for p, a in zip(parts, actual, strict=True)
            )
            if same and method in item:
                return template, item[method]
        raise AssertionError(f"{method.upper()} {path} is not in the schema")

    def call(self, method: str, path: str, data=None, expect=None):
        response = (
            getattr(self.client, method)(path, data, content_type="application/json")
            if data is not None
            else (getattr(self.client, method)(path))
        )
        self.calls += 1
        template, op = self._operation(path, method)
        code = str(response.status_code)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.status_code, response.content[:300])
        documented = op["responses"].get(code)
        if documented is None:
            self.mismatches.append((method, template, code, "status not documented"))
            return response
        media = documented.get("content", {}).get("application/json")
        if media is None:
            if response.content:
                self.mismatches.append((method, template, code, "body where none is documented"))
            return response
        body = response.json()
        for error in Draft202012Validator(json_schema(media["schema"], self.components)).iter_errors(body):
            self.mismatches.append((method, template, code, f"{list(error.absolute_path)}: {error.message[:120]}"))
        return response


@pytest.fixture
def categories(shipped_data):
    return None


def test_real_answers_match_the_schema(client, schema, world, users, categories, settings):
    checker = Checker(client, schema)
    # no credentials: 401 with the Error body and the scheme to use
    unauthenticated = checker.call("get", "/api/v1/cases/", expect=401)
    assert unauthenticated["WWW-Authenticate"] == "Token"
    staff, worker = users["staff"], users["worker"]
    client.force_login(staff)
    case = checker.call(
        "post",
        "/api/v1/cases/",
        {
            "title": "楼道灯不亮",
            "description": "蓬莱路121弄3号二楼楼道灯坏了一周。",
            "region": world.penglai_grid.pk,
            "category": "repair",
        },
        expect=201,
    ).json()
    checker.call("post", "/api/v1/cases/", {"title": ""}, expect=400)
    checker.call("get", "/api/v1/cases/999999/", expect=404)
    unit = Unit.objects.get(pk=world.penglai_committee.pk)
    pk = case["id"]
    if Case.objects.get(pk=pk).status == Case.Status.NEW:
        checker.call("post", f"/api/v1/cases/{pk}/dispatch/", {"unit": unit.pk, "note": "请居委处理。"}, expect=200)
    checker.call("post", f"/api/v1/cases/{pk}/dispatch/", {"unit": unit.pk}, expect=409)  # already dispatched
    client.force_login(worker)
    checker.call("post", f"/api/v1/cases/{pk}/accept/", {"note": "已签收。"}, expect=200)
    checker.call("post", f"/api/v1/cases/{pk}/resolve/", {"note": "已更换楼道灯。"}, expect=200)
    closed = checker.call("post", f"/api/v1/cases/{pk}/visit/", {"verdict": "satisfied"}, expect=200).json()
    assert closed["status"] == "visited" and closed["verdict"] == "satisfied"
    client.force_login(users["resident"])
    checker.call("post", "/api/v1/cases/", {"title": "x"}, expect=403)

    # residents, households and addresses written through the API
    client.force_login(worker)
    grid = world.penglai_grid.pk
    address = checker.call("post", "/api/v1/addresses/", {"region": grid, "road": "蓬莱路", "lane": "121"}, expect=201)
    household = checker.call("post", "/api/v1/households/", {"address": address.json()["id"]}, expect=201).json()
    resident = {"name": "王秀英", "id_number": ID_NUMBER, "region": grid, "household": household["id"]}
    resident = checker.call("post", "/api/v1/residents/", resident, expect=201).json()
    checker.call("patch", f"/api/v1/residents/{resident['id']}/", {"note": "独居，每周探访。"}, expect=200)
    checker.call("post", f"/api/v1/residents/{resident['id']}/reveal/", {}, expect=200)
    room = Resource.objects.create(name="活动室", kind=Resource.Kind.choices[0][0], region=world.laoximen)
    for weekday in range(7):
        OpeningHours.objects.create(resource=room, weekday=weekday, opens=datetime.time(8), closes=datetime.time(21))

    # a published story with its deed, and one without; a category suggestion
    writer = users["staff_tianping"]
    reviewer = make_user(
        "reviewer_api", role=Role.STAFF, region=world.tianping, unit=world.tianping_office, name="审核员"
    )
    deed = deed_services.deed_save(by=writer, title="粪管改道", region=world.shaanxi, status=Deed.Status.PLANNED)
    for with_deed in (deed, None):
        story = write_story(writer, world, deed=with_deed)
        approve(story, writer, reviewer)
        deed_services.story_publish(story=story, by=writer)
    client.force_login(worker)
    checker.call("post", "/api/v1/insight/suggest/", {"title": "楼道灯坏了", "region": grid}, expect=200)
    client.logout()
    stories = checker.call("get", "/api/v1/public-stories/", expect=200).json()["results"]
    assert len(stories) == 2 and {s["deed"] is None for s in stories} == {True, False}
    for item in stories:
        checker.call("get", f"/api/v1/public-stories/{item['id']}/", expect=200)

    # every read, as the admin (who sees everything), on lists and on the first object of each
    client.force_login(users["admin"])
    for path, method, _op in list(operations(schema)):
        if method != "get" or "{" in path:
            continue
        listing = checker.call("get", path)
        assert listing.status_code == 200, path
        body = listing.json()
        rows = body.get("results", body) if isinstance(body, dict) else body
        detail = path + "{id}/"
        if rows and isinstance(rows, list) and "id" in rows[0] and detail in schema["paths"]:
            checker.call("get", f"{path}{rows[0]['id']}/", expect=200)
    checker.call("get", f"/api/v1/insight/cases/{pk}/suggestion/")
    checker.call("get", f"/api/v1/resources/{room.pk}/slots/")
    assert checker.calls > 20
    assert checker.mismatches == [], "\n".join(map(str, checker.mismatches))


def test_the_unversioned_api_still_answers_and_says_it_is_deprecated(client, users, world):
    client.force_login(users["worker"])
    old = client.get("/api/cases/")
    assert old.status_code == 200 and old["Deprecation"] == "true"
    assert old["Link"] == '</api/v1/cases/>; rel="successor-version"'
    new = client.get("/api/v1/cases/")
    assert new.status_code == 200 and "Deprecation" not in new and new.json() == old.json()


def test_swagger_ui_and_redoc_are_served_by_the_app(client, db):
    for page in ("/api/docs/", "/api/docs/redoc/"):
        html = client.get(page).content.decode()
        if "?script=" in html:  # Swagger UI's split view: its start-up script is a file of its own (no inline script)
            html += client.get(page + "?script=").content.decode()
        assert "/api/v1/schema/" in html and "cdn" not in html.lower() and "//unpkg" not in html, page
    assert (
        client.get("/api/schema/?format=json").json()["paths"].keys()
        == client.get("/api/v1/schema/?format=json").json()["paths"].keys()
    )


def test_a_token_from_the_admin_reaches_the_api(client, users, world):
    token = Token.objects.create(user=users["worker"])
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    bad = client.get("/api/v1/cases/", HTTP_AUTHORIZATION="Token nope")
    assert bad.status_code == 401 and "detail" in bad.json()
