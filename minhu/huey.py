"""The task queue's classes: huey's own, with two changes the deployment relies on.

1. **Crontabs are read in Shanghai time** (settings.TIME_ZONE), whatever the machine's zone: a job written
   ``crontab(hour="2", minute="30")`` runs at 02:30 in Shanghai. Huey runs with ``utc: False`` and its clock
   (``_get_timestamp``) is Shanghai wall time; Django sets the process's TZ to TIME_ZONE too, so the delays
   huey computes from ``datetime.now()`` read the same clock.
2. **Enqueueing is best effort** (``enqueue``): a task store that is down is logged, not raised.
3. **One scheduler at a time**: every consumer may run the scheduler, but each minute only the holder of the
   database lease (ops.lease) enqueues the periodic jobs, and it records when it did (shown on /healthz).

A consumer also checks MINHU_FIELD_KEY against the database before it starts (ops.keycheck).
"""

import datetime
import logging
from zoneinfo import ZoneInfo

import huey
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from huey.consumer import Consumer as HueyConsumer
from huey.consumer import Scheduler as HueyScheduler

logger = logging.getLogger("minhu.scheduler")


def shanghai_now() -> datetime.datetime:
    """Naive wall time in settings.TIME_ZONE, independent of the process's TZ."""
    return datetime.datetime.now(ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)


def _drop_stale_connection() -> None:
    """The scheduler is a long-lived thread: drop a connection the database closed meanwhile (as Django does
    around each request). Never inside a transaction (a test's), where Django would drop a working one."""
    if not connection.in_atomic_block:
        close_old_connections()


class Scheduler(HueyScheduler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from ops import lease  # noqa: PLC0415 — this module is loaded with the settings, before the apps

        self.holder = lease.process_name()

    def enqueue_periodic_tasks(self, now):
        from ops import lease  # noqa: PLC0415 — this module is loaded with the settings, before the apps

        minute = timezone.now().replace(second=0, microsecond=0)
        holder = self.holder
        _drop_stale_connection()
        try:
            if not lease.claim_minute(holder=holder, minute=minute):
                logger.info("Another scheduler holds the lease; periodic jobs not enqueued here.")
                return
            wall = timezone.localtime(minute, ZoneInfo(self.huey.tz_name)).replace(tzinfo=None)
            enqueued = []
            for task in self.huey.read_periodic(wall):
                logger.info("Enqueueing periodic task %s.", task)
                try:
                    self.huey.enqueue_or_raise(task)
                except Exception:
                    logger.exception("Error enqueueing periodic task %s.", task)
                else:
                    enqueued.append(task.name)
            lease.note_enqueued(tasks=enqueued, by=holder)
        except Exception:  # the database is away: the next tick tries again, the consumer keeps working
            logger.exception("Periodic scheduling failed this minute.")
        finally:
            _drop_stale_connection()


class Consumer(HueyConsumer):
    scheduler_class = Scheduler

    def stop(self, graceful=False):
        super().stop(graceful=graceful)
        if self.periodic:
            try:
                from ops import lease  # noqa: PLC0415 — this module is loaded with the settings, before the apps

                lease.release(holder=lease.process_name())
            except Exception:
                logger.exception("Could not release the scheduler lease.")


class MinhuHuey:
    @property
    def tz_name(self) -> str:
        return settings.TIME_ZONE

    def _get_timestamp(self):
        return shanghai_now()

    def enqueue_or_raise(self, task):
        """Huey's own enqueue, for the scheduler, which records only what it really queued."""
        return super().enqueue(task)

    def enqueue(self, task):
        """Best effort: a task store that cannot be reached (Redis down) is logged, never raised. Every task is a
        speed-up of work the database records (a queued message, a pending import, a request not yet taken);
        the periodic sweeps finish it. Raising here would turn a saved case into a 500 and a resubmitted
        duplicate (issue 16). In immediate mode (tests) the task runs inline and its errors propagate."""
        if self.immediate:
            return self.enqueue_or_raise(task)
        try:
            return self.enqueue_or_raise(task)
        except Exception:
            logger.exception("Task %s was not queued (task store unreachable); a sweep will do its work.", task.name)
            return None

    def create_consumer(self, **options):
        from ops.keycheck import verify_field_key  # noqa: PLC0415 — loaded with the settings, before the apps

        verify_field_key()  # refuses to start with another deployment's key (ImproperlyConfigured)
        return Consumer(self, **options)


class SqliteHuey(MinhuHuey, huey.SqliteHuey):
    pass


class PriorityRedisHuey(MinhuHuey, huey.PriorityRedisHuey):
    pass
