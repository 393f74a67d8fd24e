"""Sending in chunks: many rows claimed at once and sent over one connection,
each keeping its own outcome, the first chunk published before the rest.

The real-worker side (a worker killed mid-chunk) is in test_workers.py.
"""

from __future__ import annotations

import base64
import json
import smtplib
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.db import connection

from deliveries import publishing
from deliveries.models import Delivery
from deliveries.services import (
    FAN_OUT_ABOVE,
    SEND_CHUNK,
    queue_email,
    send_queued_deliveries,
)
from deliveries.services import sending as sending_service
from invites.models import Invite
from invites.sending import queue_invite_emails
from tests.deliveries.backends import PickyBackend
from tests.redis_server import RedisServer, publishing_to

pytestmark = pytest.mark.django_db

PICKY = "tests.deliveries.backends.PickyBackend"


@pytest.fixture
def picky(settings: Any) -> Iterator[type[PickyBackend]]:
    settings.EMAIL_BACKEND = PICKY
    PickyBackend.script()
    yield PickyBackend
    PickyBackend.script()


def send_all(invites: list[Invite], capture: Any) -> list[int]:
    with capture(execute=True):
        queued = queue_invite_emails(invites, subject="Hi {{ name }}", message="")
    return list(queued.delivery_ids)


def recipients_sent() -> Counter[str]:
    return Counter(message.to[0] for message in mail.outbox)


def test_a_send_of_many_goes_in_chunks_over_one_connection_each(
    picky: type[PickyBackend], make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invites = make_invites(SEND_CHUNK * 2 + 10)

    send_all(invites, django_capture_on_commit_callbacks)

    assert recipients_sent() == Counter({invite.guest_email: 1 for invite in invites})
    # Three chunks (50, 50, 10): one connection each, not one per email.
    assert picky.connections_opened == 3
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert set(Invite.objects.values_list("status", flat=True)) == {Invite.Status.SENT}


def test_a_failing_address_in_a_chunk_retries_alone_while_the_others_are_sent(
    picky: type[PickyBackend],
    make_invites: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    invites = make_invites(5)
    picky.script(
        {
            # The provider hangs up on this one once: worth a retry.
            "guest2@example.com": [smtplib.SMTPServerDisconnected("Connection closed")],
            # This one does not exist: no retry.
            "guest4@example.com": [
                smtplib.SMTPRecipientsRefused({"guest4@example.com": (550, b"No such user")})
            ],
        }
    )
    retried: list[int] = []
    publish_retry = publishing.enqueue_retry

    def record_retry(delivery_id: int, *, countdown: int) -> None:
        retried.append(delivery_id)
        assert countdown >= 20  # its own backoff (30 s with jitter), not the chunk's
        publish_retry(delivery_id, countdown=countdown)

    monkeypatch.setattr(sending_service, "enqueue_retry", record_retry)

    ids = send_all(invites, django_capture_on_commit_callbacks)

    rows = {
        recipient: (status, attempts, last_error)
        for recipient, status, attempts, last_error in Delivery.objects.values_list(
            "recipient", "status", "attempts", "last_error"
        )
    }
    assert rows == {
        "guest1@example.com": ("sent", 1, ""),
        # Retried alone, in a send task of its own, and sent on its second attempt.
        "guest2@example.com": ("sent", 2, ""),
        "guest3@example.com": ("sent", 1, ""),
        "guest4@example.com": (
            "failed",
            1,
            "SMTPRecipientsRefused: the server refused the address (550)",
        ),
        "guest5@example.com": ("sent", 1, ""),
    }
    assert retried == [ids[1]]
    assert recipients_sent() == Counter({f"guest{n}@example.com": 1 for n in (1, 2, 3, 5)})
    statuses = dict(Invite.objects.values_list("guest_email", "status"))
    assert statuses["guest4@example.com"] == Invite.Status.CREATED
    assert statuses["guest2@example.com"] == Invite.Status.SENT


def test_the_providers_ids_of_a_chunk_go_to_their_own_rows(
    anymail_backend: None, make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invites = make_invites(3)

    send_all(invites, django_capture_on_commit_callbacks)

    by_recipient = {m.to[0]: str(m.anymail_status.message_id) for m in mail.outbox}
    stored = dict(Delivery.objects.values_list("recipient", "provider_message_id"))
    assert stored == by_recipient
    assert len(set(stored.values())) == 3


def test_a_chunk_out_of_time_hands_its_other_rows_back_and_none_is_lost(
    picky: type[PickyBackend],
    make_invites: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every chunk is out of time after its first email: the rest goes back to
    # the queue and a new chunk takes it.
    monkeypatch.setattr(sending_service, "CHUNK_BUDGET", 0.0)
    invites = make_invites(4)

    send_all(invites, django_capture_on_commit_callbacks)

    assert recipients_sent() == Counter({invite.guest_email: 1 for invite in invites})
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    # Each hand-back was a claim: attempts counts them (and only grows).
    assert sorted(Delivery.objects.values_list("attempts", flat=True)) == [1, 2, 3, 4]


def test_a_chunk_stopped_by_its_soft_time_limit_loses_no_row(
    picky: type[PickyBackend], make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invites = make_invites(4)
    # The task's soft time limit strikes while the third email is being sent.
    picky.script({"guest3@example.com": [SoftTimeLimitExceeded()]})

    send_all(invites, django_capture_on_commit_callbacks)

    assert recipients_sent() == Counter({invite.guest_email: 1 for invite in invites})
    attempts = dict(Delivery.objects.values_list("recipient", "attempts"))
    # Sent before the limit; the one interrupted retried alone; the one not
    # reached handed back to the queue and sent by the next chunk.
    assert attempts == {
        "guest1@example.com": 1,
        "guest2@example.com": 1,
        "guest3@example.com": 2,
        "guest4@example.com": 2,
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_rows_no_longer_queued_are_skipped_by_a_chunk(
    make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invites = make_invites(3)
    ids = send_all(invites, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    assert send_queued_deliveries(ids) == {
        "sent": 0,
        "failed": 0,
        "retried": 0,
        "handed_back": 0,
        "skipped": 3,
    }
    assert mail.outbox == []
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


# --- Publishing ------------------------------------------------------------------------------


def published(redis_server: RedisServer) -> list[tuple[str, Any]]:
    """(task name, first argument) of each message in the broker, in publishing order."""
    messages = reversed(redis_server.client().lrange("celery", 0, -1))  # LPUSH, BRPOP
    tasks = []
    for raw in messages:
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        tasks.append((message["headers"]["task"], args[0]))
    return tasks


@pytest.mark.django_db(transaction=True)
def test_a_large_send_publishes_its_first_chunk_before_the_rest(
    redis_server: RedisServer, make_invites: Any
) -> None:
    invites = make_invites(FAN_OUT_ABOVE + 100)
    with publishing_to(redis_server.url):
        ids = list(queue_invite_emails(invites, subject="Hi", message="").delivery_ids)

    assert published(redis_server) == [
        # The first emails do not wait for the fan-out of the others.
        (publishing.SEND_CHUNK_TASK, ids[:SEND_CHUNK]),
        (publishing.FAN_OUT_TASK, ids[SEND_CHUNK:]),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_send_of_a_few_goes_in_one_chunk_and_a_single_email_in_its_own_task(
    redis_server: RedisServer, make_invites: Any, org: Any
) -> None:
    invites = make_invites(3)
    with publishing_to(redis_server.url):
        ids = list(queue_invite_emails(invites, subject="Hi", message="").delivery_ids)
        single = queue_email("team-invitation", to="new@example.com", context={}, organization=org)

    assert published(redis_server) == [
        (publishing.SEND_CHUNK_TASK, ids),
        (publishing.SEND_TASK, single.pk),
    ]


# --- Two workers at once ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_chunks_racing_for_the_same_rows_send_each_email_once(
    picky: type[PickyBackend], make_invites: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    invites = make_invites(60)
    # Queued, not yet published: the workers below are handed the rows.
    with monkeypatch.context() as patch:
        patch.setattr("deliveries.services.queueing.enqueue_deliveries", lambda ids: len(ids))
        ids = list(queue_invite_emails(invites, subject="Hi", message="").delivery_ids)
    # Sends take a moment, as over the network, so the chunks overlap; each
    # worker is handed the rows in its own order (a redelivery, the sweeper,
    # the fan-out run twice).
    picky.script(delay=0.005)
    orders = [ids, ids[::-1], ids[30:] + ids[:30], ids]
    barrier = threading.Barrier(len(orders))
    results: list[dict[str, int]] = []

    def run_chunk(order: list[int]) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(send_queued_deliveries(order))
        finally:
            connection.close()

    threads = [threading.Thread(target=run_chunk, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == len(orders)
    assert sum(result["sent"] for result in results) == 60
    assert sum(result["skipped"] for result in results) == 60 * (len(orders) - 1)
    assert recipients_sent() == Counter({invite.guest_email: 1 for invite in invites})
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert set(Invite.objects.values_list("status", flat=True)) == {Invite.Status.SENT}
