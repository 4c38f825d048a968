"""A Redis cache that falls back to the process's memory while Redis is away.

The shared cache holds only things Minhu can lose: login-failure counters (org.throttle), the Open311 intake
flag, short-lived lookups. Without Redis the site must keep taking logins, cases and queue numbers
(docs/reliability.md), so every call that fails on Redis is answered by a per-process LocMemCache instead:
throttling still counts failures per process, flags still work per process. After a failure Redis is left
alone for ``RETRY_SECONDS`` so requests do not each wait for a refused connection.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("minhu.cache")
RETRY_SECONDS = 5.0


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache("minhu-cache-fallback", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._redis_down_until = 0.0

    def hit(self, key: str, window: int) -> tuple[int, int]:
        """Count one hit on ``key``: (the new count, seconds until the count expires). The count expires ``window``
        seconds after the first hit. One round trip to Redis (SET NX EX, INCR, TTL in one MULTI/EXEC), where
        ``add`` then ``incr`` take three; in the fallback, the same count in the process's memory."""
        if not self.degraded:
            try:
                name = self.make_and_validate_key(key)
                pipe = self._cache.get_client(name, write=True).pipeline()
                pipe.set(name, 0, ex=window, nx=True).incr(name).ttl(name)
                _created, count, left = pipe.execute()
                return int(count), int(left)
            except RedisError as exc:
                logger.warning("Redis cache unavailable (%s); using this process's memory.", type(exc).__name__)
                self._redis_down_until = time.monotonic() + RETRY_SECONDS
        self._fallback.add(key, 0, window)
        try:
            return int(self._fallback.incr(key)), window
        except ValueError:  # expired between add and incr
            self._fallback.set(key, 1, window)
            return 1, window

    @property
    def degraded(self) -> bool:
        """True while calls go to the per-process fallback (shown on /healthz/ready)."""
        return time.monotonic() < self._redis_down_until


def _with_fallback(name: str):
    def method(self, *args, **kwargs):
        if not self.degraded:
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except RedisError as exc:
                logger.warning("Redis cache unavailable (%s); using this process's memory.", type(exc).__name__)
                self._redis_down_until = time.monotonic() + RETRY_SECONDS
        return getattr(self._fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(FallbackRedisCache, _name, _with_fallback(_name))
