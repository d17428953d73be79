"""Rukhsa's one settings module, driven by the environment.

Every setting a deployment changes is read from an environment variable; the defaults give the
embedded development set-up (SQLite, local memory cache, database task queue, outbox).
See docs/deploy.md for the production values.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("RUKHSA_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("RUKHSA_TESTING", False)

_DEV_SECRET = "dev-only-not-secret-" + "x" * 40  # refused below outside DEBUG and tests
# Commands that only read or write source files never sign anything: they may run without a key.
_KEYLESS_COMMANDS = {"makemigrations", "makemessages", "compilemessages", "showmigrations"}
_KEYLESS = (
    len(sys.argv) > 1 and sys.argv[0].endswith("manage.py") and sys.argv[1] in _KEYLESS_COMMANDS
)
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET if (DEBUG or TESTING or _KEYLESS) else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off (see docs/deploy.md).")


def secret_key_weakness(key: str) -> str | None:
    """Why `key` is not fit to sign sessions, codes and webhooks in production, or None."""
    if key == _DEV_SECRET or key.startswith("django-insecure"):
        return "it is a development key"
    if len(key) < 50:
        return f"it has {len(key)} characters; at least 50 are needed"
    if len(set(key)) < 12:
        return "it repeats too few different characters to be random"
    return None


if not (DEBUG or TESTING or _KEYLESS) and (weakness := secret_key_weakness(SECRET_KEY)):
    raise RuntimeError(
        f"SECRET_KEY is too weak for DEBUG off: {weakness}. Generate one with "
        '`python -c "import secrets; print(secrets.token_urlsafe(50))"` (see docs/deploy.md).'
    )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG or TESTING else ""
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "rukhsa.core",
    "rukhsa.accounts",
    "rukhsa.notifications",
    "rukhsa.catalog",
    "rukhsa.payments",
    "rukhsa.admission",
    "rukhsa.booking",
    "rukhsa.results",
    "rukhsa.guide",
    "rukhsa.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
]

MIDDLEWARE = [
    # Answers waiting-room polls before anything else runs (docs/opening-day.md, "Fast path").
    "rukhsa.admission.fastpath.WaitingRoomMiddleware",
    "rukhsa.core.observability.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, reusing the session the fast path may have loaded already (one read, not two).
    "rukhsa.admission.fastpath.ReusedSessionMiddleware",
    "rukhsa.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "rukhsa.core.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rukhsa.accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rukhsa.core.csp.PolicyOnceCSPMiddleware",  # django-csp's, the header built once
    "axes.middleware.AxesMiddleware",
]

# Django's form renderer, with the one-tag inputs written in Python (rukhsa.core.forms).
FORM_RENDERER = "rukhsa.core.forms.FormRenderer"

ROOT_URLCONF = "rukhsa.urls"
WSGI_APPLICATION = "rukhsa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rukhsa.core.context_processors.site",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# SQLite by default, in WAL mode with a busy timeout and IMMEDIATE transactions so that write
# transactions serialise (a seat can never be sold twice even on the embedded set-up).
SQLITE_PATH = VAR_DIR / "rukhsa.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's, its health check polling the socket instead of sending SELECT 1.
        DATABASES["default"]["ENGINE"] = "rukhsa.core.postgresql"
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["TEST"] = {"NAME": os.environ.get("RUKHSA_TEST_DB", "test_rukhsa")}
        # PgBouncer in transaction pooling mode (deploy/pgbouncer.ini): each transaction may run
        # on a different server connection, so nothing may outlive a transaction on the server
        # side: no server-side cursors (they live across transactions) and no prepared
        # statements (psycopg prepares a query run often; another client's connection would
        # not know it). Row locks, SET LOCAL and transaction-level advisory locks are fine.
        if env_bool("DB_POOLER_TRANSACTION_MODE", False):
            DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
            DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            # A file, not memory, for the test database: concurrency tests use several
            # connections, which must wait on SQLite's real write lock like production does.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Redis errors are cache misses (rukhsa.core.cache): sessions fall back to the database,
    # the rate limit counts afresh; short timeouts keep a dead Redis from stalling requests.
    CACHES = {
        "default": {
            "BACKEND": "rukhsa.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.25")),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
            },
        }
    }
    # Every session is in the database; Redis only saves the query (a restart logs nobody out).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# The opening-day waiting room (docs/opening-day.md): its queue lives in Redis when there is one,
# otherwise in the database.
ADMISSION_REDIS_URL = os.environ.get("ADMISSION_REDIS_URL", REDIS_URL)
ADMISSION_REDIS_PREFIX = os.environ.get("ADMISSION_REDIS_PREFIX", "rukhsa:admission")

SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
# Pages served without loading the session (the waiting room's poll carries a signed token).
SESSION_TIMEOUT_EXEMPT_PATHS = ("/waiting-room/",)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rukhsa.accounts.backends.IdentityBackend",
]
PASSWORD_HASHERS = [
    # Argon2id at OWASP's parameters (19 MiB, t=2, p=1); it also verifies hashes made with
    # Django's heavier defaults and rehashes them at these parameters on the next login.
    "rukhsa.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {
            "user_attributes": (
                "identity_number",
                "email",
                "name_ar_first",
                "name_ar_family",
                "name_en_first",
                "name_en_family",
            )
        },
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "rukhsa.accounts.validators.PersonalDataPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "core:home"

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "rukhsa.accounts.backends.axes_username"
AXES_LOCKOUT_CALLABLE = "rukhsa.accounts.views.login_locked_out"
AXES_VERBOSE = False
# One client IP function for axes, rate limits, the audit log and the waiting room
# (rukhsa.core.net): the number of trusted reverse proxies in front of the app.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "rukhsa.core.net.axes_client_ip"
AXES_SENSITIVE_PARAMETERS = ["password"]

# Verification codes (PRODUCT §2)
CODE_TTL = timedelta(minutes=10)
CODE_MAX_TRIES = 5
CODE_RESEND_AFTER = timedelta(seconds=60)
# Codes an hour to one account and to one recipient (mobile or email): the strict limits.
CODE_MAX_SENDS_PER_HOUR = int(os.environ.get("CODE_MAX_SENDS_PER_HOUR", "5"))
# Codes an hour from one IP (many people share one: schools, mobile carriers' NAT). Above the
# first number each person passes a challenge page first; at the second, everyone waits.
CODE_IP_CHALLENGE_AFTER = int(os.environ.get("CODE_IP_CHALLENGE_AFTER", "30"))
CODE_IP_MAX_SENDS_PER_HOUR = int(os.environ.get("CODE_IP_MAX_SENDS_PER_HOUR", "100"))
# The challenge: the person confirms on a page, no sooner than this many seconds after it was
# shown; a passed challenge holds for the session for CODE_CHALLENGE_VALID.
CODE_CHALLENGE_MIN_SECONDS = int(os.environ.get("CODE_CHALLENGE_MIN_SECONDS", "3"))
CODE_CHALLENGE_VALID = timedelta(minutes=30)
# Recovery: wrong codes a browser may type in one recovery attempt before it must start again,
# and wrong tries (from anywhere) after which a recovery code works only through its link.
RECOVERY_TRIES_PER_ATTEMPT = 5
RECOVERY_CODE_MAX_TRIES = 20
# Sign-up answers in at least this long whether or not the email or mobile is already taken.
SIGNUP_MIN_RESPONSE_SECONDS = float(os.environ.get("SIGNUP_MIN_RESPONSE_SECONDS", "0.8"))
# Password recovery answers in at least this long whether or not the identity exists.
RECOVERY_MIN_RESPONSE_SECONDS = float(os.environ.get("RECOVERY_MIN_RESPONSE_SECONDS", "0.6"))

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Riyadh"
USE_TZ = True
FORMAT_MODULE_PATH = ["rukhsa.formats"]

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (results imports): one folder the web processes and the task workers share.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Background tasks -------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "rukhsa.core.taskbackend.DatabaseBackend",  # django-tasks-db's, enqueue cheaper
        )
    }
}

# --- Notifications ----------------------------------------------------------------------------
SMS_BACKEND = os.environ.get("SMS_BACKEND", "rukhsa.notifications.backends.ConsoleSMSBackend")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rukhsa <no-reply@rukhsa.example>")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
NOTIFICATION_MAX_ATTEMPTS = 5

# --- Waiting list -----------------------------------------------------------------------------
# How long a seat offered from the waiting list stays held for the candidate to pay.
WAITLIST_OFFER_MINUTES = int(os.environ.get("WAITLIST_OFFER_MINUTES", "60"))

# --- Security ---------------------------------------------------------------------------------
SECURE_SSL = env_bool("SECURE_SSL", not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
LANGUAGE_COOKIE_SECURE = SECURE_SSL
SECURE_SSL_REDIRECT = SECURE_SSL
SECURE_HSTS_SECONDS = 31536000 if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Logging ----------------------------------------------------------------------------------
# JSON lines in production (one object per line with the request id from nginx, also on the
# lines of a task that request enqueued); plain text in development and tests.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG or TESTING else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "rukhsa.core.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "rukhsa.core.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},  # a line per page of every PDF otherwise
        # One line per request (rukhsa.core.observability); LOG_ACCESS=0 leaves it to nginx.
        "rukhsa.access": {
            "level": "INFO" if env_bool("LOG_ACCESS", not (DEBUG or TESTING)) else "WARNING"
        },
    },
}

# --- Metrics ----------------------------------------------------------------------------------
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, the endpoint is a 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# The waiting room's length for /metrics: the dotted path of a function returning a number
# (the admission app provides it); empty leaves the metric out.
METRICS_WAITING_ROOM_LENGTH = os.environ.get(
    "METRICS_WAITING_ROOM_LENGTH", "rukhsa.admission.services.waiting_room_length"
)

# --- Product ----------------------------------------------------------------------------------
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "support@rukhsa.example")
SUPPORT_PHONE = os.environ.get("SUPPORT_PHONE", "920000000")
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/")

# Periodic jobs enqueued by `manage.py clock`: (task path, every N seconds).
PERIODIC_TASKS = [
    ("rukhsa.notifications.tasks.messages_retry_due", 300),
    ("rukhsa.payments.tasks.reconcile_payments", 300),
    ("rukhsa.booking.tasks.holds_expire_due", 60),
    ("rukhsa.results.tasks.results_publish_due", 60),
    ("rukhsa.results.tasks.results_imports_stalled_close_due", 300),
    ("rukhsa.booking.tasks.reminders_due", 3600),
    ("rukhsa.core.tasks.tasks_lost_close_due", 300),
]
# A task still running after this long lost its worker (tasks take seconds; a national results
# import up to ~10 minutes): `core.tasks.tasks_lost_close_due` closes it as failed.
TASKS_LOST_AFTER = timedelta(minutes=int(os.environ.get("TASKS_LOST_AFTER_MINUTES", "60")))

# --- Back office ---
# The admin site that asks for a TOTP code (rukhsa.core.admin_site) replaces Django's default.
INSTALLED_APPS = [
    "rukhsa.core.admin_site.RukhsaAdminConfig" if app == "django.contrib.admin" else app
    for app in INSTALLED_APPS
]
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Rukhsa")

# --- Payments ---
import hmac  # noqa: E402

# Gateway: "sandbox" (built in, a test gateway inside the app) or "moyasar" (docs/payments.md).
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "sandbox")
PAYMENTS_HTTP_TIMEOUT = float(os.environ.get("PAYMENTS_HTTP_TIMEOUT", "10"))
# Payments still `initiated` after this long are asked about by `reconcile_payments`...
PAYMENTS_RECONCILE_AFTER = timedelta(minutes=15)
# ...and, with no result at the gateway after this long, cancelled there and marked failed.
PAYMENTS_ABANDON_AFTER = timedelta(minutes=30)
PAYMENTS_SANDBOX_ABANDON_AFTER = PAYMENTS_ABANDON_AFTER
# The sandbox's webhook secret: from the environment, else derived from SECRET_KEY.
PAYMENTS_SANDBOX_WEBHOOK_SECRET = (
    os.environ.get("SANDBOX_WEBHOOK_SECRET")
    or hmac.new(SECRET_KEY.encode(), b"sandbox-webhook", "sha256").hexdigest()
)
# Webhook intake: bodies larger than this are refused unread; an IP whose deliveries were refused
# (wrong secret, not JSON, too large) this many times in the window is answered 429, unstored.
WEBHOOK_MAX_BODY_BYTES = int(os.environ.get("WEBHOOK_MAX_BODY_BYTES", str(64 * 1024)))
WEBHOOK_REFUSALS_PER_IP = int(os.environ.get("WEBHOOK_REFUSALS_PER_IP", "20"))
WEBHOOK_REFUSALS_WINDOW = int(os.environ.get("WEBHOOK_REFUSALS_WINDOW", "600"))
MOYASAR_API_BASE = os.environ.get("MOYASAR_API_BASE", "https://api.moyasar.com/v1")
MOYASAR_SECRET_KEY = os.environ.get("MOYASAR_SECRET_KEY", "")
MOYASAR_WEBHOOK_SECRET = os.environ.get("MOYASAR_WEBHOOK_SECRET", "")
# The seller on simplified tax invoices and credit notes.
SELLER_NAME_AR = os.environ.get("SELLER_NAME_AR", "هيئة تقويم التعليم والتدريب")
SELLER_NAME_EN = os.environ.get("SELLER_NAME_EN", "Education & Training Evaluation Commission")
# DEMO VAT number (15 digits, starts and ends with 3): NOT the Commission's real number.
# A deployment must set SELLER_VAT_NUMBER.
SELLER_VAT_NUMBER = os.environ.get("SELLER_VAT_NUMBER", "300000000000003")
SELLER_ADDRESS_AR = os.environ.get("SELLER_ADDRESS_AR", "الرياض، المملكة العربية السعودية")
SELLER_ADDRESS_EN = os.environ.get("SELLER_ADDRESS_EN", "Riyadh, Saudi Arabia")
INVOICE_NUMBER_PREFIX = os.environ.get("INVOICE_NUMBER_PREFIX", "INV")
CREDIT_NOTE_NUMBER_PREFIX = os.environ.get("CREDIT_NOTE_NUMBER_PREFIX", "CRN")
