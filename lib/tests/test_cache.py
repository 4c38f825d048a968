"""lib.cache.FallbackRedisCache.hit, the counter behind every rate limit: one round trip to Redis, a count that
expires a window after its first hit, and the same count in the process's memory while Redis is away."""

import os
import secrets

import pytest
from redis import Redis

from lib import ratelimit
from lib.cache import FallbackRedisCache

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_cache(location=REDIS_URL):
    return FallbackRedisCache(location, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})


@pytest.fixture
def live():
    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip("no Redis at REDIS_URL")
    return redis_cache()


def test_a_hit_counts_and_its_count_expires_a_window_after_the_first(live):
    key = f"test-hit-{secrets.token_hex(4)}"
    assert [live.hit(key, 30)[0] for _ in range(3)] == [1, 2, 3]
    count, left = live.hit(key, 30)
    assert count == 4 and 0 < left <= 30
    raw = Redis.from_url(REDIS_URL)
    assert 0 < raw.ttl(live.make_and_validate_key(key)) <= 30  # never a counter without an expiry
    live.delete(key)


def test_hits_without_redis_count_in_memory_and_say_so():
    down = redis_cache("redis://127.0.0.1:1/0")
    assert [down.hit("k", 60) for _ in range(2)] == [(1, 60), (2, 60)]
    assert down.degraded


def test_rate_limits_use_the_one_round_trip_counter(live, monkeypatch):
    monkeypatch.setattr(ratelimit, "cache", live)
    key = f"test-over-{secrets.token_hex(4)}"
    assert [ratelimit.over(key, 2, 60) for _ in range(3)] == [False, False, True]
    live.delete(key)


def test_several_counts_in_one_round_trip(live, monkeypatch):
    monkeypatch.setattr(ratelimit, "cache", live)
    keys = [f"test-many-{secrets.token_hex(4)}", f"test-many-{secrets.token_hex(4)}"]
    live.hit(keys[0], 30)
    assert [count for count, _left in live.hit_many(keys, 30)] == [2, 1]
    assert ratelimit.over_any(dict.fromkeys(keys, 2), 30) is True  # the first key reached 3
    live.delete_many(keys)
