"""The send task: retries, failures, duplicates, the sweeper and the provider's tracking."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from anymail.exceptions import AnymailAPIError
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from deliveries.models import Delivery
from deliveries.services import (
    MAX_ATTEMPTS,
    REQUEUE_SENDING_AFTER,
    queue_email,
    requeue_stuck_deliveries,
)
from deliveries.tasks import SEND_SOFT_TIME_LIMIT, SEND_TIME_LIMIT, send_delivery
from invites.models import Invite
from invites.sending import queue_invite_emails
from organizations.models import TeamInvitation
from tests.deliveries.backends import FlakyBackend
from tests.redis_server import publishing_to, spare_port

pytestmark = pytest.mark.django_db

FLAKY = "tests.deliveries.backends.FlakyBackend"


def invitation_email(org: Any, name: str) -> Delivery:
    """Queue a team invitation email, as organizations.services does."""
    invitation = TeamInvitation.objects.create(organization=org, email=f"{name}@example.com")
    return queue_email(
        "team-invitation",
        to=invitation.email,
        context={"invitation_id": invitation.pk},
        organization=org,
    )


@pytest.fixture
def flaky(settings: Any) -> Iterator[type[FlakyBackend]]:
    settings.EMAIL_BACKEND = FLAKY
    FlakyBackend.script()
    yield FlakyBackend
    FlakyBackend.script()


def queue(invite: Invite, capture: Any) -> Delivery:
    with capture(execute=True):
        queued = queue_invite_emails([invite], subject="Hi {{ name }}", message="Come!")
    return Delivery.objects.get(pk=queued[0].pk)


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPResponseException(421, b"Service not available, try again later"),
        ConnectionRefusedError(111, "Connection refused"),
        AnymailAPIError("Postmark API response 503", status_code=503),
        AnymailAPIError("Postmark API response 429: rate limited", status_code=429),
    ],
    ids=["smtp-disconnected", "smtp-421", "refused", "api-503", "api-429"],
)
def test_a_transient_error_is_retried_and_the_email_sent(
    error: Exception,
    flaky: type[FlakyBackend],
    portal_invite: Invite,
    django_capture_on_commit_callbacks: Any,
) -> None:
    flaky.script(error)

    delivery = queue(portal_invite, django_capture_on_commit_callbacks)

    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 2
    assert delivery.last_error == ""
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"No such user")}),
            "SMTPRecipientsRefused: the server refused the address (550)",
        ),
        (
            smtplib.SMTPDataError(554, b"Message rejected as spam"),
            "SMTPDataError 554: Message rejected as spam",
        ),
        (
            AnymailAPIError("Postmark API response 422: Invalid 'To' address", status_code=422),
            "AnymailAPIError 422: Postmark API response 422: Invalid 'To' address",
        ),
    ],
    ids=["smtp-550", "smtp-554", "api-422"],
)
def test_a_permanent_error_fails_at_once_with_the_reason(
    error: Exception,
    reason: str,
    flaky: type[FlakyBackend],
    portal_invite: Invite,
    django_capture_on_commit_callbacks: Any,
) -> None:
    flaky.script(error)

    delivery = queue(portal_invite, django_capture_on_commit_callbacks)

    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1
    assert delivery.last_error == reason
    assert mail.outbox == []
    portal_invite.refresh_from_db()
    assert portal_invite.status == Invite.Status.CREATED


def test_an_email_that_keeps_failing_ends_failed_after_the_last_attempt(
    flaky: type[FlakyBackend], portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    flaky.script(*[smtplib.SMTPServerDisconnected("gone")] * (MAX_ATTEMPTS + 2))

    delivery = queue(portal_invite, django_capture_on_commit_callbacks)

    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert delivery.last_error == "SMTPServerDisconnected: gone"
    assert len(flaky.errors) == 2  # no attempt beyond the last one
    assert mail.outbox == []


def test_an_invite_revoked_before_the_worker_runs_is_not_sent(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = queue_invite_emails([portal_invite], subject="Hi", message="")
    Invite.objects.filter(pk=portal_invite.pk).update(status=Invite.Status.REVOKED)
    for callback in callbacks:
        callback()

    delivery = Delivery.objects.get(pk=queued[0].pk)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.last_error == "The invite was revoked before it was sent."
    assert mail.outbox == []


def test_a_task_for_a_row_already_sent_sends_nothing(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = queue(portal_invite, django_capture_on_commit_callbacks)

    assert send_delivery(delivery.pk) == "skipped"
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_the_sweeper_sends_what_was_left_behind_and_leaves_the_rest(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        lost, _fresh, abandoned, busy = (
            invitation_email(org, name) for name in ("lost", "fresh", "abandoned", "busy")
        )
    # A message lost without the sender knowing: found a little over 2 minutes late.
    Delivery.objects.filter(pk=lost.pk).update(next_attempt_at=now - timedelta(seconds=130))
    # A worker that died while sending: taken back after 3 minutes, not 10.
    Delivery.objects.filter(pk=abandoned.pk).update(
        status=Delivery.Status.SENDING, attempts=1, updated_at=now - timedelta(seconds=190)
    )
    # A send as slow as the task's time limit allows is still its worker's.
    Delivery.objects.filter(pk=busy.pk).update(
        status=Delivery.Status.SENDING,
        attempts=1,
        updated_at=now - timedelta(seconds=SEND_TIME_LIMIT),
    )
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_deliveries", stdout=out)

    assert out.getvalue() == "Requeued 2 deliveries.\n"
    assert sorted(m.to[0] for m in mail.outbox) == ["abandoned@example.com", "lost@example.com"]
    statuses = dict(Delivery.objects.values_list("recipient", "status"))
    assert statuses == {
        "lost@example.com": "sent",
        "abandoned@example.com": "sent",
        "fresh@example.com": "queued",
        "busy@example.com": "sending",
    }
    assert Delivery.objects.get(pk=abandoned.pk).attempts == 2


def test_a_requeued_row_waits_before_the_next_sweep_takes_it_again(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        lost = invitation_email(org, "lost")
    Delivery.objects.filter(pk=lost.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=3)
    )
    out = StringIO()
    # The broker took the task, but no worker has run it yet.
    with django_capture_on_commit_callbacks(execute=False):
        call_command("requeue_deliveries", stdout=out)
        call_command("requeue_deliveries", stdout=out)
    assert out.getvalue() == "Requeued 1 delivery.\nRequeued 0 deliveries.\n"


def test_emails_the_broker_refused_are_sent_by_the_next_sweep_once(
    event: Any, make_invites: Any, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    invites = make_invites(3)
    # Nothing listens on this port: the broker is down.
    with publishing_to(f"redis://127.0.0.1:{spare_port()}/0"):
        with django_capture_on_commit_callbacks(execute=True):
            queued = queue_invite_emails(invites, subject="Hi", message="")
        assert "they stay queued for the sweeper" in caplog.text
        assert Delivery.objects.filter(status=Delivery.Status.QUEUED).count() == 3

    # The broker is back (here: tasks run in-process) and beat runs the
    # sweeper a few seconds later, with its real thresholds.
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stuck_deliveries() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stuck_deliveries() == 0

    assert sorted(m.to[0] for m in mail.outbox) == [f"guest{n}@example.com" for n in (1, 2, 3)]
    statuses = Delivery.objects.filter(pk__in=[d.pk for d in queued]).values_list(
        "status", "attempts", "last_error"
    )
    assert set(statuses) == {(Delivery.Status.SENT, 1, "")}


def test_a_queued_email_waiting_its_turn_is_not_published_again_by_the_sweeper(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Published fine, behind a large send: a minute old and not yet claimed.
    with django_capture_on_commit_callbacks(execute=False):
        waiting = invitation_email(org, "waiting")
    Delivery.objects.filter(pk=waiting.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stuck_deliveries() == 0
    assert mail.outbox == []


def test_the_sending_lease_outlasts_the_longest_send(settings: Any) -> None:
    # A live worker's send ends (sent, released for a retry, or killed) by the
    # hard time limit after its claim; only then may the sweeper take the row.
    assert REQUEUE_SENDING_AFTER.total_seconds() >= SEND_TIME_LIMIT + 60
    assert SEND_SOFT_TIME_LIMIT < SEND_TIME_LIMIT
    # One SMTP socket operation gives up well before the soft limit.
    assert settings.EMAIL_TIMEOUT < SEND_SOFT_TIME_LIMIT
    assert timedelta(minutes=3) >= REQUEUE_SENDING_AFTER


# --- Tracking -------------------------------------------------------------------------------


@pytest.fixture
def sent_delivery(
    anymail_backend: None, portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> Delivery:
    delivery = queue(portal_invite, django_capture_on_commit_callbacks)
    assert delivery.status == Delivery.Status.SENT
    return delivery


def track(delivery: Delivery, event_type: str, **fields: Any) -> Delivery:
    event = AnymailTrackingEvent(
        event_type=event_type, message_id=delivery.provider_message_id, **fields
    )
    tracking.send(sender=object, event=event, esp_name="Test")
    delivery.refresh_from_db()
    return delivery


def test_the_providers_message_id_is_stored(sent_delivery: Delivery) -> None:
    # anymail's test backend numbers messages from 0.
    assert sent_delivery.provider_message_id == "0"
    assert Delivery.objects.filter(provider_message_id="0").count() == 1


def test_tracking_events_update_the_delivery(sent_delivery: Delivery) -> None:
    assert track(sent_delivery, "delivered").status == Delivery.Status.DELIVERED
    opened = track(sent_delivery, "opened")
    assert opened.opened_at is not None
    bounced = track(sent_delivery, "bounced", description="Mailbox full")
    assert (bounced.status, bounced.last_error) == (Delivery.Status.BOUNCED, "Mailbox full")
    # A late, out-of-order "delivered" does not undo the bounce.
    assert track(sent_delivery, "delivered").status == Delivery.Status.BOUNCED
    assert track(sent_delivery, "complained").status == Delivery.Status.COMPLAINED


def test_an_open_before_the_delivered_event_counts_as_delivered(
    sent_delivery: Delivery,
) -> None:
    delivery = track(sent_delivery, "opened", timestamp=timezone.now() - timedelta(minutes=1))
    assert delivery.status == Delivery.Status.DELIVERED
    first_open = delivery.opened_at
    assert track(sent_delivery, "opened").opened_at == first_open


def test_an_event_for_an_unknown_message_changes_nothing(sent_delivery: Delivery) -> None:
    event = AnymailTrackingEvent(event_type="bounced", message_id="not-ours")
    tracking.send(sender=object, event=event, esp_name="Test")
    sent_delivery.refresh_from_db()
    assert sent_delivery.status == Delivery.Status.SENT


# The webhook itself (which URL, its secret, forged and malformed posts):
# tests/deliveries/test_tracking_webhooks.py.


# --- The same task twice at once ----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_task_run_twice_at_once_sends_one_email(
    flaky: type[FlakyBackend], portal_invite: Invite
) -> None:
    delivery = queue_email("invite", to="ada@example.com", context={}, about=portal_invite)
    # The task ran eagerly on commit: take the row back to what a worker finds.
    mail.outbox.clear()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.QUEUED, attempts=0, sent_at=None
    )
    # Sends take a moment, as they do over the network, so the runs overlap.
    flaky.script(delay=0.5)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run_task() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(send_delivery(delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run_task) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["sent", "skipped"]
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)
