"""One settings module, driven by the environment.

Every setting has a default that works on a bare machine: SQLite in WAL mode,
Celery tasks run eagerly, email printed to the console, Stripe switched off.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=0, ALLOWED_HOSTS,
an email provider and the Stripe keys (see README.md and .env.example).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-only-secret-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", "artsvp")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "anymail",
    "ninja",
    "organizations",
    "events",
    "portals",
    "credits",
    "billing",
    "door",
    "invites",
    "deliveries",
    # Above every domain app: it seeds them all.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Control characters in the URL, NUL in form fields, bodies over the limit:
    # 400/413 before any lookup (PostgreSQL refuses NUL; each 500 emails ADMINS).
    "artsvp.middleware.RejectMalformedRequestsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language, or the switcher's cookie); a
    # signed-in user's choice, a portal owner's or an invite's language wins
    # where artsvp/i18n.py says so.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user's chosen language (their account page) over the browser's.
    "organizations.preferences.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "organizations.context_processors.current_organization",
                "organizations.context_processors.language_switch",
                "credits.context_processors.credit_balances",
                "portals.context_processors.shortage_banner",
                "billing.context_processors.payments",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# The embedded default is SQLite in WAL mode with IMMEDIATE transactions, so a
# writer takes the database lock when its transaction begins instead of
# failing half-way with "database is locked" when it upgrades a read lock.
SQLITE_PATH = BASE_DIR / env("SQLITE_PATH", "db.sqlite3")
# The URLs with their passwords stay local (lower case: not settings), so no
# settings listing shows them whole (artsvp/error_reporting.py hides the rest).
_database_url = env("DATABASE_URL")
if _database_url:
    # Connections are kept for a minute (web requests) or 100 tasks (workers:
    # CELERY_DB_REUSE_MAX), and checked before the first query of each request
    # or task: after a database restart or failover the first one reconnects
    # instead of failing on a dead session (a `SELECT 1` on a kept connection).
    DATABASES = {
        "default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # A database host that stops answering fails a request (and /healthz/)
        # in seconds instead of holding a worker until the OS gives up.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", int(env("DATABASE_CONNECT_TIMEOUT", "5"))
        )
        # No JIT compilation: PostgreSQL compiles any query it estimates above
        # jit_above_cost, and a page's counts over a big event (a correlated
        # subquery makes the estimate huge) spent 10 of its 30 ms compiling
        # (bench/pages.py). A web app's queries are short; JIT only pays on
        # long analytic ones, which this app does not run. DATABASE_PG_OPTIONS
        # replaces it (libpq's `options`, e.g. "-c jit=on").
        DATABASES["default"]["OPTIONS"].setdefault(
            "options", env("DATABASE_PG_OPTIONS", "-c jit=off")
        )
else:
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
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery -----------------------------------------------------------
_redis_url = env("REDIS_URL")
if _redis_url:
    CACHES = {
        "default": {
            # Redis, answering from this process's memory while Redis is down
            # (artsvp/cache.py): rate limits degrade instead of every page
            # failing. Short timeouts, so finding it down costs milliseconds.
            "BACKEND": "artsvp.cache.FallbackRedisCache",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
            "LOCATION": _redis_url,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "artsvp"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = _redis_url or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker there is no worker: run tasks in-process, right away.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not _redis_url)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task
# unless this is set: a new PostgreSQL connection (TCP, auth, often TLS: a few
# to tens of ms) for every email sent. With it, a worker process reconnects
# every 100 tasks: the connection cost shrinks to a hundredth, and a session
# is still recycled often enough to shed any state. The outbox's tasks also
# drop a connection that broke or outlived CONN_MAX_AGE before they start
# (deliveries/tasks.py), as Django does before each request.
CELERY_DB_REUSE_MAX = 100
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request publishing a task to a dead broker must not hang: connecting gives
# up after half a second, a command after 5 s (above the worker's 1 s BRPOP
# wait; kombu's default is to wait forever), and a publish is retried once at
# once (a pooled connection from before a Redis restart), then the caller
# leaves the row to the sweeper (deliveries.publishing.enqueue_deliveries).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 5.0,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0}
CELERY_TIMEZONE = "UTC"
# Task modules that autodiscovery (which only imports `<app>.tasks`) would miss.
CELERY_IMPORTS = ["portals.notifications"]
CELERY_BEAT_SCHEDULE: dict = {}
# The outbox's sweeper: emails a broker outage or a dead worker left behind.
CELERY_BEAT_SCHEDULE["requeue-stuck-deliveries"] = {
    "task": "deliveries.tasks.requeue_stuck_deliveries",
    "schedule": 60.0,
}
# The door's: confirmed guests whose entry moved without their being told.
CELERY_BEAT_SCHEDULE["sweep-unannounced-moves"] = {
    "task": "door.tasks.sweep_unannounced_moves",
    "schedule": 300.0,
}
# Reminders to portals still unclaimed N days after their link went out.
CELERY_BEAT_SCHEDULE["send-link-reminders"] = {
    "task": "portals.tasks.send_link_reminders",
    "schedule": 3600.0,
}

# --- Auth (django-allauth) ---------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 (Django's recommendation) hashes new passwords; PBKDF2 hashes made
# before it still check and are rehashed with Argon2 at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "organizations:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
# "Signed in as Alice Moser" or "as alice@example.com", never the derived username.
ACCOUNT_USER_DISPLAY = "organizations.people.display_name"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_ADAPTER = "organizations.account_adapter.AccountAdapter"

# --- Email -------------------------------------------------------------------
# Console by default; any anymail ESP when ANYMAIL_ESP names one (e.g.
# "postmark", "mailgun", "sendgrid", "amazon_ses") and its ANYMAIL_* keys are set.
ANYMAIL_ESP = env("ANYMAIL_ESP")
if env("EMAIL_BACKEND"):
    EMAIL_BACKEND = env("EMAIL_BACKEND")
elif ANYMAIL_ESP:
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_") and key != "ANYMAIL_ESP"
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "artsvp <noreply@artsvp.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Staff alerted by mail_admins (a refund whose credits were already used, a
# payment that does not match its bundle): ADMINS="ops@example.com,finance@example.com".
ADMINS = [(address, address) for address in env_list("ADMINS")]
# They also receive a report of every 500, which prints the settings, headers,
# form fields and the traceback's variables: these hide every credential in them.
DEFAULT_EXCEPTION_REPORTER_FILTER = "artsvp.error_reporting.CredentialFilter"
DEFAULT_EXCEPTION_REPORTER = "artsvp.error_reporting.CredentialExceptionReporter"
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (worker tests).
if env("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
# Seconds before SMTP gives up, so a hung server cannot hold a worker.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))
EMAIL_IS_REAL = EMAIL_BACKEND not in {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
# Verification is mandatory once mail really leaves the machine.
ACCOUNT_EMAIL_VERIFICATION = env(
    "ACCOUNT_EMAIL_VERIFICATION", "mandatory" if EMAIL_IS_REAL else "optional"
)

# --- Stripe --------------------------------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
# Shown under the bundle prices, e.g. "Prices exclude VAT." (empty: no note).
PRICES_VAT_NOTE = env("PRICES_VAT_NOTE", "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE")

# --- REST API -------------------------------------------------------------------
# Requests allowed per API key per window: "<requests>/<seconds>".
API_RATE_LIMIT = env("API_RATE_LIMIT", "1000/900")
# The largest API request body, in bytes; larger ones answer 413 payload_too_large.
# 96 MiB fits the largest batch: 10,000 guests with every field at its maximum
# (200-character name, 254-character email, 20 tags of 50 characters, 4,000 bytes
# of metadata) is 91.7 MB of compact UTF-8 JSON (tests/api/test_body_limit.py).
# Form posts keep Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, files excluded).
API_MAX_BODY_BYTES = int(env("API_MAX_BODY_BYTES", str(96 * 1024 * 1024)))

# --- I18N, static --------------------------------------------------------------
# The languages of every page, email and export (locale/<code>/LC_MESSAGES/
# django.po, compiled by `make setup`). Who reads which one: artsvp/i18n.py.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "artsvp_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Uploaded brand images (organizations/brand_images.py), through the default
# storage: files under MEDIA_ROOT here; production points STORAGES["default"]
# at an S3-compatible bucket with django-storages (README, "Uploaded files").
MEDIA_URL = env("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Django serves MEDIA_ROOT itself in development (config/urls.py); in
# production the bucket (or the web server in front) does.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)

# --- Content-Security-Policy (django-csp) ----------------------------------------
# Every response: scripts and styles only from our own static files (no inline
# script, handler or style attribute; htmx's injected indicator style is off, see
# base.html), nothing framed or framing us. Views that need more say so with
# csp decorators: the email preview frame (invites.send_views.PREVIEW_FRAME_CSP)
# and the billing page, whose buy forms are redirected to Stripe Checkout.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}
# Chrome applies form-action to the redirect that follows a form's POST.
STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"

# --- Security --------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe over plain http; a redirect would read as "unhealthy".
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS")
# How many proxies of ours stand in front of the app (e.g. 1 behind one load
# balancer). 0: X-Forwarded-For is ignored, as any client can write it.
TRUSTED_PROXY_HOPS = int(env("TRUSTED_PROXY_HOPS", "0"))
# django-allauth's per-address login limits read the same hops: with its own
# default (0) behind a proxy, every client shares the proxy's address and one
# attacker's failed logins lock everyone out.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_HOPS

# Every handler redacts secret links (artsvp/logging.py). The "django" logger is
# configured here, not left with Django's defaults: those handlers (a console
# one in DEBUG, mail_admins) would write the links unredacted.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_tokens": {"()": "artsvp.logging.RedactTokensFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
        "mail_admins": {
            "level": "ERROR",
            "class": "artsvp.logging.RedactingAdminEmailHandler",
            "filters": ["require_debug_false", "redact_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
