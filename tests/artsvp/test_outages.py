"""Redis down: the cache and the broker stop, the product keeps serving.

Each test runs its own `redis-server` on a spare port, points the cache (with
the production CACHES setting) or Celery at it, and stops and starts it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.urls import reverse

from artsvp import ratelimit
from config.celery import app as celery_app
from deliveries.models import Delivery
from deliveries.services import NOT_ENQUEUED, requeue_stuck_deliveries
from invites.models import Invite
from invites.services import GuestInput, generate_invites
from organizations.api_key_services import create_api_key
from organizations.models import TeamInvitation
from tests.conftest import PASSWORD, give_credits
from tests.invites.helpers import assign
from tests.redis_server import RedisServer, publishing_to, spare_port

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server"),
]


def production_setting(name: str, **env: str) -> Any:
    """`name` as config/settings.py computes it with `env` (e.g. REDIS_URL) set."""
    path = Path(settings.BASE_DIR) / "config" / "settings.py"
    spec = importlib.util.spec_from_file_location("_production_settings", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ, env):
        spec.loader.exec_module(module)
    return getattr(module, name)


def redis_caches(server: RedisServer, **extra: Any) -> dict[str, Any]:
    caches = production_setting("CACHES", REDIS_URL=server.url)
    caches["default"].update(extra)
    return caches


@pytest.fixture
def redis_cache(redis_server: RedisServer) -> Iterator[RedisServer]:
    """The cache is the production one, on this test's Redis."""
    with override_settings(CACHES=redis_caches(redis_server)):
        yield redis_server


def cache_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "artsvp.cache" and record.levelno == logging.WARNING
    ]


# --- The cache ------------------------------------------------------------------------------


def test_the_production_cache_uses_redis_while_it_is_up(redis_cache: RedisServer) -> None:
    ratelimit.hit("probe", limit=5, window=60)
    assert redis_cache.client().keys("*rl:probe:*")


def test_with_redis_down_the_api_answers(redis_cache: RedisServer, org: Any, alice: Any) -> None:
    key = create_api_key(org, name="CRM sync", created_by=alice)
    redis_cache.stop()

    response = Client().get("/api/v1/events", headers={"Authorization": f"Bearer {key.secret}"})

    assert response.status_code == 200
    assert response.json()["items"] == []


def test_with_redis_down_one_can_log_in(redis_cache: RedisServer, alice: Any) -> None:
    redis_cache.stop()
    browser = Client()

    wrong = browser.post(
        reverse("account_login"), {"login": "alice@example.com", "password": "not it"}
    )
    right = browser.post(
        reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD}
    )

    assert wrong.status_code == 200
    assert right.status_code == 302
    assert browser.session["_auth_user_id"] == str(alice.pk)


def test_with_redis_down_secret_links_answer(
    redis_cache: RedisServer, org: Any, portal: Any
) -> None:
    give_credits(org, invite=5)
    invite = generate_invites(
        assign(portal), [GuestInput(name="Anna Muster", email="anna@example.com")], method="single"
    ).invites.get()
    invitation = TeamInvitation.objects.create(organization=org, email="newcomer@example.com")
    other_portal_link = reverse("owner:link", args=[portal.token])
    redis_cache.stop()

    started = time.monotonic()
    guest = Client().get(reverse("invites:guest", args=[invite.token]))
    owner = Client().get(other_portal_link)
    teammate = Client().get(reverse("organizations:invitation", args=[invitation.token]))
    seconds = time.monotonic() - started

    assert guest.status_code == 200
    assert "Dear Anna Muster" in guest.content.decode()
    assert owner.status_code in {200, 302}
    assert teammate.status_code in {200, 302}
    # A dead Redis is found out in milliseconds, and then not asked again for a while.
    assert seconds < 2


def test_with_redis_down_rate_limits_count_in_the_process_and_warn_once(
    redis_cache: RedisServer,
    org: Any,
    portal: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    give_credits(org, invite=5)
    invite = generate_invites(
        assign(portal), [GuestInput(name="Anna Muster", email="anna@example.com")], method="single"
    ).invites.get()
    link = reverse("invites:guest", args=[invite.token])
    frozen = time.time()
    monkeypatch.setattr("artsvp.ratelimit.time.time", lambda: frozen)
    redis_cache.stop()
    browser = Client()

    with caplog.at_level(logging.WARNING, logger="artsvp.cache"):
        answers = [browser.get(link).status_code for _ in range(61)]

    assert answers == [200] * 60 + [429]
    [warning] = cache_warnings(caplog)
    assert "unreachable" in warning
    assert "rate limits count per process" in warning


def test_once_redis_is_back_the_cache_uses_it_again(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(CACHES=redis_caches(redis_server, RETRY_AFTER=0.2)):
        redis_server.stop()
        assert ratelimit.hit("during", limit=1, window=60).allowed
        assert not ratelimit.hit("during", limit=1, window=60).allowed

        redis_server.start()
        time.sleep(0.3)
        with caplog.at_level(logging.WARNING, logger="artsvp.cache"):
            assert ratelimit.hit("after", limit=1, window=60).allowed

        assert redis_server.client().keys("*rl:after:*")
        assert any("reachable again" in message for message in cache_warnings(caplog))
        # Redis is the truth again: what the fallback counted is forgotten.
        assert ratelimit.hit("during", limit=1, window=60).allowed


# --- The health check -----------------------------------------------------------------------


def test_healthz_reports_each_dependency(redis_cache: RedisServer, client: Client) -> None:
    with publishing_to(redis_cache.url):
        response = client.get(reverse("organizations:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_with_redis_down_healthz_says_so_and_keeps_the_instance_in_rotation(
    redis_cache: RedisServer, client: Client
) -> None:
    redis_cache.stop()
    with publishing_to(redis_cache.url):
        started = time.monotonic()
        response = client.get(reverse("organizations:healthz"))
        seconds = time.monotonic() - started

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "down",
        "broker": "down",
    }
    assert seconds < 2


def test_without_the_database_healthz_answers_503(client: Client) -> None:
    def unreachable() -> None:
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")

    with mock.patch.object(connection, "ensure_connection", unreachable):
        response = client.get(reverse("organizations:healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "down", "cache": "ok", "broker": "ok"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_the_database_server_unreachable_healthz_answers_503(client: Client) -> None:
    connection.close()
    saved = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = str(spare_port())  # nothing listens there
    try:
        response = client.get(reverse("organizations:healthz"))
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved

    assert response.status_code == 503
    assert response.json()["database"] == "down"


# --- The broker -----------------------------------------------------------------------------


def run_published_tasks() -> int:
    """What a worker would do: take each task from the broker and run it here."""
    ran = 0
    with celery_app.connection_for_read() as conn:
        queue = conn.SimpleQueue("celery", no_ack=True)
        try:
            while True:
                try:
                    message = queue.get(timeout=0.5)
                except queue.Empty:
                    return ran
                args, kwargs, _embed = message.decode()
                celery_app.tasks[message.headers["task"]](*args, **kwargs)
                ran += 1
        finally:
            queue.close()


def test_with_the_broker_down_invites_are_generated_and_emailed_and_go_once_it_is_back(
    redis_server: RedisServer,
    org: Any,
    event: Any,
    alice_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    give_credits(org, invite=10)
    args = [org.slug, event.slug]
    redis_server.stop()

    with publishing_to(redis_server.url):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            generated = alice_client.post(
                reverse("invites:organizer_generate", args=args),
                {
                    "method": "paste",
                    "paste-submission": "s1",
                    "paste-lines": "Anna, anna@example.com\nLeo, leo@example.com",
                    "paste-plus_ones": "0",
                },
            )
        with django_capture_on_commit_callbacks(execute=True):
            sent = alice_client.post(
                reverse("invites:send", args=args),
                {"scope": "unsent", "step": "send", "subject": "Hi {{ name }}", "message": ""},
            )
        seconds = time.monotonic() - started

        assert (generated.status_code, sent.status_code) == (302, 302)
        assert Invite.objects.filter(event=event).count() == 2
        rows = Delivery.objects.values_list("status", "last_error")
        assert list(rows) == [(Delivery.Status.QUEUED, NOT_ENQUEUED)] * 2
        assert seconds < 5

        redis_server.start()
        # Beat's next sweep (every minute), with its real thresholds.
        with django_capture_on_commit_callbacks(execute=True):
            assert requeue_stuck_deliveries() == 2
        # Both rows in one chunk task (deliveries/publishing.py SEND_CHUNK).
        assert run_published_tasks() == 1
        # Later sweeps find nothing left.
        with django_capture_on_commit_callbacks(execute=True):
            assert requeue_stuck_deliveries() == 0
        assert run_published_tasks() == 0

    assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.com", "leo@example.com"]
    assert {m.subject for m in mail.outbox} == {"Hi Anna", "Hi Leo"}
    assert set(Delivery.objects.values_list("status", "attempts")) == {(Delivery.Status.SENT, 1)}


def test_with_redis_down_cache_calls_do_not_wait_for_it(redis_cache: RedisServer) -> None:
    redis_cache.stop()
    started = time.monotonic()
    for n in range(500):
        cache.set(f"k{n}", n)
        assert cache.get(f"k{n}") == n
    assert time.monotonic() - started < 1


def test_with_the_broker_down_the_portal_owner_still_gets_a_sign_in_code(
    redis_server: RedisServer, portal: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Only the code's hash is stored, so the outbox cannot send it later: the
    # request sends it itself rather than leave the owner waiting for nothing.
    claimed = assign(portal)
    redis_server.stop()

    with publishing_to(redis_server.url), django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("owner:request_code", args=[claimed.token]), {"email": claimed.owner_email}
        )

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [claimed.owner_email]
    assert re.search(r"\b\d{6}\b", str(message.body))
