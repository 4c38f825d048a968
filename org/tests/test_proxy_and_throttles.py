"""Who the client is behind our proxies, and login limits a stranger cannot turn against an account's owner."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from audit.models import AuditEntry
from lib.client_ip import client_ip

rf = RequestFactory()


def _ip(remote="10.0.0.5", forwarded=None) -> str | None:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **meta))


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.MINHU_TRUSTED_PROXIES = ""
    assert _ip("203.0.113.9", "1.2.3.4") == "203.0.113.9"


def test_forwarded_for_takes_the_right_most_untrusted_hop(settings):
    settings.MINHU_TRUSTED_PROXIES = "10.0.0.0/8"
    # the client wrote "6.6.6.6" itself; our proxy 10.0.0.5 appended the address it saw
    assert _ip("10.0.0.5", "6.6.6.6, 198.51.100.7") == "198.51.100.7"
    assert _ip("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.1.2.3") == "198.51.100.7"
    # a request that did not come through our proxy: its header is the client's own word
    assert _ip("198.51.100.8", "6.6.6.6") == "198.51.100.8"


def test_forwarded_for_with_a_hop_count(settings):
    settings.MINHU_TRUSTED_PROXIES = "1"
    assert _ip("10.0.0.5", "6.6.6.6, 198.51.100.7") == "198.51.100.7"
    settings.MINHU_TRUSTED_PROXIES = "2"
    assert _ip("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.9.9.9") == "198.51.100.7"
    assert _ip("10.0.0.5", "198.51.100.7") == "10.0.0.5"  # fewer hops than proxies: the peer


@pytest.mark.parametrize("junk", ["not-an-ip", "", " , ,", "999.1.1.1", "<script>", "1.2.3.4\x00"])
def test_forwarded_for_junk_is_never_returned(settings, junk):
    settings.MINHU_TRUSTED_PROXIES = "10.0.0.0/8"
    assert _ip("10.0.0.5", junk) == "10.0.0.5"
    settings.MINHU_TRUSTED_PROXIES = "1"
    assert _ip("10.0.0.5", junk) == "10.0.0.5"
    settings.MINHU_TRUSTED_PROXIES = ""
    assert _ip("10.0.0.5", junk) == "10.0.0.5"


def test_a_spoofed_forwarded_for_does_not_escape_the_address_limit(client, users, settings):
    settings.MINHU_TRUSTED_PROXIES = ""
    for n in range(5):
        client.post(
            "/accounts/login/",
            {"username": "worker", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"1.1.1.{n}",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "staff", "password": "x"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="2.2.2.2",
    )
    assert response.status_code == 429


def test_login_with_not_an_ip_is_audited_with_the_peer_address(client, users, settings):
    settings.MINHU_TRUSTED_PROXIES = "127.0.0.1"
    response = client.post(
        "/accounts/login/", {"username": "worker", "password": "pw-worker"}, HTTP_X_FORWARDED_FOR="not-an-ip"
    )
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="org.login").ip == "127.0.0.1"


def test_audit_records_the_client_seen_by_our_proxy_not_the_one_it_claims(client, users, settings):
    settings.MINHU_TRUSTED_PROXIES = "127.0.0.1"
    client.post(
        "/accounts/login/",
        {"username": "worker", "password": "pw-worker"},
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )
    assert AuditEntry.objects.get(action="org.login").ip == "198.51.100.7"


def test_a_stranger_cannot_lock_the_owner_out(client, users, settings):
    """Many failures from many addresses slow the account down for unknown browsers; its owner's browser that
    signed in before is not held back, and a new browser waits seconds, not the window."""
    settings.LOGIN_ACCOUNT_LIMIT = 20
    owner = client.__class__()
    assert owner.post("/accounts/login/", {"username": "worker", "password": "pw-worker"}).status_code == 302
    owner.post("/accounts/logout/")  # signs out; the browser keeps its cookies
    for n in range(30):
        stranger = client.post(
            "/accounts/login/", {"username": "worker", "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{n // 4}"
        )
        assert stranger.status_code in (200, 429)
    # the owner's own browser, from yet another address
    known = owner.post("/accounts/login/", {"username": "worker", "password": "pw-worker"}, REMOTE_ADDR="10.7.7.7")
    assert known.status_code == 302
    # a browser that never signed in is slowed down: one try per LOGIN_SLOW_SECONDS, then it gets in
    fresh = client.__class__()
    first = fresh.post("/accounts/login/", {"username": "worker", "password": "pw-worker"}, REMOTE_ADDR="10.8.8.8")
    if first.status_code == 429:
        assert "秒后再试" in first.content.decode() and int(first["Retry-After"]) <= settings.LOGIN_SLOW_SECONDS
        cache.delete("login-slow:worker")  # the slot expires after LOGIN_SLOW_SECONDS
        first = fresh.post("/accounts/login/", {"username": "worker", "password": "pw-worker"}, REMOTE_ADDR="10.8.8.8")
    assert first.status_code == 302


def test_the_slow_down_lets_one_unknown_try_through_per_interval(client, users, settings):
    settings.LOGIN_ACCOUNT_LIMIT = 3
    for n in range(3):
        client.post("/accounts/login/", {"username": "worker", "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{n}")
    answers = [
        client.post(
            "/accounts/login/", {"username": "worker", "password": "wrong"}, REMOTE_ADDR=f"203.0.113.{n}"
        ).status_code
        for n in range(5)
    ]
    assert answers == [200, 429, 429, 429, 429]


def test_login_limits_fail_open_when_the_cache_is_down(client, users):
    with (
        mock.patch("django.core.cache.cache.get", side_effect=ConnectionError("redis down")),
        mock.patch("django.core.cache.cache.add", side_effect=ConnectionError("redis down")),
    ):
        for _ in range(6):
            client.post("/accounts/login/", {"username": "worker", "password": "wrong"})
        response = client.post("/accounts/login/", {"username": "worker", "password": "pw-worker"})
    assert response.status_code == 302


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def test_the_api_throttles_anonymous_callers_per_address(client, db, settings):
    _rates(settings, anon="3/min")
    codes = [client.get("/api/public-stories/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/public-stories/", REMOTE_ADDR="198.51.100.7").status_code == 200
    # a forged X-Forwarded-For is not another address
    assert client.get("/api/public-stories/", HTTP_X_FORWARDED_FOR="1.2.3.4").status_code == 429


def test_the_api_throttles_accounts_and_partner_keys_apart(client, client_for, users, settings):
    from rest_framework.authtoken.models import Token

    _rates(settings, user="2/min", partner="3/min")
    worker = client_for(users["worker"])
    assert [worker.get("/api/regions/").status_code for _ in range(3)] == [200, 200, 429]
    worker.logout()
    key = Token.objects.create(user=users["staff"]).key
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert [client.get("/api/regions/", **auth).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_api_throttles_fail_open_when_the_cache_is_down(client, db, settings):
    _rates(settings, anon="1/min")
    down = ConnectionError("redis down")
    with (
        mock.patch("django.core.cache.cache.get", side_effect=down),
        mock.patch("django.core.cache.cache.add", side_effect=down),
        mock.patch("django.core.cache.cache.incr", side_effect=down),
        mock.patch("django.core.cache.cache.set", side_effect=down),
        mock.patch("django.core.cache.cache.hit_many", side_effect=down, create=True),
    ):
        assert [client.get("/api/public-stories/").status_code for _ in range(3)] == [200, 200, 200]


def test_an_api_throttle_keeps_a_count_not_a_list_of_every_request(client, db, settings):
    """A partner sending hundreds of requests a second must not make each request read and rewrite a list of all of
    them; the 429 says when to come back."""
    from django.core.cache import cache

    _rates(settings, anon="50/min")
    codes = [client.get("/api/public-stories/", REMOTE_ADDR="198.51.100.9").status_code for _ in range(51)]
    assert codes == [200] * 50 + [429]
    assert cache.get("throttle_anon_198.51.100.9") == 51
    refused = client.get("/api/public-stories/", REMOTE_ADDR="198.51.100.9")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
