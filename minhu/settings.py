"""The one settings module. Every knob comes from the environment through ``lib.env``.

With no environment at all Minhu runs on SQLite with a SQLite-backed task queue: the embedded
default ``make demo`` uses. Production sets ``MINHU_DEBUG=0``, ``SECRET_KEY``, ``DATABASE_URL``
(PostgreSQL) and ``REDIS_URL``; see docs/operations.md.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lib.client_ip import parse_trusted_proxies
from lib.env import database_from_url, env_bool, env_int, env_list, env_map, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MINHU_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite database and task store live here

DEBUG = env_bool("MINHU_DEBUG", True)
# The development key is public: the app refuses it (and any short key) when DEBUG is off.
_DEV_SECRET = "minhu-development-key-not-for-production-use-0123456789"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
# 50 characters, as `manage.py check --deploy` asks (security.W009).
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 10):
    raise ImproperlyConfigured(
        "SECRET_KEY is unsafe for production: set a random value of 50+ characters (MINHU_DEBUG=0)."
    )
# Key for encrypting personal identifiers (ID numbers, phones) at rest. Defaults to one derived
# from SECRET_KEY; set it separately so rotating SECRET_KEY does not make old data unreadable.
FIELD_ENCRYPTION_KEY = env_str("MINHU_FIELD_KEY", "") or SECRET_KEY
# Extra off-days and make-up workdays (ISO dates, comma-separated) beyond the statutory calendar.
MINHU_EXTRA_HOLIDAYS = env_list("MINHU_EXTRA_HOLIDAYS", [])
MINHU_EXTRA_WORKDAYS = env_list("MINHU_EXTRA_WORKDAYS", [])

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("MINHU_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc files served by the app itself (no CDN)
    "django_filters",
    "huey.contrib.djhuey",
    "ops",
    "org",
    "audit",
    "notify",
    "people",
    "cases",
    "insight",
    "volunteers",
    "events",
    "care",
    "renewal",
    "resources",
    "deeds",
    "dashboard",
    "calendars",
    "guides",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "minhu.dbrouter.ReadYourWritesMiddleware",  # before sessions: a login's session write counts as a write
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "minhu.middleware.BadInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "minhu.middleware.ContentSecurityPolicyMiddleware",
    "minhu.middleware.ApiDeprecationMiddleware",
    "minhu.middleware.FriendlyErrorPagesMiddleware",
    # innermost: a view that finds the database away answers 503 + Retry-After, not a 500 page
    "minhu.middleware.DatabaseUnavailableMiddleware",
]
# The Chinese 404/500 pages even with DEBUG on (bin/run-demo sets it: the demo shows what a user sees).
FRIENDLY_ERRORS = env_bool("MINHU_FRIENDLY_ERRORS", False)

ROOT_URLCONF = "minhu.urls"
WSGI_APPLICATION = "minhu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "org.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'minhu.sqlite3'}"), base_dir=BASE_DIR)
}
# A PostgreSQL streaming replica for the views marked @use_replica() (figures, exports, search, reports), with
# read-your-writes (minhu/dbrouter.py, docs/operations.md "Topology"). Empty: every read goes to DATABASE_URL.
# In tests the alias mirrors the test database instead of creating one on the (read-only) replica.
_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if _REPLICA_URL:
    DATABASES["replica"] = {**database_from_url(_REPLICA_URL, base_dir=BASE_DIR), "TEST": {"MIRROR": "default"}}
    if DATABASES["replica"]["ENGINE"].endswith("postgresql"):  # a replica that is down costs a page 2 s, not 2 min
        DATABASES["replica"]["OPTIONS"].setdefault("connect_timeout", "2")
MINHU_READ_REPLICA = "replica" if _REPLICA_URL else ""
# The replica serves only while at most this many seconds behind, and a browser that wrote reads the primary for
# as long afterwards (so whoever saved a case finds it in the export they open next).
MINHU_REPLICA_MAX_LAG = env_int("MINHU_REPLICA_MAX_LAG", 10)
DATABASE_ROUTERS = ["minhu.dbrouter.ReplicaRouter"]
# Behind PgBouncer in transaction mode (MINHU_PGBOUNCER=1): no server-side cursors (QuerySet.iterator() would
# open WITH HOLD cursors that outlive the transaction PgBouncer lent the server connection for).
if env_bool("MINHU_PGBOUNCER", False):
    for _db in DATABASES.values():
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "org.passwords.SystemNameValidator"},
]
# A working day: a session left open on a shared office computer ends by the next morning (Django's default: 2 weeks).
SESSION_COOKIE_AGE = env_int("MINHU_SESSION_HOURS", 10) * 3600
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Login throttling (org.throttle): failures within the window per (account, address) and per address lock that
# address out; failures per account from anywhere only slow down browsers that never signed in to it.
LOGIN_FAILURE_LIMIT = env_int("MINHU_LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW = env_int("MINHU_LOGIN_FAILURE_WINDOW", 900)
LOGIN_ADDRESS_LIMIT = env_int("MINHU_LOGIN_ADDRESS_LIMIT", LOGIN_FAILURE_LIMIT)
LOGIN_ACCOUNT_LIMIT = env_int("MINHU_LOGIN_ACCOUNT_LIMIT", 20)
LOGIN_SLOW_SECONDS = env_int("MINHU_LOGIN_SLOW_SECONDS", 30)
# Resident tracking step 1 (case number + phone) per hour: tries per address, wrong phones per case number.
TRACK_FIND_LIMIT = env_int("MINHU_TRACK_FIND_LIMIT", 20)
TRACK_NUMBER_LIMIT = env_int("MINHU_TRACK_NUMBER_LIMIT", 10)
# Take-number at a service day (events.throttle), per event within the window: per device and per address.
TAKE_WINDOW = env_int("MINHU_TAKE_WINDOW", 600)
TAKE_DEVICE_LIMIT = env_int("MINHU_TAKE_DEVICE_LIMIT", 10)
TAKE_ADDRESS_LIMIT = env_int("MINHU_TAKE_ADDRESS_LIMIT", 300)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"  # filled by collectstatic in production
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MINHU_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploads are served only after an access check (minhu/files.py). Set to nginx's internal location
# ("/protected/") in production so the proxy sends the bytes; empty streams them from Django.
MINHU_ACCEL_REDIRECT = env_str("MINHU_ACCEL_REDIRECT", "")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

_REDIS_URL = env_str("REDIS_URL", "")
# Redis when configured, falling back to the process's memory while Redis is down (lib.cache): logins and
# intake keep working without it. Short socket timeouts: an unreachable Redis must not hold a request.
CACHES = {
    "default": (
        {
            "BACKEND": "lib.cache.FallbackRedisCache",
            "LOCATION": _REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
        if _REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Task queue. SQLite storage beside the database by default, Redis when REDIS_URL is set.
# MINHU_TASKS_IMMEDIATE=1 runs tasks inline (tests that do not exercise the worker itself).
# minhu.huey's classes read crontabs in Shanghai time ("utc": False, their clock is TIME_ZONE's wall time)
# and let only the holder of the scheduler lease enqueue periodic jobs (docs/reliability.md).
HUEY = {
    "name": env_str("MINHU_HUEY_NAME", "minhu"),
    "immediate": env_bool("MINHU_TASKS_IMMEDIATE", False),
    "results": True,
    "store_none": False,
    "utc": False,
    "consumer": {"workers": env_int("MINHU_WORKERS", 2), "worker_type": "thread", "periodic": True},
}
if _REDIS_URL:
    HUEY.update({"huey_class": "minhu.huey.PriorityRedisHuey", "url": _REDIS_URL})
else:
    HUEY.update({"huey_class": "minhu.huey.SqliteHuey", "filename": str(VAR_DIR / "tasks.sqlite3")})

REST_FRAMEWORK = {
    # Token first: a call without valid credentials answers 401 with "WWW-Authenticate: Token" (docs/api.md);
    # the browser session still works for staff pages that call the API.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # lib.ratelimit: per client address without an account, per account signed in, per partner system's API key.
    # Take-number has limits of its own per event (events.throttle).
    "DEFAULT_THROTTLE_CLASSES": [
        "lib.ratelimit.AnonThrottle",
        "lib.ratelimit.UserThrottle",
        "lib.ratelimit.PartnerKeyThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("MINHU_API_ANON_RATE", "120/min"),
        "user": env_str("MINHU_API_USER_RATE", "2000/min"),
        "partner": env_str("MINHU_API_PARTNER_RATE", "2000/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Minhu (民呼) API",
    "DESCRIPTION": "民有所呼，我有所应 — 街道诉求、服务与数据接口。所有列表按用户的辖区范围过滤。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # the document describes the versioned API only (the deprecated /api/ paths answer the same)
    "SERVE_URLCONF": "minhu.api_v1_urls",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # request and response bodies as separate components: generated clients get a model for what they send
    "COMPONENT_SPLIT_REQUEST": True,
    # integrators send JSON: the document names that one body type (forms still parse, for the browser pages)
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # readable names for the enums two serializers share (a generated client names its classes after them)
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.Case.Status",
        "CaseVerdictEnum": "cases.models.Case.Verdict",
    },
    # summaries, descriptions, examples and the error responses of every operation (minhu/api_docs.py)
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "minhu.api_docs.postprocess"],
}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "minhu@localhost")

# Notification senders per channel (dotted paths to classes with ``send(message)``); SMS, WeChat and
# WeCom gateways are plug-ins: set MINHU_SMS_SENDER / MINHU_WECHAT_SENDER / MINHU_WECOM_SENDER to a
# class path, e.g. notify.gateways.aliyun_sms.AliyunSmsSender, notify.gateways.wecom.WeComRobotSender.
MINHU_NOTIFY_SENDERS = {
    "console": "notify.senders.ConsoleSender",
    "email": "notify.senders.EmailSender",
    "sms": env_str("MINHU_SMS_SENDER", "notify.senders.ConsoleSender"),
    "wechat": env_str("MINHU_WECHAT_SENDER", "notify.senders.ConsoleSender"),
    "wecom": env_str("MINHU_WECOM_SENDER", "notify.senders.ConsoleSender"),
}
# Aliyun SMS (docs/operations.md, "Messages"): credentials of a RAM user allowed to send SMS only.
MINHU_ALIYUN_SMS = {
    "access_key_id": env_str("MINHU_ALIYUN_ACCESS_KEY_ID", ""),
    "access_key_secret": env_str("MINHU_ALIYUN_ACCESS_KEY_SECRET", ""),
    "sign_name": env_str("MINHU_SMS_SIGN_NAME", ""),
    "region": env_str("MINHU_ALIYUN_SMS_REGION", "cn-hangzhou"),
    "endpoint": env_str("MINHU_ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
}
# purpose=TemplateCode pairs, e.g. "case.created=SMS_4650123,verification=SMS_4650124" (notify/sms_templates.py)
MINHU_SMS_TEMPLATES = env_map("MINHU_SMS_TEMPLATES")
# The secret path segment of the delivery-report URL given to the gateway; empty turns the endpoint off.
MINHU_NOTIFY_RECEIPT_TOKEN = env_str("MINHU_NOTIFY_RECEIPT_TOKEN", "")
# unit id=robot key pairs: each 居委's WeCom staff-group robot.
MINHU_WECOM_ROBOTS = env_map("MINHU_WECOM_ROBOTS")
MINHU_WECOM_ENDPOINT = env_str("MINHU_WECOM_ENDPOINT", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send")

# Care (关爱服务): minutes between safety-escalation steps, deadline of the critical case, days of
# rounds generated ahead by the daily job, seconds the route planner searches.
CARE_ESCALATION_STEP_MINUTES = env_int("MINHU_CARE_STEP_MINUTES", 10)
CARE_SAFETY_CASE_DUE_MINUTES = env_int("MINHU_CARE_CASE_DUE_MINUTES", 30)
CARE_ROUNDS_DAYS_AHEAD = env_int("MINHU_CARE_DAYS_AHEAD", 7)
CARE_ROUTE_SECONDS = env_int("MINHU_CARE_ROUTE_SECONDS", 3)

# Open311 GeoReport v2 (/open311/v2/): categories whose requests anyone may read without a key
# (public-space problems only: family, legal or medical needs are never listed), and the contact
# line of the discovery document.
OPEN311_PUBLIC_SERVICES = env_list("MINHU_OPEN311_PUBLIC_SERVICES", ["repair", "sanitation"])
OPEN311_CONTACT = env_str("MINHU_OPEN311_CONTACT", "")
# The jurisdiction's area (cases/open311_area.py): a posted lat/long outside it is refused. A GeoJSON file of the
# boundaries if given, else a bounding box "south,west,north,east" (default: the Shanghai municipality).
OPEN311_AREA_FILE = env_str("MINHU_OPEN311_AREA_FILE", "")
OPEN311_BOUNDS = env_list("MINHU_OPEN311_BOUNDS", ["30.6", "120.8", "31.9", "122.3"])
try:
    _south, _west, _north, _east = (float(v) for v in OPEN311_BOUNDS)
except ValueError:
    raise ImproperlyConfigured("MINHU_OPEN311_BOUNDS must be four numbers: south,west,north,east") from None
if not (_south < _north and _west < _east):
    raise ImproperlyConfigured("MINHU_OPEN311_BOUNDS must be south,west,north,east with south < north, west < east")

# Insight (docs/insight.md): category suggestions, similar cases, hot spots. A model trained on the
# deployment's own cases takes over from the keyword rules once MINHU_INSIGHT_MIN_CASES dispatched
# cases exist; it auto-dispatches only above the threshold at which its held-out suggestions were
# MINHU_INSIGHT_TARGET_PRECISION correct.
MINHU_INSIGHT_MIN_CASES = env_int("MINHU_INSIGHT_MIN_CASES", 200)
MINHU_INSIGHT_TARGET_PRECISION = float(env_str("MINHU_INSIGHT_TARGET_PRECISION", "0.97"))
MINHU_INSIGHT_AUTO_DISPATCH = env_bool("MINHU_INSIGHT_AUTO_DISPATCH", True)
MINHU_INSIGHT_SUGGEST_ON_CREATE = env_bool("MINHU_INSIGHT_SUGGEST_ON_CREATE", True)
MINHU_INSIGHT_MAX_TRAIN = env_int("MINHU_INSIGHT_MAX_TRAIN", 200_000)
MINHU_INSIGHT_SIMILAR_DAYS = env_int("MINHU_INSIGHT_SIMILAR_DAYS", 30)
MINHU_INSIGHT_HOTSPOT_DAYS = env_int("MINHU_INSIGHT_HOTSPOT_DAYS", 7)
MINHU_INSIGHT_HOTSPOT_MIN = env_int("MINHU_INSIGHT_HOTSPOT_MIN", 3)

# Security. Production mode (DEBUG off) turns on secure cookies and HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("MINHU_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_SSL_REDIRECT = env_bool("MINHU_SSL_REDIRECT", False)
if env_bool("MINHU_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Which proxies' X-Forwarded-For hops to believe (lib.client_ip): a hop count or CIDR blocks; empty believes none.
MINHU_TRUSTED_PROXIES = env_str("MINHU_TRUSTED_PROXIES", "")
parse_trusted_proxies(MINHU_TRUSTED_PROXIES)  # a typo stops the app here, not at the first login
# /api/docs/: Swagger UI's scripts are our own static files and its start-up script a separate file (the split view),
# so scripts stay 'self'; the UI sets style attributes as it renders, hence inline styles on that page only.
CONTENT_SECURITY_POLICY_API_DOCS = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)

# Logs carry no personal data: IDs and phones are masked before they reach a message (lib.masking).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal": {"()": "lib.masking.MaskingLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_personal"]}},
    "root": {"handlers": ["console"], "level": env_str("MINHU_LOG_LEVEL", "INFO")},
    # With a handler of its own, run_huey does not add another (which printed every line twice) nor lower the level.
    "loggers": {
        "huey": {"handlers": ["console"], "level": env_str("MINHU_HUEY_LOG_LEVEL", "WARNING"), "propagate": False}
    },
}
