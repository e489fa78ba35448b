"""Hoviat settings: everything that differs between machines comes from the environment."""

import copy
import datetime as dt
import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.contrib.messages import constants as message_levels
from django.core.exceptions import ImproperlyConfigured

from hoviat.core.env import (
    env_bool,
    env_choice,
    env_date,
    env_float,
    env_int,
    env_int_list,
    env_list,
    env_str,
    secret_from_env_or_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HOVIAT_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Off unless asked for: `make run` sets HOVIAT_DEBUG=true on a developer's machine, a server
# that forgets the variable gets the production behaviour, not debug pages and made-up keys.
DEBUG = env_bool("HOVIAT_DEBUG", default=False)
# Secrets missing from the environment are generated into var/ in development only; outside
# it they stop start-up with the variable's name (core.env.secret_from_env_or_file).
# HOVIAT_GENERATE_DEV_SECRETS: the benchmarks (`make bench`) measure without DEBUG on a
# developer's machine; never set it on a server.
GENERATE_DEV_SECRETS = env_bool("HOVIAT_GENERATE_DEV_SECRETS", default=DEBUG)
SECRET_KEY = secret_from_env_or_file(
    "HOVIAT_SECRET_KEY", VAR_DIR / "secret_key", generate=GENERATE_DEV_SECRETS
)
# Outside development the site's own names must be given (env_str stops start-up otherwise).
ALLOWED_HOSTS = env_list(
    "HOVIAT_ALLOWED_HOSTS",
    ["127.0.0.1", "localhost", "testserver"] if DEBUG else [env_str("HOVIAT_ALLOWED_HOSTS")],
)
CSRF_TRUSTED_ORIGINS = env_list("HOVIAT_CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed: behind them the
# rate limits and logs see the client's address, not the proxy's (core/client_address.py).
TRUSTED_PROXIES = env_list("HOVIAT_TRUSTED_PROXIES", [])
# Who may read /metrics (addresses or networks, the socket's own peer; core/health.py).
METRICS_ALLOWED_ADDRESSES = env_list("HOVIAT_METRICS_ALLOWED_ADDRESSES", ["127.0.0.1", "::1"])
for _name, _networks in (
    ("HOVIAT_TRUSTED_PROXIES", TRUSTED_PROXIES),
    ("HOVIAT_METRICS_ALLOWED_ADDRESSES", METRICS_ALLOWED_ADDRESSES),
):
    for _network in _networks:
        try:
            ipaddress.ip_network(_network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{_name}: {_network!r} is not an address or network"
            ) from None
# The domain's gauges, read from the database at each scrape (hoviat/metrics.py).
METRICS_COLLECTORS = ["hoviat.metrics.DomainCollector"]

# --- Transport and browser security (`hoviat check --deploy` is silent in production) -------
# Behind a TLS-terminating proxy, HOVIAT_SECURE_PROXY_SSL_HEADER names the header it sets
# (e.g. HTTP_X_FORWARDED_PROTO); the proxy must overwrite it on every request.
_PROXY_SSL_HEADER = env_str("HOVIAT_SECURE_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (_PROXY_SSL_HEADER, "https") if _PROXY_SSL_HEADER else None
SECURE_SSL_REDIRECT = env_bool("HOVIAT_SECURE_SSL_REDIRECT", default=not DEBUG)
# One year, every subdomain, eligible for the browsers' preload list (the site only speaks
# HTTPS); none in development, where the site is plain http://127.0.0.1.
SECURE_HSTS_SECONDS = env_int(
    "HOVIAT_SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HOVIAT_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("HOVIAT_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env_bool("HOVIAT_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from this site's own files: no inline script or style, no eval
# (htmx's hx-on and js: values are not used), no third-party origin. Pictures may be data:
# URLs (the datepicker's icons, Bootstrap's form controls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        # The sandbox bank is served by this site, so its forms post here too.
        "form-action": ["'self'"],
    }
}
# Browser features no page uses are refused to every origin (core.headers).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "django_otp",  # staff second factor: authenticator apps and recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",  # staff second factor: passkeys (its JS is served from our static)
    "axes",  # staff sign-in throttling (its own tables: axes_accessattempt, …)
    "csp",
    "ninja",  # serves Swagger UI from its own static files, not from a CDN
    "hoviat.core",
    "hoviat.places",
    "hoviat.registry",
    "hoviat.offices",
    "hoviat.notifications",
    # citizenship registers people the registry never had: after registry, before applications.
    "hoviat.citizenship",
    "hoviat.applications",
    "hoviat.booking",
    "hoviat.payments",
    # pki before enrolment: receipts are signed with its keys (it serves later stages too).
    "hoviat.pki",
    "hoviat.enrolment",
    "hoviat.production",
    "hoviat.delivery",
    # inquiry and reports only read the apps above.
    "hoviat.inquiry",
    # selfservice reads the inquiry log and changes the card lock through inquiry's services.
    "hoviat.selfservice",
    "hoviat.reports",
    # planning reads every stage and writes only its own tables: last.
    "hoviat.planning",
    # The project's wiring (hoviat/apps.py): loads the periodic jobs once every app is ready.
    "hoviat",
]

MIDDLEWARE = [
    # First: /healthz, /readyz and /metrics answered before the HTTPS redirect, the host check,
    # sessions and rate limits (core/health.py).
    "hoviat.core.health.ProbeMiddleware",
    # The client's address behind HOVIAT_TRUSTED_PROXIES, before anything reads it.
    "hoviat.core.client_address.ClientAddressMiddleware",
    # The request id, one JSON line and the metrics per request, whatever answers it.
    "hoviat.core.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every answer carries it, even one a later middleware makes (a redirect
    # to the second factor, a refused upload).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before anything can read the body (sessions, CSRF, the views).
    "hoviat.core.request_limits.RequestSizeLimitMiddleware",
    # Banks' and agencies' API calls skip from here to the view, through the privacy headers,
    # CommonMiddleware and Idempotency-Key only: no session, locale, CSRF, user or messages
    # (core/partner_api.py; the CSP header is still sent, built once).
    "hoviat.core.partner_api.PartnerApiMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their long cache lifetimes.
    "hoviat.core.headers.PrivacyHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hoviat.core.sessions.StaffSessionMiddleware",
    "hoviat.core.sessions.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hoviat.core.idempotency.IdempotencyMiddleware",
    # Last: turns a sign-in refused because of too many failures into the 429 answer.
    "axes.middleware.AxesMiddleware",
    # Takes itself out of the chain once built: hands the view to PartnerApiMiddleware.
    "hoviat.core.partner_api.PartnerApiEndMiddleware",
]

ROOT_URLCONF = "hoviat.urls"
WSGI_APPLICATION = "hoviat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hoviat" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hoviat.core.context_processors.today",
                "hoviat.core.context_processors.roles",
            ],
            "builtins": ["hoviat.core.templatetags.persian", "hoviat.core.templatetags.forms"],
        },
    },
]

# Every message level names a Bootstrap alert class (Bootstrap has no `alert-error`).
MESSAGE_TAGS = {
    message_levels.DEBUG: "secondary",
    message_levels.INFO: "info",
    message_levels.SUCCESS: "success",
    message_levels.WARNING: "warning",
    message_levels.ERROR: "danger",
}

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL 15 through DATABASE_URL in production.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hoviat.sqlite3'}")
# Persistent connections (seconds; 0 closes after each request). Must stay 0 with HOVIAT_DB_POOL.
DB_CONN_MAX_AGE = env_int("HOVIAT_DB_CONN_MAX_AGE", 0, minimum=0)
# Behind PgBouncer in transaction mode (docs/deploy.md): no server-side cursors, no prepared
# statements (PgBouncer before 1.21 does not carry them from one transaction to the next).
DB_PGBOUNCER = env_bool("HOVIAT_DB_PGBOUNCER", default=False)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one of
        # them failing with "database is locked" half-way through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    # A stopped or unreachable server fails a request (and /readyz) in seconds, not minutes.
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = env_int(
        "HOVIAT_DB_CONNECT_TIMEOUT", 5, minimum=1
    )
    # Django's own pool (psycopg_pool) in each web process: connections kept open and shared
    # by the threads; HOVIAT_DB_POOL_MAX_SIZE per process (workers × this ≤ max_connections).
    # Two by default, fewer than HOVIAT_SERVE_THREADS: the GIL lets a process run one thread's
    # Python at a time, and two connections let one thread's database wait overlap another's
    # Python; threads beyond them wait for one (docs/deploy.md, connection pooling).
    if env_bool("HOVIAT_DB_POOL", default=False):
        if DB_CONN_MAX_AGE:
            raise ImproperlyConfigured("HOVIAT_DB_POOL needs HOVIAT_DB_CONN_MAX_AGE=0 (unset)")
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env_int("HOVIAT_DB_POOL_MIN_SIZE", 1, minimum=0),
            "max_size": env_int("HOVIAT_DB_POOL_MAX_SIZE", 2, minimum=1),
            "timeout": env_int("HOVIAT_DB_POOL_TIMEOUT", 10, minimum=1),
        }
    if DB_PGBOUNCER:
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# Read replica: reads wrapped in hoviat.core.dbrouter.use_replica() (the inquiry API) go to a
# PostgreSQL streaming replica when one is configured; everything else stays on default.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=0)
    DATABASES["replica"]["OPTIONS"] = copy.deepcopy(DATABASES["default"].get("OPTIONS", {}))
    # Never build a test database on a read-only standby: under test it is default's.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["hoviat.core.dbrouter.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Axes first: a locked-out attempt stops there and never costs a password hash.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Language and time -------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "fa")
LANGUAGES = [("fa", "فارسی"), ("en", "English")]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Tehran")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve straight from static/ (no collectstatic step for a newcomer); cached in production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Jobs ------------------------------------------------------------------------------------
HUEY_BACKEND = env_choice("HUEY_BACKEND", "sqlite", ["sqlite", "redis", "immediate"])
if HUEY_BACKEND == "redis":
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "hoviat",
        "url": env_str("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "immediate": False,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "hoviat",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_BACKEND == "immediate",
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# --- Serving (`hoviat serve`, `hoviat worker`; docs/deploy.md) ---------------------------------
SERVE_BIND = env_str("HOVIAT_SERVE_BIND", "127.0.0.1:8000")
# 0: one worker process per usable CPU, at least two.
SERVE_WORKERS = env_int("HOVIAT_SERVE_WORKERS", 0, minimum=0)
SERVE_THREADS = env_int("HOVIAT_SERVE_THREADS", 8, minimum=1)
# How long a stopping (TERM) or replaced (HUP) worker may finish its requests before it is killed.
SERVE_TIMEOUT = env_int("HOVIAT_SERVE_TIMEOUT", 30, minimum=5, maximum=1800)
# Seconds an idle kept-alive connection waits for its next request: longer than the proxy's idle
# timeout towards us, so the proxy closes first (granian allows at most 60).
SERVE_KEEP_ALIVE = env_int("HOVIAT_SERVE_KEEP_ALIVE", 60, minimum=1, maximum=60)
# A worker grown past this many MiB is replaced gracefully; 0: never.
SERVE_MAX_RSS_MB = env_int("HOVIAT_SERVE_MAX_RSS_MB", 1024, minimum=0)
# Emptied at each start: the workers' metric files (prometheus_client multiprocess mode).
SERVE_METRICS_DIR = env_str("HOVIAT_SERVE_METRICS_DIR", str(VAR_DIR / "metrics"))
WORKER_THREADS = env_int("HOVIAT_WORKER_THREADS", 2, minimum=1)

# --- Notifications ----------------------------------------------------------------------------
SMS_BACKEND = env_choice("SMS_BACKEND", "file", ["console", "file", "kavenegar"])
SMS_FILE_PATH = VAR_DIR / "sms.jsonl"
SMS_MAX_ATTEMPTS = env_int("HOVIAT_SMS_MAX_ATTEMPTS", 5, minimum=1)
KAVENEGAR_BASE_URL = env_str("KAVENEGAR_BASE_URL", "https://api.kavenegar.com")
KAVENEGAR_API_KEY = env_str("KAVENEGAR_API_KEY", "" if SMS_BACKEND != "kavenegar" else None)
KAVENEGAR_SENDER = env_str("KAVENEGAR_SENDER", "")
KAVENEGAR_TIMEOUT_SECONDS = env_int("KAVENEGAR_TIMEOUT_SECONDS", 10, minimum=1)

# --- Registry -------------------------------------------------------------------------------
# Policy numbers live here so a decision changes a setting, not code.
CARD_MINIMUM_AGE = env_int("HOVIAT_CARD_MINIMUM_AGE", 15, minimum=0)

# Citizenship cases (people without a birth certificate): each inquiry's time to answer, in
# days (police identity check 30; the county security council 3 months, as the 1398 law on
# children of Iranian mothers gives; forensic DNA 45), and the council's quorum.
CITIZENSHIP_POLICE_DAYS = env_int("HOVIAT_CITIZENSHIP_POLICE_DAYS", 30, minimum=1)
CITIZENSHIP_SECURITY_DAYS = env_int("HOVIAT_CITIZENSHIP_SECURITY_DAYS", 90, minimum=1)
CITIZENSHIP_FORENSIC_DAYS = env_int("HOVIAT_CITIZENSHIP_FORENSIC_DAYS", 45, minimum=1)
CITIZENSHIP_COUNCIL_QUORUM = env_int("HOVIAT_CITIZENSHIP_COUNCIL_QUORUM", 2, minimum=1)
# Cases an applicant may file online from one mobile a day (duplicates count too).
CITIZENSHIP_ONLINE_FILINGS_PER_DAY = env_int(
    "HOVIAT_CITIZENSHIP_ONLINE_FILINGS_PER_DAY", 3, minimum=1
)
# Days a refused applicant has to appeal to a court.
CITIZENSHIP_APPEAL_DAYS = env_int("HOVIAT_CITIZENSHIP_APPEAL_DAYS", 30, minimum=1)
CITIZENSHIP_DOCUMENT_MAX_BYTES = env_int(
    "HOVIAT_CITIZENSHIP_DOCUMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024
)
# Self-service complaints: days staff have to answer one; how many lookups of a complaint
# one client may make a minute (numbers are random, and guessing them must stay slow); how
# many complaints one mobile may file a day.
GRIEVANCE_DUE_DAYS = env_int("HOVIAT_GRIEVANCE_DUE_DAYS", 7, minimum=1)
GRIEVANCE_LOOKUP_RATE_PER_MINUTE = env_int("HOVIAT_GRIEVANCE_LOOKUP_RATE_PER_MINUTE", 20, minimum=1)
GRIEVANCE_FILINGS_PER_DAY = env_int("HOVIAT_GRIEVANCE_FILINGS_PER_DAY", 10, minimum=1)
# The matcher a case's face and fingers are looked up with (a dotted path; the simulator pairs
# with enrolment's simulator device), and the score (0-100) from which a candidate is a
# possible duplicate the case's officer must link or clear.
CITIZENSHIP_BIOMETRIC_MATCHER = env_str(
    "HOVIAT_CITIZENSHIP_BIOMETRIC_MATCHER", "hoviat.citizenship.matching.SimulatorMatcher"
)
CITIZENSHIP_BIOMETRIC_MATCH_THRESHOLD = env_int(
    "HOVIAT_CITIZENSHIP_BIOMETRIC_MATCH_THRESHOLD", 40, minimum=1, maximum=100
)
IMPORT_BATCH_SIZE = env_int("HOVIAT_IMPORT_BATCH_SIZE", 5000, minimum=1)
# `hoviat migrate` loads the shipped reference data (provinces, counties, national-code
# prefixes, cities, holidays) after migrating; the test suite builds its own places instead.
LOAD_REFERENCE_DATA = env_bool("HOVIAT_LOAD_REFERENCE_DATA", default=True)
# Who owns a mobile line (Iran's Shahkar): `simulator` answers from registry_mobileownership
# (filled from the registry's mobiles by the demo and generate-population); `http` asks a
# Shahkar-like service and refuses (503) when it cannot answer, never lets a request through.
MOBILE_OWNERSHIP_BACKEND = env_choice(
    "HOVIAT_MOBILE_OWNERSHIP_BACKEND", "simulator", ["simulator", "http"]
)
MOBILE_OWNERSHIP_URL = env_str(
    "HOVIAT_MOBILE_OWNERSHIP_URL", "" if MOBILE_OWNERSHIP_BACKEND != "http" else None
)
MOBILE_OWNERSHIP_TOKEN = env_str("HOVIAT_MOBILE_OWNERSHIP_TOKEN", "")
MOBILE_OWNERSHIP_TIMEOUT_SECONDS = env_float(
    "HOVIAT_MOBILE_OWNERSHIP_TIMEOUT_SECONDS", 3.0, minimum=0.1, maximum=30.0
)

# One JSON line per event on standard error (core/logs.py); `text` for a developer's terminal.
LOG_FORMAT = env_choice("HOVIAT_LOG_FORMAT", "text" if DEBUG else "json", ["json", "text"])
LOG_LEVEL = env_choice(
    "HOVIAT_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "hoviat.core.logs.formatter", "format": LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Huey's own lines once (its command adds a handler only to a logger that has none),
        # and its every-minute "Executing …" lines only at DEBUG: core/logs.py writes one line
        # per job, periodic ones at DEBUG unless they fail.
        "huey": {
            "handlers": ["console"],
            "propagate": False,
            "level": "DEBUG" if LOG_LEVEL == "DEBUG" else "WARNING",
        },
        # Django's own access lines duplicate hoviat.request's.
        "django.server": {"level": "WARNING"},
        "gunicorn.access": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes announces its version at every start of every command.
        "axes.apps": {"level": "WARNING"},
    },
}
STAFF_TOKEN_HOURS = env_int("HOVIAT_STAFF_TOKEN_HOURS", 12, minimum=1)

# --- Staff sign-in throttling (django-axes) ---------------------------------------------------
# Locked per username AND address: a stranger who guesses at someone's name locks out only
# themselves, never the staff member at their own desk.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("HOVIAT_SIGNIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("HOVIAT_SIGNIN_COOLOFF_MINUTES", 15, minimum=1))
# A try during the cool-off does not restart it, so the page can say how long is left.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "hoviat.core.signin.signin_locked_response"
AXES_HTTP_RESPONSE_CODE = 429
# Staff must pass a second factor (authenticator app or recovery code) after the password, on
# the pages and for an API token. `optional` lets staff without one in (for the demo only).
STAFF_SECOND_FACTOR = env_choice("HOVIAT_STAFF_SECOND_FACTOR", "required", ["required", "optional"])
OTP_TOTP_ISSUER = "هویت"
# Staff pages: signed out after this long without a request, and this long after signing in.
STAFF_SESSION_IDLE_MINUTES = env_int("HOVIAT_STAFF_SESSION_IDLE_MINUTES", 30, minimum=1)
STAFF_SESSION_MAX_HOURS = env_int("HOVIAT_STAFF_SESSION_MAX_HOURS", 12, minimum=1)
# The cookie lives no longer than the longest session (citizens' are shorter, set_expiry).
SESSION_COOKIE_AGE = STAFF_SESSION_MAX_HOURS * 3600

# --- Citizen portal (policy numbers; a decision changes a setting, not code) ---------------
OTP_TTL_SECONDS = env_int("HOVIAT_OTP_TTL_SECONDS", 120, minimum=30)
OTP_MAX_REQUESTS_PER_HOUR = env_int("HOVIAT_OTP_MAX_REQUESTS_PER_HOUR", 5, minimum=1)
OTP_MAX_FAILURES = env_int("HOVIAT_OTP_MAX_FAILURES", 5, minimum=1)
OTP_LOCKOUT_MINUTES = env_int("HOVIAT_OTP_LOCKOUT_MINUTES", 60, minimum=1)
# Sending codes costs SMS money: a ceiling per client address and one over everybody.
OTP_REQUESTS_PER_ADDRESS_PER_HOUR = env_int(
    "HOVIAT_OTP_REQUESTS_PER_ADDRESS_PER_HOUR", 30, minimum=1
)
OTP_REQUESTS_PER_MINUTE = env_int("HOVIAT_OTP_REQUESTS_PER_MINUTE", 120, minimum=1)
# After this many code requests from one address in OTP_CHALLENGE_WINDOW_MINUTES, each further
# request must carry a solved proof-of-work challenge.
OTP_CHALLENGE_AFTER = env_int("HOVIAT_OTP_CHALLENGE_AFTER", 3, minimum=0)
OTP_CHALLENGE_WINDOW_MINUTES = env_int("HOVIAT_OTP_CHALLENGE_WINDOW_MINUTES", 10, minimum=1)
# Wrong codes for numbers that have no code waiting, per client address.
OTP_VERIFY_NO_CODE_PER_ADDRESS_PER_HOUR = env_int(
    "HOVIAT_OTP_VERIFY_NO_CODE_PER_ADDRESS_PER_HOUR", 20, minimum=1
)
# Proof of work: the largest number a solver may have to try (work grows linearly with it).
POW_CHALLENGE_MAX_NUMBER = env_int("HOVIAT_POW_CHALLENGE_MAX_NUMBER", 100_000, minimum=100)
POW_CHALLENGE_TTL_SECONDS = env_int("HOVIAT_POW_CHALLENGE_TTL_SECONDS", 300, minimum=30)
CITIZEN_SESSION_HOURS = env_int("HOVIAT_CITIZEN_SESSION_HOURS", 2, minimum=1)
# Fees in rials per application kind (1403 budget law: 1,450,000 for a first card).
FEE_FIRST_RIALS = env_int("HOVIAT_FEE_FIRST_RIALS", 1_450_000, minimum=0)
FEE_REPLACEMENT_RIALS = env_int("HOVIAT_FEE_REPLACEMENT_RIALS", 1_450_000, minimum=0)
# A lost card costs more with every loss: index 0 is the first loss.
FEE_LOST_RIALS = env_int_list("HOVIAT_FEE_LOST_RIALS", [2_900_000, 4_350_000, 5_800_000], minimum=0)
BOOKING_HOLD_MINUTES = env_int("HOVIAT_BOOKING_HOLD_MINUTES", 10, minimum=1)
BOOKING_DAYS_AHEAD = env_int("HOVIAT_BOOKING_DAYS_AHEAD", 60, minimum=1)
MISSED_APPOINTMENT_GRACE_DAYS = env_int("HOVIAT_MISSED_APPOINTMENT_GRACE_DAYS", 7, minimum=0)
# Until the production queue exists, the expected card-ready date is this many working days
# after enrolment (the organisation's stated average service time).
DEFAULT_LEAD_WORKING_DAYS = env_int("HOVIAT_DEFAULT_LEAD_WORKING_DAYS", 20, minimum=1)
TRACKING_RATE_PER_MINUTE = env_int("HOVIAT_TRACKING_RATE_PER_MINUTE", 10, minimum=1)
# A lost tracking code sent again by SMS: this many per national code a day (and the tracking
# rate per address), so the form cannot be used to flood someone's phone.
TRACKING_RESEND_PER_DAY = env_int("HOVIAT_TRACKING_RESEND_PER_DAY", 3, minimum=1)
PAYMENT_GATEWAY = env_choice("HOVIAT_PAYMENT_GATEWAY", "sandbox", ["sandbox"])
SANDBOX_GATEWAY_SECRET = secret_from_env_or_file(
    "HOVIAT_SANDBOX_GATEWAY_SECRET",
    VAR_DIR / "sandbox_gateway_secret",
    generate=GENERATE_DEV_SECRETS,
)
SANDBOX_MERCHANT_ID = env_str("HOVIAT_SANDBOX_MERCHANT_ID", "hoviat-sandbox")
PUBLIC_BASE_URL = env_str("HOVIAT_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Staff passkeys (WebAuthn) are bound to this domain: changing it later orphans every passkey
# registered before. The browser's origin must be one of the allowed ones, exactly. A passkey
# cannot belong to an IP address, so the development default 127.0.0.1 becomes `localhost`
# (open the demo at http://localhost:8000 to try passkeys).
_public = urlsplit(PUBLIC_BASE_URL)
_public_host = "localhost" if _public.hostname == "127.0.0.1" else (_public.hostname or "")
OTP_WEBAUTHN_RP_ID = env_str("HOVIAT_WEBAUTHN_RP_ID", _public_host)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "HOVIAT_WEBAUTHN_ORIGINS",
    [f"{_public.scheme}://{_public_host}" + (f":{_public.port}" if _public.port else "")],
)
OTP_WEBAUTHN_RP_NAME = "هویت"
# A passkey is a second factor after the password, never a way in on its own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
PRE_REGISTRATION_TRIES_PER_HOUR = env_int("HOVIAT_PRE_REGISTRATION_TRIES_PER_HOUR", 10, minimum=1)

# --- Audit log ---------------------------------------------------------------------------------
# The audit log is a Merkle tree (RFC 9162). Writers only insert; the sequencer (the worker,
# every AUDIT_SEQUENCE_SECONDS, and `hoviat sweep`) gives committed rows leaf numbers and signs
# a checkpoint (C2SP format) with this Ed25519 key, which never enters the database. The
# checkpoints and leaf hashes are also appended to the witness directory, outside the database:
# keep it on other storage, and let outside witnesses fetch GET /audit/checkpoint.
AUDIT_SIGNING_KEY = secret_from_env_or_file(
    "HOVIAT_AUDIT_SIGNING_KEY", VAR_DIR / "audit_signing_key", generate=GENERATE_DEV_SECRETS
)
AUDIT_LOG_ORIGIN = env_str("HOVIAT_AUDIT_LOG_ORIGIN", "hoviat.local/audit")
AUDIT_WITNESS_DIR = Path(env_str("HOVIAT_AUDIT_WITNESS_DIR", str(VAR_DIR / "audit-witness")))
# Development creates the witness directory; a server refuses to run without it.
AUDIT_WITNESS_DIR_CREATE = env_bool("HOVIAT_AUDIT_WITNESS_DIR_CREATE", default=GENERATE_DEV_SECRETS)
AUDIT_SEQUENCE_SECONDS = env_int("HOVIAT_AUDIT_SEQUENCE_SECONDS", 5, minimum=1, maximum=60)
AUDIT_SEQUENCE_BATCH = env_int("HOVIAT_AUDIT_SEQUENCE_BATCH", 20_000, minimum=1)
# Rows still without a leaf number after this long are reported by `hoviat verify-audit`.
AUDIT_UNSEQUENCED_MAX_SECONDS = env_int("HOVIAT_AUDIT_UNSEQUENCED_MAX_SECONDS", 300, minimum=1)

# --- PKI -------------------------------------------------------------------------------------
# Encrypts private keys at rest (receipt-signing keys now, CA keys later).
PKI_PASSPHRASE = secret_from_env_or_file(
    "HOVIAT_PKI_PASSPHRASE", VAR_DIR / "pki_passphrase", generate=GENERATE_DEV_SECRETS
)
# Development makes the receipt-signing key on demand; production runs `hoviat pki init` once.
PKI_RECEIPT_KEY_AUTO_CREATE = env_bool("HOVIAT_PKI_RECEIPT_KEY_AUTO_CREATE", default=DEBUG)
PKI_RECEIPT_KEY_SIGNING_DAYS = env_int("HOVIAT_PKI_RECEIPT_KEY_SIGNING_DAYS", 365, minimum=1)
PKI_VERIFY_RATE_PER_MINUTE = env_int("HOVIAT_PKI_VERIFY_RATE_PER_MINUTE", 30, minimum=1)
PKI_CA_AUTO_CREATE = env_bool("HOVIAT_PKI_CA_AUTO_CREATE", default=DEBUG)
# Production: CA certificates (PEM) and the issuing CA key (PKCS#8 PEM encrypted with
# HOVIAT_PKI_PASSPHRASE); `hoviat pki init` records the certificates, the key stays in its file.
PKI_ROOT_CERT_FILE = env_str("HOVIAT_PKI_ROOT_CERT_FILE", "")
PKI_ISSUING_CERT_FILE = env_str("HOVIAT_PKI_ISSUING_CERT_FILE", "")
PKI_ISSUING_KEY_FILE = env_str("HOVIAT_PKI_ISSUING_KEY_FILE", "")
PKI_ROOT_VALIDITY_YEARS = env_int("HOVIAT_PKI_ROOT_VALIDITY_YEARS", 20, minimum=1)
PKI_ISSUING_VALIDITY_YEARS = env_int("HOVIAT_PKI_ISSUING_VALIDITY_YEARS", 10, minimum=1)
PKI_CRL_VALIDITY_HOURS = env_int("HOVIAT_PKI_CRL_VALIDITY_HOURS", 24, minimum=1)
PKI_OCSP_VALIDITY_MINUTES = env_int("HOVIAT_PKI_OCSP_VALIDITY_MINUTES", 60, minimum=1)
CHIP_STORE_KEY = secret_from_env_or_file(
    "HOVIAT_CHIP_STORE_KEY", VAR_DIR / "chip_store_key", generate=GENERATE_DEV_SECRETS
)

# --- Inquiry (banks and agencies) ------------------------------------------------------------
# Development makes the answer-signing key on demand; production runs `hoviat inquiry rotate-key`.
INQUIRY_SIGNING_KEY_AUTO_CREATE = env_bool("HOVIAT_INQUIRY_SIGNING_KEY_AUTO_CREATE", default=DEBUG)
# Per API key, unless the partner has its own numbers.
INQUIRY_DEFAULT_RATE_PER_MINUTE = env_int("HOVIAT_INQUIRY_DEFAULT_RATE_PER_MINUTE", 600, minimum=1)
INQUIRY_DEFAULT_DAILY_QUOTA = env_int("HOVIAT_INQUIRY_DEFAULT_DAILY_QUOTA", 100_000, minimum=1)
# Identity match: at most this many questions about one national code per window, across all
# partners together, so nobody can walk birth dates to learn a person's.
INQUIRY_IDENTITY_PER_CODE_LIMIT = env_int("HOVIAT_INQUIRY_IDENTITY_PER_CODE_LIMIT", 10, minimum=1)
INQUIRY_IDENTITY_PER_CODE_WINDOW_SECONDS = env_int(
    "HOVIAT_INQUIRY_IDENTITY_PER_CODE_WINDOW_SECONDS", 3600, minimum=1
)
INQUIRY_CHALLENGE_SECONDS = env_int("HOVIAT_INQUIRY_CHALLENGE_SECONDS", 120, minimum=1)
# A rotated key keeps working this long beside its successor, unless told otherwise.
INQUIRY_KEY_ROTATION_OVERLAP_DAYS = env_int(
    "HOVIAT_INQUIRY_KEY_ROTATION_OVERLAP_DAYS", 7, minimum=0
)
INQUIRY_SIGNING_KEY_DAYS = env_int("HOVIAT_INQUIRY_SIGNING_KEY_DAYS", 365, minimum=1)
# How long a process keeps the current signing key before asking the database again.
INQUIRY_SIGNING_KEY_CACHE_SECONDS = env_int(
    "HOVIAT_INQUIRY_SIGNING_KEY_CACHE_SECONDS", 60, minimum=0
)
# The log is sealed into the audit chain in batches of rows at least this old: an insert still
# in flight (a lower id committed after a higher one) is never skipped.
INQUIRY_SEAL_MIN_AGE_SECONDS = env_int("HOVIAT_INQUIRY_SEAL_MIN_AGE_SECONDS", 60, minimum=0)
INQUIRY_SEAL_BATCH = env_int("HOVIAT_INQUIRY_SEAL_BATCH", 50_000, minimum=1)
INQUIRY_CERT_MAX_BYTES = env_int("HOVIAT_INQUIRY_CERT_MAX_BYTES", 8192, minimum=1)
# How long a web process trusts what it read about an API key (its partner, scopes, limits,
# revocation) before reading it again. A revocation, suspension or scope change made in this
# process applies at once; in the other processes within this delay.
INQUIRY_KEY_CACHE_SECONDS = env_int("HOVIAT_INQUIRY_KEY_CACHE_SECONDS", 5, minimum=0)
# Prepared statements for the inquiry hot path on PostgreSQL (see hoviat/inquiry/db.py).
INQUIRY_DB_PREPARE = env_bool("HOVIAT_INQUIRY_DB_PREPARE", default=not DB_PGBOUNCER)
# Each answer's inquiry-log row committed durably (its WAL flushed to disk) before the answer
# is sent (rows of concurrent answers share one commit). Off (PostgreSQL only): the answer does
# not wait; the web process's log writer thread writes the rows every 20 ms without waiting
# for the flush, so a crash of the web process can lose the last 20 ms of rows and a crash of
# PostgreSQL or the machine the last moment's (docs/inquiry.md).
INQUIRY_LOG_DURABLE = env_bool("HOVIAT_INQUIRY_LOG_DURABLE", default=True)

# --- Enrolment -------------------------------------------------------------------------------
# A citizen with no appointment here today is seen if a slot later today still has room.
ENROLMENT_WALK_IN_ALLOWED = env_bool("HOVIAT_ENROLMENT_WALK_IN_ALLOWED", default=True)
# The simulator capture device: development and tests only.
ENROLMENT_SIMULATOR_ENABLED = env_bool("HOVIAT_ENROLMENT_SIMULATOR", default=DEBUG)
# Encrypted with HOVIAT_BIOMETRIC_KEY (Fernet keys, comma-separated; the first encrypts);
# none given: a development key derived from a secret generated into var/biometric_key.
BIOMETRIC_KEYS = env_list("HOVIAT_BIOMETRIC_KEY")
if not BIOMETRIC_KEYS and not GENERATE_DEV_SECRETS:
    # Checked at start-up, not at the first enrolment of the day.
    raise ImproperlyConfigured(
        "Environment variable HOVIAT_BIOMETRIC_KEY is required outside development "
        "(HOVIAT_DEBUG=false); set it, or set HOVIAT_DEBUG=true on a developer's machine"
    )
BIOMETRIC_DIR = Path(env_str("HOVIAT_BIOMETRIC_DIR", str(VAR_DIR / "biometrics")))
# `hoviat backup` copies these folders beside the database dump (core/backup.py); the keys'
# folder is added here by name once it exists.
BACKUP_FILE_DIRS = {"biometrics": BIOMETRIC_DIR}
BACKUP_DIR = Path(env_str("HOVIAT_BACKUP_DIR", str(VAR_DIR / "backups")))
BIOMETRIC_MAX_UPLOAD_BYTES = env_int(
    "HOVIAT_BIOMETRIC_MAX_UPLOAD_BYTES", 5 * 1024 * 1024, minimum=1024
)
BIOMETRIC_FACE_MIN_WIDTH = env_int("HOVIAT_BIOMETRIC_FACE_MIN_WIDTH", 480, minimum=1)
BIOMETRIC_FACE_MIN_HEIGHT = env_int("HOVIAT_BIOMETRIC_FACE_MIN_HEIGHT", 640, minimum=1)
BIOMETRIC_FINGER_MIN_PIXELS = env_int("HOVIAT_BIOMETRIC_FINGER_MIN_PIXELS", 300, minimum=1)
RECEIPT_VALID_DAYS = env_int("HOVIAT_RECEIPT_VALID_DAYS", 180, minimum=1)

# --- Request sizes ---------------------------------------------------------------------------
# Refused from the declared Content-Length before the body is read (core/request_limits.py).
REQUEST_MAX_BYTES = env_int("HOVIAT_REQUEST_MAX_BYTES", 1024 * 1024, minimum=64 * 1024)
# Paths that take images: the enrolment (one-request enrolments carry a face and ten
# fingerprints as base64 JSON), the hand-over fingerprint and the public receipt check.
REQUEST_UPLOAD_MAX_BYTES = env_int(
    "HOVIAT_REQUEST_UPLOAD_MAX_BYTES", 15 * 1024 * 1024, minimum=2_621_440
)
REQUEST_UPLOAD_PATHS = [
    r"/api/v1/enrolments(/|$)",
    # A citizenship case's scanned documents and its face and ten fingers (as enrolment's).
    r"/api/v1/citizenship/cases/[^/]+/(documents|biometrics)$",
    r"/api/v1/.*/handover(/|$)",
    r"/office/enrolments/",
    r"/office/delivery/handover/",
    r"/pki/verify/",
]
# Django's own limits, a second guard behind the middleware: non-file form and JSON data,
# and files held in memory before being spooled to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_UPLOAD_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Pixels (width × height, read from the file's header) an uploaded image may have before its
# pixels are decoded: a 300 KB PNG can declare 20000×20000 and decode to gigabytes. A phone
# photo is about 12 million; larger JPEGs are decoded at a reduced scale.
IMAGE_MAX_PIXELS = env_int("HOVIAT_IMAGE_MAX_PIXELS", 12_000_000, minimum=1_000_000)

# --- Production ------------------------------------------------------------------------------
# 2.4 million cards a month over about 30 days (FACTS.md).
PRODUCTION_DAILY_CAPACITY = env_int("HOVIAT_PRODUCTION_DAILY_CAPACITY", 80_000, minimum=1)
PRODUCTION_BATCH_SIZE = env_int("HOVIAT_PRODUCTION_BATCH_SIZE", 200, minimum=1)
PRODUCTION_QC_FAIL_RATE = env_float(
    "HOVIAT_PRODUCTION_QC_FAIL_RATE", 0.002, minimum=0.0, maximum=1.0
)
PRODUCTION_CARD_VALIDITY_YEARS = env_int("HOVIAT_CARD_VALIDITY_YEARS", 7, minimum=1)
PRODUCTION_SHIPPING_WORKING_DAYS = env_int("HOVIAT_PRODUCTION_SHIPPING_WORKING_DAYS", 5, minimum=0)
PRODUCTION_RUN_STALE_SECONDS = env_int("HOVIAT_PRODUCTION_RUN_STALE_SECONDS", 600, minimum=10)
PRODUCTION_CSN_PREFIX = env_str("HOVIAT_PRODUCTION_CSN_PREFIX", "IR")
PRODUCTION_KIND_PRIORITY = {"replacement": 1, "first": 2}
# A pre-registration nobody pays for is closed after this many days (the seat was never held).
PRE_REGISTRATION_UNPAID_EXPIRY_DAYS = env_int(
    "HOVIAT_PRE_REGISTRATION_UNPAID_EXPIRY_DAYS", 30, minimum=1
)

# --- Delivery (policies, FACTS.md) ------------------------------------------------------------
# A card waits this long at its office before it is voided; reminders this many days after it
# arrived.
DELIVERY_HOLD_DAYS = env_int("HOVIAT_DELIVERY_HOLD_DAYS", 90, minimum=0)
DELIVERY_REMINDER_DAYS = tuple(
    env_int_list("HOVIAT_DELIVERY_REMINDER_DAYS", (7, 30, 60), minimum=0)
)
# Hand-over: the matcher's score (0-100) that counts as a match; refused attempts per card per
# day before a lock; the matcher (a dotted path; the simulator pairs with enrolment's).
DELIVERY_FINGERPRINT_THRESHOLD = env_int(
    "HOVIAT_DELIVERY_FINGERPRINT_THRESHOLD", 60, minimum=0, maximum=100
)
DELIVERY_HANDOVER_MAX_FAILURES = env_int("HOVIAT_DELIVERY_HANDOVER_MAX_FAILURES", 3, minimum=1)
DELIVERY_FINGERPRINT_MATCHER = env_str(
    "HOVIAT_DELIVERY_FINGERPRINT_MATCHER", "hoviat.delivery.devices.SimulatorMatcher"
)
# The PIN pad the holder chooses their PINs on (a dotted path; the simulator is the desk's
# citizen-facing pad page); an identity check waits this many minutes for the pad.
DELIVERY_PIN_PAD = env_str("HOVIAT_DELIVERY_PIN_PAD", "hoviat.delivery.pinpad.SimulatorPinPad")
DELIVERY_PIN_PAD_MINUTES = env_int("HOVIAT_DELIVERY_PIN_PAD_MINUTES", 10, minimum=1)
# A lost card found within this many days may be restored (the replacement fee by count of
# losses is FEE_LOST_RIALS).
DELIVERY_FOUND_WINDOW_DAYS = env_int("HOVIAT_DELIVERY_FOUND_WINDOW_DAYS", 30, minimum=0)
# Re-issue without a new enrolment while the biometrics are kept.
DELIVERY_BIOMETRIC_RETENTION_DAYS = env_int(
    "HOVIAT_DELIVERY_BIOMETRIC_RETENTION_DAYS", 730, minimum=0
)
# Voided card bodies are destroyed this many days after voiding.
DELIVERY_DESTROY_AFTER_DAYS = env_int("HOVIAT_DELIVERY_DESTROY_AFTER_DAYS", 0, minimum=0)

# --- Reports -----------------------------------------------------------------------------------
# The promise of the national head (FACTS.md): under one month from request to card.
REPORTS_GOAL_DAYS = env_int("HOVIAT_REPORTS_GOAL_DAYS", 30, minimum=1)
# Rates (lead times, share within the goal, no-show, SMS failure) cover this many whole calendar
# months before the as-of date's month; counts are cumulative from the start.
REPORTS_WINDOW_MONTHS = env_int("HOVIAT_REPORTS_WINDOW_MONTHS", 3, minimum=1)
# The earliest as-of date a report answers (the scheme began in 1394). Birth dates before the
# cut-off of that day are stored as one, which keeps the eligible rows few.
REPORTS_EARLIEST_DATE = env_date("HOVIAT_REPORTS_EARLIEST_DATE", dt.date(2015, 3, 21))
# An incremental refresh recomputes the days from the last refresh's day minus this margin, so
# late delivery reports and late-recorded events are caught.
REPORTS_REFRESH_MARGIN_DAYS = env_int("HOVIAT_REPORTS_REFRESH_MARGIN_DAYS", 2, minimum=0)
# The eligible population is recounted when citizens were added, else this often.
REPORTS_ELIGIBLE_MAX_AGE_HOURS = env_int("HOVIAT_REPORTS_ELIGIBLE_MAX_AGE_HOURS", 24, minimum=1)
# Lead times longer than this are counted in this last bucket.
REPORTS_LEAD_CAP_DAYS = env_int("HOVIAT_REPORTS_LEAD_CAP_DAYS", 365, minimum=1)

# --- Planning (the card promise) -------------------------------------------------------------
# A promise that slips by more than this many days from what the citizen was last told is told
# once by SMS; the same number is the "within ± days" of the accuracy figures.
PLANNING_SLIP_DAYS = env_int("HOVIAT_PLANNING_SLIP_DAYS", 2, minimum=0)
# Transit to a province is measured over this many cards that last arrived at its offices.
PLANNING_TRANSIT_SAMPLE = env_int("HOVIAT_PLANNING_TRANSIT_SAMPLE", 200, minimum=1)
