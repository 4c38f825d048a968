"""Fixtures shared by every app's tests: the world of regions and one persona per role."""

import os
import shutil
import uuid

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests assert behaviour, not speed: on a loaded 2-core CI machine a scheduling pause must not fail them.
hypothesis_settings.register_profile("minhu", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("minhu")


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    # Tests may share one Redis (CI) across xdist workers: every test gets its own key space.
    # Django's setting_changed handler rebuilds the cache connections.
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"t-{uuid.uuid4().hex[:12]}"}}


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Argon2 is deliberately slow; personas are created in every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _primary_only(settings):
    # Even when DATABASE_REPLICA_URL is set, a test reads through one connection unless it asks for `read_replica`:
    # the replica alias is a second connection, which cannot see a test's uncommitted rows.
    settings.MINHU_READ_REPLICA = ""


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A `replica` alias in every test run, as DATABASE_REPLICA_URL makes one: a mirror of the test database (a
    second connection to it). Only tests that list it (`databases=["default", "replica"]`) may use it."""
    from django.db import connections

    if "replica" not in connections.settings:
        default = connections.settings["default"]
        connections.settings["replica"] = {**default, "TEST": {**default["TEST"], "NAME": None, "MIRROR": "default"}}


@pytest.fixture
def read_replica(settings):
    """Routes replica-safe reads to the `replica` alias as in production. Its rows must be committed to be seen
    there: use it in tests marked `django_db(transaction=True, databases=["default", "replica"])`."""
    from minhu import dbrouter

    settings.MINHU_READ_REPLICA = "replica"
    yield "replica"
    dbrouter._down_until.clear()  # a test that made the replica unreachable leaves no memory of it


@pytest.fixture
def shipped_data(db):
    """The reference data the migrations ship (category tree, keyword rules). Transactional tests flush every
    table when they end, so a later transactional test on the same worker finds them gone: this puts them back."""
    import importlib

    from django.apps import apps

    from cases.models import Category
    from insight.models import KeywordRule

    if not Category.objects.filter(code="other").exists():
        importlib.import_module("cases.migrations.0002_default_categories").forwards(apps, None)
    if not KeywordRule.objects.exists():
        importlib.import_module("insight.migrations.0002_default_keywords").forwards(apps, None)


@pytest.fixture
def world(db):
    from org.testing import build_world

    return build_world()


@pytest.fixture
def users(world):
    return world.users


@pytest.fixture
def client_for(client):
    """client_for(user) -> the test client logged in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


def chromium_path() -> str:
    return os.environ.get("MINHU_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or ""


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    chromium = chromium_path()
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="需要 PostgreSQL：设置 DATABASE_URL=postgres://… 后运行"))
        if "browser" in item.keywords and not chromium:
            item.add_marker(pytest.mark.skip(reason="未找到 Chromium（apt-get install chromium）：跳过浏览器测试"))


@pytest.fixture(scope="session")
def chromium():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    from tests.browser import LAUNCH_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium):
    from tests.browser import PHONE

    context = chromium.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)  # a loaded 2-core CI machine: a wait, never an assertion
    yield page
    context.close()


@pytest.fixture
def desktop_page(chromium):
    from tests.browser import DESKTOP

    context = chromium.new_context(**DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)  # a loaded 2-core CI machine: a wait, never an assertion
    yield page
    context.close()


@pytest.fixture(autouse=True, scope="session")
def _tasks_inline():
    """Tasks run inline in tests (the worker itself is exercised by org/tests/test_worker.py)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
