"""Reads of figures and exports on a PostgreSQL streaming replica, with read-your-writes.

A city-wide deployment outgrows one database server's reads first, and the heavy reads are the leaders' figures,
exports, searches and reports. Those views opt in with ``@use_replica()`` (nothing else ever reads the replica):

    @role_required(*DASHBOARD_ROLES)
    @use_replica()
    def index(request): ...

Inside, the ORM's reads (``ReplicaRouter.db_for_read``) and the raw SQL that asks ``reading_connection()`` go to the
``replica`` alias (``DATABASE_REPLICA_URL``). They go to the primary instead when

1. no replica is configured (``MINHU_READ_REPLICA`` empty): every read is the primary's, as before;
2. the request is not a GET or HEAD, or the browser wrote within the last ``MINHU_REPLICA_MAX_LAG`` seconds (the
   ``minhu_wrote`` cookie that ``ReadYourWritesMiddleware`` sets after any request that wrote): whoever just saved a
   case sees it in the export they open next;
3. the request itself has written (any INSERT/UPDATE/DELETE on the primary, through the ORM or raw SQL): from then
   on the rest of the request reads the primary;
4. the replica cannot be reached, or is more than ``MINHU_REPLICA_MAX_LAG`` seconds behind: figures a few seconds
   old are fine, a page that fails or shows yesterday is not.

Writes always go to the primary. The replica is never migrated (it is a physical copy of the primary). In tests the
alias is a mirror of ``default`` (``TEST: {"MIRROR": "default"}``): the same database through a second connection.
"""

import contextlib
import contextvars
import functools
import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError

log = logging.getLogger(__name__)

COOKIE = "minhu_wrote"
_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "TRUNCATE")
_CTE_WRITE = re.compile(r"\bAS\s*\(\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\b", re.IGNORECASE)


@dataclass
class Reading:
    """Where the reads of the current replica-safe block go, and why."""

    alias: str  # the replica's alias, or "default"
    reason: str  # "replica", "no-replica", "wrote-recently", "unsafe-method", "unreachable", "lagging", "wrote"
    lag: float | None = None  # seconds the replica is behind (0 when caught up), when it was asked

    @property
    def on_replica(self) -> bool:
        return self.alias != DEFAULT_DB_ALIAS


_reading: contextvars.ContextVar[Reading | None] = contextvars.ContextVar("minhu_reading", default=None)
_wrote: contextvars.ContextVar[list | None] = contextvars.ContextVar("minhu_wrote", default=None)


def replica_alias() -> str:
    """The configured replica's alias, or "" (then every read is the primary's)."""
    alias = getattr(settings, "MINHU_READ_REPLICA", "")
    return alias if alias and alias in connections.settings else ""


def max_lag() -> float:
    return float(getattr(settings, "MINHU_REPLICA_MAX_LAG", 10))


def current() -> Reading | None:
    """The reading in force (inside ``use_replica``), else None."""
    return _reading.get()


def read_alias() -> str:
    """The alias the current code should read from: the replica only inside ``use_replica`` before any write."""
    reading = _reading.get()
    return reading.alias if reading else DEFAULT_DB_ALIAS


def reading_connection():
    """The connection for raw-SQL reads (cases.metrics): the one the ORM would read from here."""
    return connections[read_alias()]


# After a failed attempt this process reads the primary for a while without trying the replica again: a replica
# that is down must not add a connect timeout to every page (monotonic time; per process).
RETRY_AFTER = 30.0
_down_until: dict[str, float] = {}


def replica_lag(alias: str) -> float | None:
    """Seconds ``alias`` is behind its primary: 0 when it is a primary or has replayed all it received while still
    streaming; otherwise the age of the last transaction it replayed. None when it cannot be reached (or could not
    within the last ``RETRY_AFTER`` seconds)."""
    if time.monotonic() < _down_until.get(alias, 0):
        return None
    try:
        return _ask_lag(alias)
    except DatabaseError:
        # A replica that is down must not take the page with it: close the broken connection, read the primary.
        with contextlib.suppress(DatabaseError):
            connections[alias].close()
        _down_until[alias] = time.monotonic() + RETRY_AFTER
        return None


def _ask_lag(alias: str) -> float:
    conn = connections[alias]
    if conn.vendor != "postgresql":
        conn.ensure_connection()
        return 0.0
    sql = (
        "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
        "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
        "AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0 "
        "ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 'Infinity') END"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql)
        return float(cursor.fetchone()[0])


def _wrote_recently(request) -> bool:
    try:
        at = float(request.COOKIES.get(COOKIE, ""))
    except ValueError:
        return False
    return 0 <= time.time() - at < max_lag()


def choose(request=None) -> Reading:
    """Where a replica-safe block's reads go for ``request`` (None: a task or command)."""
    alias = replica_alias()
    if not alias:
        return Reading(DEFAULT_DB_ALIAS, "no-replica")
    if request is not None:
        if request.method not in ("GET", "HEAD"):
            return Reading(DEFAULT_DB_ALIAS, "unsafe-method")
        if _wrote_recently(request):
            return Reading(DEFAULT_DB_ALIAS, "wrote-recently")
    wrote = _wrote.get()
    if wrote:
        return Reading(DEFAULT_DB_ALIAS, "wrote")
    lag = replica_lag(alias)
    if lag is None:
        log.warning("read replica %r unreachable: reading from the primary", alias)
        return Reading(DEFAULT_DB_ALIAS, "unreachable")
    if lag > max_lag():
        log.warning("read replica %r is %.0f s behind: reading from the primary", alias, lag)
        return Reading(DEFAULT_DB_ALIAS, "lagging", lag)
    return Reading(alias, "replica", lag)


def _note_write():
    """From the first write on, the current request (or replica-safe block) reads the primary."""
    wrote = _wrote.get()
    if wrote is not None and not wrote:
        wrote.append(True)
    reading = _reading.get()
    if reading is not None and reading.on_replica:
        _reading.set(Reading(DEFAULT_DB_ALIAS, "wrote", reading.lag))


def _is_write(sql: str) -> bool:
    head = sql.lstrip()[:10].upper()
    if head.startswith(_WRITES):
        return True
    # A data-modifying CTE (cases.sql.insert_all: WITH i0 AS (INSERT ... RETURNING ...) SELECT ...).
    return head.startswith("WITH") and _CTE_WRITE.search(sql) is not None


def _watch_writes(execute, sql, params, many, context):
    if _is_write(sql):
        _note_write()
    return execute(sql, params, many, context)


class use_replica:  # noqa: N801 — reads like the decorator and context manager it is
    """``@use_replica()`` on a read-only view (innermost, below the access decorators, so that the user and their
    roles are read from the primary), or ``with use_replica(request):`` around a block of reads."""

    def __init__(self, request=None):
        self.request = request
        self._tokens = None
        self._wrapper = None

    def __enter__(self) -> Reading:
        user = getattr(self.request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 — load the lazy user from the primary before reads move
        outer = _reading.get()
        reading = outer if outer is not None else choose(self.request)
        wrote_token = None
        if _wrote.get() is None:  # outside ReadYourWritesMiddleware (a task, a test): watch writes here
            wrote_token = _wrote.set([])
        self._tokens = (_reading.set(reading), wrote_token)
        if reading.on_replica and wrote_token is not None:  # ReadYourWritesMiddleware watches a request's writes
            self._wrapper = connections[DEFAULT_DB_ALIAS].execute_wrapper(_watch_writes)
            self._wrapper.__enter__()
        return reading

    def __exit__(self, *exc):
        if self._wrapper is not None:
            self._wrapper.__exit__(*exc)
            self._wrapper = None
        reading_token, wrote_token = self._tokens
        _reading.reset(reading_token)
        if wrote_token is not None:
            _wrote.reset(wrote_token)
        return False

    def __call__(self, view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            with use_replica(request):
                return view(request, *args, **kwargs)

        return wrapper


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads inside ``use_replica`` to the replica, every write to the primary."""

    def db_for_read(self, model, **hints):
        # Outside a replica-safe block: the primary, even for an object read from the replica earlier (Django would
        # otherwise follow the object's own database).
        reading = _reading.get()
        return reading.alias if reading is not None else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        _note_write()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database seen through two connections

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db != DEFAULT_DB_ALIAS else None


class ReadYourWritesMiddleware:
    """Notes whether a request wrote to the primary and, if it did, marks the browser with ``minhu_wrote`` so its
    replica-safe pages read the primary for the next ``MINHU_REPLICA_MAX_LAG`` seconds. Placed before the session
    middleware so that a login (a session write) counts. Does nothing without a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_alias():
            return self.get_response(request)
        token = _wrote.set([])
        try:
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(_watch_writes):
                response = self.get_response(request)
            wrote = bool(_wrote.get())
        finally:
            _wrote.reset(token)
        if wrote or request.method not in ("GET", "HEAD", "OPTIONS"):
            response.set_cookie(
                COOKIE,
                f"{time.time():.3f}",
                max_age=int(max_lag()) + 1,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
