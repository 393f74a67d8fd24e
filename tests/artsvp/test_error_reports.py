"""The error email to ADMINS for a 500 carries no credential: not the
settings' (database, Redis, broker, email provider, Stripe, SECRET_KEY), not
the request's, not the traceback's."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.utils.log import AdminEmailHandler

ROOT = Path(__file__).resolve().parents[2]


def password(label: str) -> str:
    return f"{label}-pw-{secrets.token_hex(8)}"


DB_PASSWORD = password("db")
REPLICA_PASSWORD = password("replica")
REDIS_PASSWORD = password("redis")
BROKER_PASSWORD = password("broker")
ANYMAIL_TOKEN = password("postmark")
WEBHOOK_PASSWORD = password("hook")
STRIPE_KEY = "sk_live_" + secrets.token_hex(16)
STRIPE_WEBHOOK = "whsec_" + secrets.token_hex(16)
API_KEY = f"ak_live_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)[:43]}"
ENV_DB_PASSWORD = password("env-db")
FORM_PASSWORD = password("form")
LOCAL_PASSWORD = password("local")

BROKER_URL = f"redis://:{BROKER_PASSWORD}@redis.internal:6379/0"


def failing_view(request: HttpRequest) -> HttpResponse:
    # Locals a real failure could hold: a connection's parameters, a URL.
    conn_params = {"host": "db.internal", "user": "artsvp", "password": LOCAL_PASSWORD}
    broker = django_settings.CELERY_BROKER_URL
    assert conn_params and broker
    raise ConnectionError(f"could not reach {broker}")


urlpatterns = [path("boom/", failing_view)]


@pytest.fixture
def credentials_everywhere(settings: Any) -> None:
    settings.ADMINS = [("Ops", "ops@example.com")]
    settings.DEBUG = False
    # An extra alias that no test connects to: the report lists it all the same.
    settings.DATABASES = {
        **settings.DATABASES,
        "primary": dj_database_url.parse(
            f"postgres://artsvp:{DB_PASSWORD}@db.internal:5432/artsvp", conn_max_age=60
        ),
        "replica": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": REPLICA_PASSWORD},
    }
    settings.CACHES = {
        **settings.CACHES,
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://:{REDIS_PASSWORD}@redis.internal:6379/0",
        },
    }
    settings.CELERY_BROKER_URL = BROKER_URL
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": ANYMAIL_TOKEN,
        "WEBHOOK_SECRET": f"hook:{WEBHOOK_PASSWORD}",
    }
    settings.STRIPE_SECRET_KEY = STRIPE_KEY
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK


@pytest.fixture
def html_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """The HTML part too (the handler sends text only unless include_html)."""
    handlers = [h for h in logging.getLogger("django").handlers if isinstance(h, AdminEmailHandler)]
    assert handlers, "django's errors reach no AdminEmailHandler"
    for handler in handlers:
        monkeypatch.setattr(handler, "include_html", True)


SECRETS = [
    DB_PASSWORD,
    REPLICA_PASSWORD,
    REDIS_PASSWORD,
    BROKER_PASSWORD,
    ANYMAIL_TOKEN,
    WEBHOOK_PASSWORD,
    STRIPE_KEY,
    STRIPE_WEBHOOK,
    API_KEY,
    ENV_DB_PASSWORD,
    FORM_PASSWORD,
    LOCAL_PASSWORD,
]


def force_500(client: Client) -> Any:
    return client.post(
        "/boom/?next=/dashboard/",
        {"name": "Ada", "password": FORM_PASSWORD, "callback": f"https://u:{FORM_PASSWORD}@x.io/"},
        HTTP_AUTHORIZATION=f"Bearer {API_KEY}",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        # runserver copies the environment into every request's META.
        DATABASE_URL=f"postgres://artsvp:{ENV_DB_PASSWORD}@db.internal:5432/artsvp",
    )


@pytest.mark.urls("tests.artsvp.test_error_reports")
@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_admin_email_for_a_500_contains_no_credential(
    credentials_everywhere: None, html_reports: None
) -> None:
    response = force_500(Client(raise_request_exception=False))

    assert response.status_code == 500
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["ops@example.com"]
    parts: dict[str, Any] = {"subject": email.subject, "text": email.body}
    parts.update({f"html:{kind}": content for content, kind in email.alternatives})
    assert "html:text/html" in parts
    for name, content in parts.items():
        leaked = [secret for secret in SECRETS if secret in content]
        assert leaked == [], f"{name} shows {leaked}"
        assert django_settings.SECRET_KEY not in content, name
    for name in ("text", "html:text/html"):
        # Still a useful report: what failed, where, and which settings were hidden.
        assert "ConnectionError" in parts[name] and "failing_view" in parts[name]
        assert "redis.internal" in parts[name] and "CELERY_BROKER_URL" in parts[name]


def test_the_settings_keep_no_credential_url() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "ANYMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"postgres://artsvp:{DB_PASSWORD}@db.internal:5432/artsvp",
        REDIS_URL=f"redis://:{REDIS_PASSWORD}@redis.internal:6379/0",
    )
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.views.debug import get_default_exception_reporter_filter as f\n"
        "print(sorted(k for k in dir(settings) if k.isupper() and k.endswith('_URL')))\n"
        "print(f().get_safe_settings())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    names, listing = result.stdout.splitlines()
    assert "DATABASE_URL" not in names and "REDIS_URL" not in names
    assert DB_PASSWORD not in listing and REDIS_PASSWORD not in listing
    # The report still says where the database is; the broker's URL is hidden whole.
    assert "db.internal" in listing and "'CELERY_BROKER_URL': '*****" in listing
