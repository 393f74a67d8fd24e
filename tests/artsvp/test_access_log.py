"""Secret links never reach a log: gunicorn's access log, its error log, Django's log.

gunicorn runs for real, started by the Procfile's own command (once for the
module), with its access log in a file; the requests carry secrets in every
place a link can: the path, the query, a percent-encoded path, the Referer.
"""

from __future__ import annotations

import http.client
import io
import logging
import os
import re
import secrets
import shlex
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from artsvp.converters import TokenConverter
from artsvp.logging import SECRET_PATH_PREFIXES, RedactTokensFilter, redact

ROOT = Path(__file__).resolve().parents[2]

# Every URL parameter of the project, sorted into bearer secrets and the rest.
# A new parameter name fails test_every_url_parameter_is_classified until it is
# added here (and, when secret, covered by artsvp.logging.SECRET_PATH_PREFIXES).
SECRET_URL_PARAMETERS = {"token", "key"}
PUBLIC_URL_PARAMETERS = {
    "org_slug",
    "event_slug",
    "group_id",
    "portal_id",
    "public_id",
    "invite_id",
    "purchase_id",
    "bundle_id",
    "event_id",
    "account_id",
    "type_id",
    "window_id",
    "check_in_id",  # an opaque id of a check-in row (door/api.py), not a secret
    "uidb36",  # the user's number in base 36; the key after it is the secret
    # The admin's and the API's own parameters.
    "object_id",
    "content_type_id",
    "id",
    "app_label",
    "url",
    "rest",
    "colour",  # the accent stylesheet's colour (organizations/brand_views.py)
    "path",  # an uploaded file under MEDIA_URL: brand images, public by design
}


# Parameters named like a secret that are not bearer secrets: an email preview
# is found only by the session that made it (invites.send_views.preview_frame).
SESSION_BOUND = {("invites:send_preview", "key"), ("owner:send_preview", "key")}


@dataclass
class Route:
    name: str  # namespaced, "" when the pattern has none
    regex: str  # the whole path, prefixes included
    converters: dict[str, Any]

    @property
    def parameters(self) -> set[str]:
        return set(re.compile(self.regex).groupindex)

    @property
    def secrets(self) -> set[str]:
        return {
            name
            for name in self.parameters & SECRET_URL_PARAMETERS
            if (self.name, name) not in SESSION_BOUND
        }


def walk(resolver: URLResolver, namespace: str, prefix: str, converters: dict) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        regex = entry.pattern.regex.pattern.lstrip("^").removesuffix(r"\Z").removesuffix("$")
        seen = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, inner, prefix + regex, seen)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(name=name, regex=prefix + regex, converters=seen)


def routes() -> list[Route]:
    return list(walk(get_resolver(), "", "", {}))


def test_every_url_parameter_is_classified():
    unknown = {
        (name, route.regex)
        for route in routes()
        for name in route.parameters - SECRET_URL_PARAMETERS - PUBLIC_URL_PARAMETERS
    }
    assert not unknown, "secret or public? add to SECRET_/PUBLIC_URL_PARAMETERS"


def test_every_token_converter_is_a_secret_parameter():
    for route in routes():
        for name, converter in route.converters.items():
            if isinstance(converter, TokenConverter):
                assert name in route.secrets, route.regex


def sample(name: str) -> str:
    if name in SECRET_URL_PARAMETERS:
        return f"Secret{name}{secrets.token_hex(8)}"
    if name.endswith("_slug"):
        return "acme"
    return {"uidb36": "1a", "bundle_id": "7", "account_id": "7"}.get(name, "abc123def456gh")


def test_every_secret_url_parameter_is_redacted():
    checked = []
    for route in routes():
        if not route.secrets or not route.name:
            continue
        values = {name: sample(name) for name in route.parameters}
        path = reverse(route.name, kwargs=values)
        for line in (
            f'"GET {path} HTTP/1.1" 200',
            f"https://artsvp.example{path}",
            f"/accounts/login/?next={path}",
        ):
            for name in route.secrets:
                assert values[name] not in redact(line), (route.name, SECRET_PATH_PREFIXES)
        checked.append(route.name)
    # The secret pages the URLconf has today, so the walk cannot silently find none.
    assert {
        "owner:link",
        "owner:request_code",
        "owner:enter_code",
        "invites:guest",
        "organizations:invitation",
        "account_confirm_email",
        "account_reset_password_from_key",
    } <= set(checked)


def test_a_path_that_only_contains_a_secret_prefix_stays_readable():
    assert redact("GET /o/acme/events/p/edit/ HTTP/1.1") == "GET /o/acme/events/p/edit/ HTTP/1.1"


def test_django_logs_redact_team_invitations_and_reset_keys(db):
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactTokensFilter) for f in handler.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]  # StreamHandler.setStream on the configured handler, typed as Handler
    invitation = secrets.token_urlsafe(32)
    try:
        try:
            raise ValueError(f"lookup failed for /invitations/{invitation}/")
        except ValueError:
            logging.getLogger("tests").exception("Not Found: %s", f"/invitations/{invitation}/")
        Client().get(f"/i/{invitation}/")
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]  # StreamHandler.setStream on the configured handler, typed as Handler
    output = stream.getvalue()
    assert "Not Found: /invitations/[redacted]/" in output
    assert "ValueError: lookup failed for /invitations/[redacted]/" in output
    assert invitation not in output


def test_error_emails_to_admins_carry_no_secret_link(db, settings, mailoutbox):
    settings.ADMINS = [("Ops", "ops@example.com")]
    portal_token, guest_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    request = RequestFactory().get(
        f"/p/{portal_token}/code/?code=123456",
        HTTP_REFERER=f"https://artsvp.example/i/{guest_token}/",
    )
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s",
            request.path,
            exc_info=True,
            extra={"status_code": 500, "request": request},
        )

    [email] = mailoutbox
    assert "/p/[redacted]/code/" in email.subject
    for text in (email.subject, email.body):
        assert portal_token not in text and guest_token not in text and "123456" not in text


# --- gunicorn, for real -------------------------------------------------------------


@dataclass
class Server:
    port: int
    access_log: Path
    output: Path

    def get(self, target: str, **headers: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", target, headers={"Host": "127.0.0.1", **headers})
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()


def procfile_web_command() -> list[str]:
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    command = shlex.split(
        os.path.expandvars(line.removeprefix("web:").replace("${PORT:-8000}", "8000"))
    )
    assert command[0] == "gunicorn"
    return [sys.executable, "-m", "gunicorn", *command[1:]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_env(tmp_path: Path) -> dict[str, str]:
    """The test database, migrated by pytest-django, as the server's database."""
    connection = connections["default"]
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        # The test database lives in this process's memory: copy it to a file.
        copy = tmp_path / "server.sqlite3"
        with sqlite3.connect(copy) as target:
            connection.connection.backup(target)
        return {"SQLITE_PATH": str(copy), "DATABASE_URL": ""}
    db = connection.settings_dict
    return {
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
            f":{db['PORT'] or 5432}/{db['NAME']}"
        )
    }


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: Any, django_db_blocker: Any
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("gunicorn")
    with django_db_blocker.unblock():
        env = {**os.environ, **database_env(folder)}
    env.update(DEBUG="1", REDIS_URL="", LOG_LEVEL="INFO", WEB_CONCURRENCY="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    port = free_port()
    access_log, output = folder / "access.log", folder / "output.log"
    command = [
        *procfile_web_command(),
        f"--bind=127.0.0.1:{port}",
        f"--access-logfile={access_log}",
        "--workers=1",
    ]
    with output.open("w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(output.read_text()) from None
                time.sleep(0.1)
        yield Server(port=port, access_log=access_log, output=output)
    finally:
        process.terminate()
        process.wait(timeout=20)


def logged(server: Server, count: int) -> str:
    """The access log once it has `count` lines (gunicorn writes after each response)."""
    deadline = time.monotonic() + 10
    while True:
        text = server.access_log.read_text() if server.access_log.exists() else ""
        if len(text.splitlines()) >= count or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


# The marker makes pytest-django create the test database the server copies.
@pytest.mark.django_db
def test_gunicorn_logs_no_secret_from_any_part_of_a_request(server):
    tokens = {name: secrets.token_urlsafe(24) for name in "abcdefghijk"}
    t = tokens
    requests = [
        (f"/p/{t['a']}/", {}),
        (f"/p/{t['b']}/sign-in/", {}),
        (f"/i/{t['c']}/", {}),
        (f"/invitations/{t['d']}/", {}),
        (f"/accounts/login/?next=/invitations/{t['e']}/", {}),
        (f"/accounts/login/?next=%2Fp%2F{t['f']}%2F", {}),
        (f"/o/acme/settings/billing/checkout/success/?session_id=cs_test_{t['g']}", {}),
        (f"/accounts/password/reset/key/1a-{t['h']}/", {}),
        (f"/accounts/confirm-email/{t['i']}/", {}),
        (f"/%70/{t['j']}/code/?code=123456", {}),
        ("/", {"Referer": f"https://artsvp.example/p/{t['k']}/"}),
    ]
    before = len(logged(server, 0).splitlines())
    for target, headers in requests:
        assert server.get(target, **headers) < 500, target

    access = logged(server, before + len(requests))
    lines = access.splitlines()[before:]
    assert len(lines) == len(requests)
    for token in tokens.values():
        assert token not in access
        assert token not in server.output.read_text()
    assert '"GET /p/[redacted]/ HTTP/1.1"' in lines[0]
    assert '"GET /p/[redacted]/sign-in/ HTTP/1.1"' in lines[1]
    assert '"GET /invitations/[redacted]/ HTTP/1.1"' in lines[3]
    assert "/o/acme/settings/billing/checkout/success/?session_id=[redacted] " in lines[6]
    assert "/accounts/password/reset/key/[redacted]/" in lines[7]
    assert '"https://artsvp.example/p/[redacted]/"' in lines[10]
    assert "123456" not in lines[9]


def test_every_deployment_starts_gunicorn_with_the_config():
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py",' in (ROOT / "Dockerfile").read_text()
    assert '["gunicorn", "-c", "gunicorn.conf.py",' in (ROOT / "docker-compose.yml").read_text()
    assert procfile_web_command()[3:5] == ["-c", "gunicorn.conf.py"]
