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
        return self.hit_many([key], window)[0]

    def hit_many(self, keys: list[str], window: int) -> list[tuple[int, int]]:
        """``hit`` on each of ``keys``, all in the same round trip (one per key when keys are spread over several
        Redis servers)."""
        if len(keys) > 1 and len(self._servers) > 1:  # type: ignore[attr-defined]  # RedisCache keeps its LOCATIONs here
            return [self.hit_many([key], window)[0] for key in keys]
        if not self.degraded:
            try:
                names = [self.make_and_validate_key(key) for key in keys]
                pipe = self._cache.get_client(names[0], write=True).pipeline()
                for name in names:
                    pipe.set(name, 0, ex=window, nx=True)
                    pipe.incr(name)
                    pipe.ttl(name)
                answers = pipe.execute()
                return [(int(answers[i + 1]), int(answers[i + 2])) for i in range(0, len(answers), 3)]
            except RedisError as exc:
                logger.warning("Redis cache unavailable (%s); using this process's memory.", type(exc).__name__)
                self._redis_down_until = time.monotonic() + RETRY_SECONDS
        return [(self._fallback_hit(key, window), window) for key in keys]

    def _fallback_hit(self, key: str, window: int) -> int:
        self._fallback.add(key, 0, window)
        try:
            return int(self._fallback.incr(key))
        except ValueError:  # expired between add and incr
            self._fallback.set(key, 1, window)
            return 1

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
