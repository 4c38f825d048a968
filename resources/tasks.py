"""Periodic sweeps: release no-shows after the grace period and pass expired waitlist offers on."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*/5"))
def sweep_bookings() -> None:
    """Every five minutes: no-shows are released (and offered to the waitlist), stale offers lapse."""
    services.release_no_shows()
    services.expire_offers()
