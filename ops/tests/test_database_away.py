"""When the database is away, API and Open311 clients get a 503 with Retry-After in their own format, and
/healthz/ready says the database is down (issue 16, finding 8)."""

import json
from xml.etree import ElementTree as ET

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client


@pytest.fixture
def database_away(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    yield
    monkeypatch.undo()  # before the test database's own teardown needs a connection


def anonymous() -> Client:
    return Client(raise_request_exception=False)


def test_the_api_answers_503_json_with_retry_after(db, database_away):
    response = anonymous().get("/api/cases/", HTTP_AUTHORIZATION="Token abc")
    assert response.status_code == 503 and response["Retry-After"]
    assert "数据库暂时不可用" in response.json()["detail"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_503_in_its_errors_format(db, database_away, fmt):
    response = anonymous().post(f"/open311/v2/requests.{fmt}", {"api_key": "k", "service_code": "repair"})
    assert response.status_code == 503 and response["Retry-After"]
    if fmt == "json":
        assert json.loads(response.content)[0]["code"] == 503
    else:
        error = ET.fromstring(response.content).find("error")
        assert error.findtext("code") == "503" and "数据库" in error.findtext("description")


def test_a_page_answers_a_503_page(db, database_away):
    response = anonymous().get("/accounts/login/")
    assert response.status_code in (200, 503)  # the login form itself needs no database
    response = anonymous().post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 503 and "请稍候" in response.content.decode()


def test_readiness_fails_on_the_database_and_liveness_does_not(db, database_away):
    ready = anonymous().get("/healthz/ready")
    assert ready.status_code == 503 and ready.json()["down"][0] == "database"
    assert anonymous().get("/healthz/live").status_code == 200
