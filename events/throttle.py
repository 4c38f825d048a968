"""Take-number limits: per device and per address, each counted per event (``lib.ratelimit``, fail open).

A phone holds one open ticket per desk already (a database constraint); these limits stop a script from
filling a service day's queues with numbers: TAKE_DEVICE_LIMIT takes per device (the kiosk's or phone's
``client_id``, or the browser session) and TAKE_ADDRESS_LIMIT per address (generous: a venue's Wi-Fi puts
many phones behind one address) within TAKE_WINDOW seconds.
"""

from django.conf import settings

from lib import ratelimit


def take_refused(*, event_id: int, device: str, ip: str | None) -> bool:
    """Count one take for the device and the address at this event; True when either went over its limit."""
    limits = {f"take:ip:{event_id}:{ip or '-'}": settings.TAKE_ADDRESS_LIMIT}
    if device:
        limits[f"take:dev:{event_id}:{device[:60]}"] = settings.TAKE_DEVICE_LIMIT
    return ratelimit.over_any(limits, settings.TAKE_WINDOW)
