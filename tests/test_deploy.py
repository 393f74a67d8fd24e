"""Production settings: `check --deploy` passes, and the environment switches what it should."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "ANYMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="artsvp.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="artsvp.example.com",
        **extra,
    )
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def setting(name, env):
    code = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_email_verification_becomes_mandatory_with_a_real_email_provider():
    env = production_env()
    assert setting("ACCOUNT_EMAIL_VERIFICATION", env) == "optional"
    env.update(ANYMAIL_ESP="postmark", ANYMAIL_POSTMARK_SERVER_TOKEN="test-token")
    assert setting("ACCOUNT_EMAIL_VERIFICATION", env) == "mandatory"
    assert setting("EMAIL_BACKEND", env) == "anymail.backends.postmark.EmailBackend"
