"""Login, logout, password change, throttling, headers and production-mode settings."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from audit.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]


def test_login_with_the_right_password_goes_home_and_is_audited(client, users, world):
    response = client.post("/accounts/login/", {"username": "worker", "password": "pw-worker"})
    assert response.status_code == 302 and response["Location"] == "/"
    entry = AuditEntry.objects.get(action="org.login")
    assert entry.actor == users["worker"] and entry.region == world.penglai and entry.ip == "127.0.0.1"


def test_wrong_password_shows_a_chinese_error(client, users):
    response = client.post("/accounts/login/", {"username": "worker", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_login_is_throttled_after_five_failures(client, users):
    for _ in range(5):
        assert client.post("/accounts/login/", {"username": "worker", "password": "wrong"}).status_code == 200
    # even the right password is refused while locked
    response = client.post("/accounts/login/", {"username": "worker", "password": "pw-worker"})
    assert response.status_code == 429
    assert "登录失败次数过多，请15分钟后再试。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_throttle_counts_per_username_and_address(client, users):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "worker", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    # another user from another address is not affected
    other = client.post("/accounts/login/", {"username": "staff", "password": "pw-staff"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 302
    client.logout()
    # any user from the locked address is
    same_ip = client.post("/accounts/login/", {"username": "staff", "password": "x"}, REMOTE_ADDR="10.0.0.1")
    assert same_ip.status_code == 429


def test_logout_ends_the_session(client_for, users):
    client = client_for(users["worker"])
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "民有所呼，我有所应" in client.get("/").content.decode()


def test_password_change(client, users):
    client.post("/accounts/login/", {"username": "worker", "password": "pw-worker"})
    new = "Penglai-road-2026!"
    response = client.post(
        "/accounts/password/", {"old_password": "pw-worker", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert "密码已修改" in client.get("/accounts/password/done/").content.decode()
    users["worker"].refresh_from_db()
    assert users["worker"].check_password(new)


def test_password_change_refuses_a_wrong_old_password(client_for, users):
    client = client_for(users["worker"])
    response = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": "Abcdef-12345", "new_password2": "Abcdef-12345"},
    )
    assert response.status_code == 200 and "旧密码" in response.content.decode()


def test_pages_carry_a_content_security_policy(client, db):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp


def test_healthz_reports_database_queue_and_periodic_run(client, db):
    from org.tasks import heartbeat

    data = client.get("/healthz").json()
    assert data["status"] == "ok" and data["database"] == "ok" and data["queue"] == "ok"
    assert "last_periodic_run" in data
    heartbeat()  # tasks run inline in tests; the worker runs it every minute
    ran_at = datetime.datetime.fromisoformat(client.get("/healthz").json()["last_periodic_run"])
    assert abs(timezone.now() - ran_at) < datetime.timedelta(minutes=1)


def _settings_in_subprocess(tmp_path, **env) -> subprocess.CompletedProcess:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "from django.test import Client;"
        "r = Client().get('/accounts/login/', secure=True);"
        "print(json.dumps({'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE,"
        " 'hsts': s.SECURE_HSTS_SECONDS, 'debug': s.DEBUG, 'hsts_header': r.headers.get('Strict-Transport-Security'),"
        " 'csp': r.headers.get('Content-Security-Policy')}))"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("MINHU_", "SECRET_KEY", "DJANGO_"))}
    environment = {**keep, "DJANGO_SETTINGS_MODULE": "minhu.settings", "MINHU_VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_production_mode_turns_on_secure_cookies_and_hsts(tmp_path):
    result = _settings_in_subprocess(
        tmp_path, MINHU_DEBUG="0", SECRET_KEY="k7#Qz9!vR2mX8@pL4wN6$tY1uH3eB5jC0dF-aG_sK+Wq8zT3nV5x"
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["debug"] is False and facts["session"] is True and facts["csrf"] is True
    assert facts["hsts"] >= 31536000 and facts["hsts_header"].startswith("max-age=31536000")
    assert facts["csp"]


@pytest.mark.parametrize("secret", [None, "short-key", "a" * 50])
def test_production_mode_refuses_an_unsafe_secret_key(tmp_path, secret):
    env = {"MINHU_DEBUG": "0"} | ({"SECRET_KEY": secret} if secret else {})
    result = _settings_in_subprocess(tmp_path, **env)
    assert result.returncode != 0
    assert "SECRET_KEY is unsafe for production" in result.stderr


def test_api_docs_load_swagger_ui_from_this_site_under_a_csp(client, users):
    import re

    client.force_login(users["staff"])
    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    )
    page = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert "<script>" not in page  # no inline script: the start-up script is a file of its own
    for src in sources:
        assert client.get(src).status_code == 200, src


@pytest.mark.parametrize("password", ["minhu123", "minhu12345", "Password1", "12345678901"])
def test_weak_passwords_are_refused(password):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_ten_character_passphrase_is_accepted():
    from django.contrib.auth.password_validation import validate_password

    validate_password("penglai-road-lamp")


def test_sessions_last_a_working_day_not_two_weeks(settings):
    assert 8 * 3600 <= settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_production_mode_refuses_a_forty_character_secret_key(tmp_path):
    result = _settings_in_subprocess(tmp_path, MINHU_DEBUG="0", SECRET_KEY="k7#Qz9!vR2mX8@pL4wN6$tY1uH3eB5jC0dF-aG_s")
    assert result.returncode != 0 and "SECRET_KEY is unsafe for production" in result.stderr
