"""Counting requests in the shared cache (Redis in production, so every app server sees the same counts).

Used by the login limits (``org.throttle``), resident tracking, take-number and the API throttles. Every
function fails open: when the cache cannot be reached a request is let through and a warning is logged,
because a broken Redis must not stop residents from taking a number or staff from logging in.
"""

import logging

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from lib.client_ip import client_ip

log = logging.getLogger(__name__)


def count(key: str) -> int:
    """How many hits ``key`` holds now (0 when the cache is down)."""
    try:
        return int(cache.get(key) or 0)
    except Exception:
        log.warning("rate limit cache unreachable; %s not checked", key.split(":", 1)[0])
        return 0


def hit(key: str, window: int) -> int:
    """Count one hit on ``key`` (the count expires ``window`` seconds after the first hit); the new count, or 0
    when the cache is down."""
    return hit_and_ttl(key, window)[0]


def hit_and_ttl(key: str, window: int) -> tuple[int, int]:
    """``hit``, and the seconds until the count expires (``window`` when the cache cannot say)."""
    return hit_many([key], window)[0]


def hit_many(keys: list[str], window: int) -> list[tuple[int, int]]:
    """``hit_and_ttl`` on each of ``keys``: in one round trip on Redis (``lib.cache.FallbackRedisCache``)."""
    try:
        if hasattr(cache, "hit_many"):
            return cache.hit_many(keys, window)
        out = []
        for key in keys:
            cache.add(key, 0, window)
            try:
                out.append((int(cache.incr(key)), window))
            except ValueError:  # expired between add and incr
                cache.set(key, 1, window)
                out.append((1, window))
        return out
    except Exception:
        log.warning("rate limit cache unreachable; %s not counted", keys[0].split(":", 1)[0])
        return [(0, window) for _ in keys]


def over(key: str, limit: int, window: int) -> bool:
    """Count one hit and say whether it went over ``limit`` hits in the window."""
    return hit(key, window) > limit


def over_any(limits: dict[str, int], window: int) -> bool:
    """Count one hit on each key of ``limits`` (key → limit), in one round trip; whether any went over its limit."""
    keys = list(limits)
    return any(count > limits[key] for key, (count, _left) in zip(keys, hit_many(keys, window), strict=True))


def claim(key: str, seconds: int) -> bool:
    """Take a slot that lasts ``seconds`` (True) unless someone holds it (False). Open when the cache is down."""
    try:
        return bool(cache.add(key, 1, seconds))
    except Exception:
        log.warning("rate limit cache unreachable; %s not checked", key.split(":", 1)[0])
        return True


def reset(*keys: str) -> None:
    try:
        cache.delete_many(list(keys))
    except Exception:
        log.warning("rate limit cache unreachable; counts not cleared")


# DRF throttles (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]) ---------------------------------------------


class _FailOpen:
    """DRF's throttles read and write the cache directly; a cache error must let the request through. They also
    take the client address from X-Forwarded-For as the client wrote it: ours comes from lib.client_ip."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            log.warning("rate limit cache unreachable; %s not checked", type(self).__name__)
            return True

    def get_ident(self, request):
        return client_ip(request) or "unknown"

    def get_rate(self):
        # Read when the throttle is made, not when DRF was imported: settings changed at run time apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class _Counted:
    """DRF's throttles keep every request's time in one cached list, read and rewritten whole on each request: at a
    partner's 200 requests a second that is thousands of entries a request, and two app servers overwrite each
    other's writes. This counts instead (``hit``: one atomic increment; the count expires ``duration`` seconds after
    the first request of the window), so a request costs one round trip to Redis whatever the rate."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        count, self.left = hit_and_ttl(key, self.duration)
        return count <= self.num_requests

    def wait(self):
        """Seconds until the window ends (Retry-After)."""
        return max(self.left, 1)


class AnonThrottle(_FailOpen, _Counted, AnonRateThrottle):
    """Requests without an account, per client address (rate "anon")."""


class UserThrottle(_FailOpen, _Counted, UserRateThrottle):
    """Signed-in people (session), per account (rate "user"). Requests with an API key count under "partner"."""

    def get_cache_key(self, request, view):
        if _api_key(request):
            return None
        return super().get_cache_key(request, view)


class PartnerKeyThrottle(_FailOpen, _Counted, SimpleRateThrottle):
    """Partner systems calling with an API key (``Authorization: Token …``), per key (rate "partner")."""

    scope = "partner"

    def get_cache_key(self, request, view):
        key = _api_key(request)
        if not key:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key[:12]}


def _api_key(request) -> str:
    auth = getattr(request, "auth", None)
    return getattr(auth, "key", "") or ""
