"""Login throttling: after LOGIN_FAILURE_LIMIT failures for one username or one address within
LOGIN_FAILURE_WINDOW seconds, further attempts are refused until the window passes. Counts live
in the cache (Redis in production, so all app servers share them)."""

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, ip: str | None) -> list[str]:
    keys = [f"login-fail:user:{username.lower()}"]
    if ip:
        keys.append(f"login-fail:ip:{ip}")
    return keys


def is_locked(username: str, ip: str | None) -> bool:
    return any((cache.get(k) or 0) >= settings.LOGIN_FAILURE_LIMIT for k in _keys(username, ip))


def note_failure(username: str, ip: str | None) -> None:
    for key in _keys(username, ip):
        cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)


def clear(username: str) -> None:
    cache.delete(f"login-fail:user:{username.lower()}")
