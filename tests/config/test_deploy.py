"""Production settings: `check --deploy` passes, and the environment switches what it should."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "ANYMAIL_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
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


def names_read_from_the_environment():
    import ast

    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"env", "env_bool", "env_list"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_env_example_documents_every_variable_the_settings_read():
    documented = (ROOT / ".env.example").read_text()
    names = names_read_from_the_environment()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "STRIPE_SECRET_KEY"} <= names
    missing = sorted(name for name in names if f"{name}=" not in documented)
    assert missing == []


def test_compose_runs_every_process_with_a_health_check():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ["postgres", "redis", "web", "worker", "beat"]:
        assert "healthcheck" in services[name], name
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    for name in ["web", "worker", "beat", "migrate"]:
        assert services[name]["env_file"] == ".env"
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://redis:")


def test_procfile_starts_web_worker_and_beat():
    processes = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert processes["web"].startswith("gunicorn -c gunicorn.conf.py config.wsgi")
    assert processes["worker"].startswith("celery -A config worker")
    assert processes["beat"].startswith("celery -A config beat")


def test_check_deploy_fails_with_an_email_provider_but_no_webhook_secret():
    env = production_env(ANYMAIL_ESP="postmark", ANYMAIL_POSTMARK_SERVER_TOKEN="test-token")
    refused = manage("check", "--deploy", env=env)
    assert refused.returncode != 0
    assert "artsvp.E001" in refused.stderr
    env["ANYMAIL_WEBHOOK_SECRET"] = "not-user-and-password"
    assert "artsvp.E001" in manage("check", "--deploy", env=env).stderr

    env["ANYMAIL_WEBHOOK_SECRET"] = f"hook:{secrets.token_urlsafe(24)}"
    accepted = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_check_deploy_fails_when_the_providers_webhook_lacks_its_own_key():
    env = production_env(
        ANYMAIL_ESP="mailgun",
        ANYMAIL_WEBHOOK_SECRET=f"hook:{secrets.token_urlsafe(24)}",
    )
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "artsvp.E002" in result.stderr and "MAILGUN_WEBHOOK_SIGNING_KEY" in result.stderr


def _gunicorn_settings(monkeypatch: Any, **env: str) -> dict[str, Any]:
    """gunicorn.conf.py read as gunicorn reads it (executed as a module)."""
    import runpy

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_runs_more_than_one_worker_by_default(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = _gunicorn_settings(monkeypatch)
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    assert settings["workers"] == 2 * cores + 1
    assert settings["workers"] >= 3


def test_web_concurrency_sets_the_workers(monkeypatch):
    assert _gunicorn_settings(monkeypatch, WEB_CONCURRENCY="7")["workers"] == 7
