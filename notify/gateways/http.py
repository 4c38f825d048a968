"""The one HTTP call the gateways make, with the standard library (no client package to install).

Errors never carry the request URL: a WeCom robot's key is part of its URL, and the reason of a
failure is stored in the outbox and shown to staff."""

import json
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 10


class GatewayError(Exception):
    """The gateway could not be reached or refused the message; a retry may succeed."""


def post(url: str, *, body: bytes, content_type: str) -> tuple[int, dict]:
    """POST ``body``; returns the HTTP status and the JSON answer (gateways answer errors in JSON too)."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type, "User-Agent": "minhu-notify"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (https from settings)
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise GatewayError(f"网关无法连接：{type(reason).__name__}") from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise GatewayError(f"网关应答无法识别（HTTP {status}）") from None
    if not isinstance(answer, dict):
        raise GatewayError(f"网关应答无法识别（HTTP {status}）")
    return status, answer
