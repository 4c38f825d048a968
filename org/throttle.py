"""Login limits. Counts live in the shared cache (``lib.ratelimit``: Redis in production, fail open).

Three counters of failed logins within LOGIN_FAILURE_WINDOW seconds, each with its own answer:

1. one account from one address (LOGIN_FAILURE_LIMIT): that address may not try that account again until
   the window passes — the ordinary lock-out, which only ever hurts whoever made the failures;
2. one address, any account (LOGIN_ADDRESS_LIMIT): the address is refused for the window (password spraying);
3. one account, any address (LOGIN_ACCOUNT_LIMIT): the account is *slowed down*, never locked — browsers it
   has not signed in from before get one try per LOGIN_SLOW_SECONDS between them, so guessing from many
   addresses stays slow, while a stranger cannot keep its owner out: a browser that signed in to the account
   before carries a signed cookie (``minhu_device``) and passes the slow-down.
"""

from django.conf import settings
from django.core import signing

from lib import ratelimit

DEVICE_COOKIE = "minhu_device"
DEVICE_SALT = "org.throttle.device"
DEVICE_MAX_AGE = 180 * 24 * 3600


def _norm(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _pair_key(username: str, ip: str | None) -> str:
    return f"login-fail:pair:{_norm(username)}|{ip or '-'}"


def _ip_key(ip: str | None) -> str:
    return f"login-fail:ip:{ip or '-'}"


def _account_key(username: str) -> str:
    return f"login-fail:user:{_norm(username)}"


def known_device(request, username: str) -> bool:
    """True when this browser has signed in to ``username`` before (the cookie set by ``device_cookie``)."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return False
    try:
        return signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE) == _norm(username)
    except signing.BadSignature:
        return False


def remember_device(response, username: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(_norm(username), salt=DEVICE_SALT),
        max_age=DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def refusal(request, username: str, ip: str | None) -> str | None:
    """Why this attempt is refused before the password is checked: "locked" (this address, for the window),
    "slow" (the account is being guessed at; try again shortly), or None."""
    if ratelimit.count(_pair_key(username, ip)) >= settings.LOGIN_FAILURE_LIMIT:
        return "locked"
    if ratelimit.count(_ip_key(ip)) >= settings.LOGIN_ADDRESS_LIMIT:
        return "locked"
    guessed_at = ratelimit.count(_account_key(username)) >= settings.LOGIN_ACCOUNT_LIMIT
    # Being guessed at: one try per LOGIN_SLOW_SECONDS among all the browsers that never signed in to it.
    slot = f"login-slow:{_norm(username)}"
    if guessed_at and not known_device(request, username) and not ratelimit.claim(slot, settings.LOGIN_SLOW_SECONDS):
        return "slow"
    return None


def note_failure(username: str, ip: str | None) -> None:
    window = settings.LOGIN_FAILURE_WINDOW
    for key in (_pair_key(username, ip), _ip_key(ip), _account_key(username)):
        ratelimit.hit(key, window)


def clear(username: str, ip: str | None) -> None:
    """A successful login clears its own address's failures for the account (not the account-wide count: an
    attack on the account does not end because its owner signed in)."""
    ratelimit.reset(_pair_key(username, ip))
