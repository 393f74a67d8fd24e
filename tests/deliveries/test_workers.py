"""Real workers: `celery worker` subprocesses on a private Redis, sending from
the test's PostgreSQL database, writing what they send to files.

Each test starts its own `redis-server` on a spare port (so stopping it
disturbs nobody) and kills every process it started, whatever happens.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from deliveries.models import Delivery
from invites.models import Invite
from invites.sending import queue_invite_emails
from organizations.services import invite_teammate
from tests.deliveries.backends import sent_messages
from tests.redis_server import RedisServer, publishing_to, spare_port, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server"),
]

WORKER_START_TIMEOUT = 60
SEND_TIMEOUT = 60


def test_database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # pytest reads __test__ on any object


class Workers:
    """Starts `celery worker` processes; kills them all at the end."""

    def __init__(self, tmp_path: Path, broker_url: str, mail_dir: Path) -> None:
        self.tmp_path = tmp_path
        self.broker_url = broker_url
        self.mail_dir = mail_dir
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(
        self, name: str, *, email_delay: float = 0.0, concurrency: int = 1
    ) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_BACKEND": "tests.deliveries.backends.SlowFileBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "ARTSVP_TEST_EMAIL_DELAY": str(email_delay),
        }
        log = self.tmp_path / f"worker-{name}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                "-n",
                f"{name}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            # Its own process group, so a kill reaches the pool's children too.
            start_new_session=True,
        )
        self.processes.append((process, log))
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def kill_all(self) -> None:
        for process, _log in self.processes:
            with suppress(ProcessLookupError):
                self.kill(process)

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for _p, log in self.processes)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(spare_port(), tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    path = tmp_path / "sent"
    path.mkdir()
    return path


@pytest.fixture
def workers(tmp_path: Path, redis_server: RedisServer, mail_dir: Path) -> Iterator[Workers]:
    pool = Workers(tmp_path, redis_server.url, mail_dir)
    try:
        yield pool
    finally:
        pool.kill_all()


def status_of(delivery_id: int) -> str:
    return Delivery.objects.values_list("status", flat=True).get(pk=delivery_id)


def test_a_worker_killed_while_sending_leaves_the_email_to_the_next_one(
    redis_server: RedisServer, workers: Workers, mail_dir: Path, portal_invite: Invite
) -> None:
    redis_server.start()
    with publishing_to(redis_server.url):
        # The first worker takes a minute over the send: time to kill it mid-way.
        first = workers.start("first", email_delay=60)
        delivery = queue_invite_emails([portal_invite], subject="Hi {{ name }}", message="")[0]
        assert wait_until(
            lambda: status_of(delivery.pk) == Delivery.Status.SENDING,
            timeout=WORKER_START_TIMEOUT,
        ), workers.logs()

        workers.kill(first)
        assert status_of(delivery.pk) == Delivery.Status.SENDING
        assert sent_messages(mail_dir) == []

        workers.start("second")
        # The sweeper (beat runs it every minute) finds the abandoned claim.
        call_command("requeue_deliveries", "--sending-for", "0", "--queued-for", "0")
        assert wait_until(
            lambda: status_of(delivery.pk) == Delivery.Status.SENT, timeout=SEND_TIMEOUT
        ), workers.logs()

    sent = [text for text in sent_messages(mail_dir) if "To: ada@example.com" in text]
    assert len(sent) >= 1  # at least once
    assert "Subject: Hi Ada Lovelace" in sent[0]
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert not Delivery.objects.filter(status__in=["queued", "sending"]).exists()
    portal_invite.refresh_from_db()
    assert portal_invite.status == Invite.Status.SENT


def test_a_worker_killed_mid_chunk_loses_no_email_and_the_sweeper_sends_the_rest(
    redis_server: RedisServer, workers: Workers, mail_dir: Path, make_invites: Any
) -> None:
    invites = make_invites(6)
    redis_server.start()
    with publishing_to(redis_server.url):
        # A slow provider: a second an email, recorded as each goes.
        first = workers.start("first", email_delay=1.0)
        queued = queue_invite_emails(invites, subject="Hi {{ name }}", message="")
        rows = Delivery.objects.filter(pk__in=queued.delivery_ids)
        assert wait_until(
            lambda: rows.filter(status=Delivery.Status.SENT).count() >= 2,
            timeout=WORKER_START_TIMEOUT,
        ), workers.logs()

        workers.kill(first)
        statuses = Counter(rows.values_list("status", flat=True))
        # The chunk claimed all six: the ones it had not recorded stay `sending`,
        # none is back in the queue and none is lost.
        assert set(statuses) == {Delivery.Status.SENT, Delivery.Status.SENDING}
        assert statuses[Delivery.Status.SENDING] >= 1

        workers.start("second")
        # The sweeper (beat runs it every minute) finds the abandoned claims.
        call_command("requeue_deliveries", "--sending-for", "0", "--queued-for", "0")
        assert wait_until(
            lambda: rows.filter(status=Delivery.Status.SENT).count() == 6, timeout=SEND_TIMEOUT
        ), workers.logs()

    received = Counter(recipients_of(sent_messages(mail_dir)))
    # At least once each; a second copy only for the one email in flight at the kill.
    assert set(received) == {invite.guest_email for invite in invites}
    assert sum(received.values()) <= 7
    assert set(Invite.objects.values_list("status", flat=True)) == {Invite.Status.SENT}


def recipients_of(messages: list[str]) -> list[str]:
    return [
        line.removeprefix("To: ")
        for text in messages
        for line in text.splitlines()
        if line.startswith("To: ")
    ]


def test_with_the_broker_down_sending_succeeds_and_every_email_goes_once_it_is_back(
    redis_server: RedisServer,
    workers: Workers,
    mail_dir: Path,
    alice: Any,
    alice_client: Client,
    event: Any,
    make_invites: Any,
) -> None:
    make_invites(5)
    send_url = reverse("invites:send", args=[event.organization.slug, event.slug])

    with publishing_to(redis_server.url):  # nothing listens there yet
        started = time.monotonic()
        response = alice_client.post(
            send_url,
            {"scope": "unsent", "step": "send", "subject": "Hi {{ name }}", "message": ""},
        )
        request_seconds = time.monotonic() - started
        invite_teammate(
            event.organization, email="newcomer@example.com", role="member", invited_by=alice
        )
        print(f"\nsend request with the broker down: {request_seconds:.2f} s")

        assert response.status_code == 302
        assert request_seconds < 15
        assert Delivery.objects.filter(status=Delivery.Status.QUEUED).count() == 6

        redis_server.start()
        workers.start("after-outage")
        # Beat's next sweep, with its real thresholds: the rows that could not
        # be enqueued go at once, not minutes later.
        call_command("requeue_deliveries")
        assert wait_until(
            lambda: Delivery.objects.filter(status=Delivery.Status.SENT).count() == 6,
            timeout=SEND_TIMEOUT,
        ), workers.logs()

    recipients = sorted(
        line.removeprefix("To: ")
        for text in sent_messages(mail_dir)
        for line in text.splitlines()
        if line.startswith("To: ")
    )
    assert recipients == sorted(
        [f"guest{n}@example.com" for n in range(1, 6)] + ["newcomer@example.com"]
    )


def test_a_thousand_invite_emails_return_at_once_and_the_progress_follows_the_workers(
    redis_server: RedisServer,
    workers: Workers,
    mail_dir: Path,
    alice_client: Client,
    event: Any,
    make_invites: Any,
) -> None:
    make_invites(1000)
    args = [event.organization.slug, event.slug]
    redis_server.start()

    with publishing_to(redis_server.url):
        started = time.monotonic()
        response = alice_client.post(
            reverse("invites:send", args=args),
            {"scope": "unsent", "step": "send", "subject": "Hi", "message": ""},
        )
        seconds = time.monotonic() - started
        print(f"\nqueueing 1,000 invite emails, request to response: {seconds:.2f} s")
        assert response.status_code == 302
        assert Delivery.objects.filter(status=Delivery.Status.QUEUED).count() == 1000
        # The request published the first chunk (its emails leave at once) and
        # one fan-out task; a worker publishes the other chunks.
        assert redis.Redis(port=redis_server.port).llen("celery") == 2

        workers.start("bulk", concurrency=2)
        polls: list[str] = []

        def progress_done() -> bool:
            page = alice_client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
            polls.append(page)
            return "hx-trigger" not in page

        started = time.monotonic()
        assert wait_until(progress_done, timeout=240, interval=2), workers.logs()
        print(f"1,000 emails sent by a worker (2 processes) in {time.monotonic() - started:.1f} s")

    assert 'hx-trigger="every 2s"' in polls[0]
    assert "1000 of 1000 sent" in polls[-1]
    assert len(sent_messages(mail_dir)) == 1000


def test_after_the_database_drops_its_connections_the_worker_sends_the_next_email(
    redis_server: RedisServer, workers: Workers, mail_dir: Path, make_invites: Any
) -> None:
    """A worker keeps its connection from task to task (CELERY_DB_REUSE_MAX): when
    the database restarts, the next task reconnects instead of failing on it."""
    first, second = make_invites(2)
    redis_server.start()
    with publishing_to(redis_server.url):
        workers.start("steady")
        before = queue_invite_emails([first], subject="Hi {{ name }}", message="")[0]
        assert wait_until(
            lambda: status_of(before.pk) == Delivery.Status.SENT, timeout=WORKER_START_TIMEOUT
        ), workers.logs()

        # What a database restart does to the worker: its session is gone.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1

        after = queue_invite_emails([second], subject="Hi {{ name }}", message="")[0]
        assert wait_until(
            lambda: status_of(after.pk) == Delivery.Status.SENT, timeout=SEND_TIMEOUT
        ), workers.logs()

    after.refresh_from_db()
    # Sent by its first attempt: the stale connection never reached the task.
    assert after.attempts == 1
    assert set(recipients_of(sent_messages(mail_dir))) == {first.guest_email, second.guest_email}
