from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction

from deliveries import services
from deliveries.models import Delivery
from deliveries.services import queue_email
from invites import sending
from invites.models import Invite
from invites.sending import (
    MAX_SENDS_PER_INVITE,
    NoRecipients,
    SendLimitReached,
    invite_progress,
    queue_invite_emails,
    sends_left,
    unsent_invites,
    with_delivery_status,
)
from tests.mail import html_of

SUBJECT = "You're invited to {{ event }}"
MESSAGE = "Hello {{ name }},\n\n{{ portal }} invites you."

pytestmark = pytest.mark.django_db


def send(invites: list[Invite], capture: Any, **kwargs: Any) -> sending.QueuedInviteEmails:
    with capture(execute=True):
        return queue_invite_emails(
            invites, subject=kwargs.pop("subject", SUBJECT), message=kwargs.pop("message", MESSAGE)
        )


def test_an_invite_email_is_sent_by_the_task_after_commit(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    queued = send([portal_invite], django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["ada@example.com"]
    assert email.subject == "You're invited to Spring Fair"
    assert "Hello Ada Lovelace," in email.body
    assert "Galerie Nord invites you." in email.body
    assert f"http://127.0.0.1:8000/i/{portal_invite.token}/" in email.body
    html = html_of(email)
    assert "Spring Fair" in html and "Galerie Nord" in html
    assert f"/i/{portal_invite.token}/" in html
    # The guest's answer reaches the exhibitor who invited them.
    assert email.reply_to == ["owner@galerie-nord.example"]
    delivery = Delivery.objects.get(pk=queued[0].pk)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 1
    assert delivery.sent_at is not None
    portal_invite.refresh_from_db()
    assert portal_invite.status == Invite.Status.SENT


def test_nothing_is_sent_before_the_transaction_commits(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        queue_invite_emails([portal_invite], subject=SUBJECT, message=MESSAGE)
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert Delivery.objects.get().status == Delivery.Status.QUEUED


def test_a_rolled_back_request_sends_nothing(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        queue_invite_emails([portal_invite], subject=SUBJECT, message=MESSAGE)
        queue_email("invite", to="someone@example.com", context={})
        raise Boom
    assert callbacks == []
    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_the_sixth_send_of_an_invite_is_refused(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    for expected_left in range(MAX_SENDS_PER_INVITE - 1, -1, -1):
        send([portal_invite], django_capture_on_commit_callbacks)
        assert sends_left(portal_invite) == expected_left

    with pytest.raises(SendLimitReached) as refused:
        send([portal_invite], django_capture_on_commit_callbacks)

    assert "already been emailed 5 times" in str(refused.value)
    assert len(mail.outbox) == MAX_SENDS_PER_INVITE
    assert Delivery.objects.count() == MAX_SENDS_PER_INVITE


def test_failed_sends_do_not_use_up_the_invite(
    portal_invite: Invite, django_capture_on_commit_callbacks: Any
) -> None:
    Delivery.objects.bulk_create(
        Delivery(
            about=portal_invite,
            template="invite",
            recipient="ada@example.com",
            status=Delivery.Status.FAILED,
        )
        for _ in range(MAX_SENDS_PER_INVITE)
    )
    assert sends_left(portal_invite) == MAX_SENDS_PER_INVITE
    send([portal_invite], django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_a_selection_skips_what_cannot_be_sent_and_says_so(
    make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ok, no_email, revoked, used_up = make_invites(
        4, emails=["a@example.com", "", "c@example.com", "d@example.com"]
    )
    Invite.objects.filter(pk=revoked.pk).update(status=Invite.Status.REVOKED)
    Delivery.objects.bulk_create(
        Delivery(
            about=used_up,
            template="invite",
            recipient="d@example.com",
            status=Delivery.Status.SENT,
            sent_at=used_up.created_at,
        )
        for _ in range(MAX_SENDS_PER_INVITE)
    )

    queued = send([ok, no_email, revoked, used_up], django_capture_on_commit_callbacks)

    assert [d.object_id for d in queued] == [ok.pk]
    assert queued.skipped == sending.Skipped(without_email=1, at_limit=1, revoked=1)
    assert str(queued.skipped) == (
        "Skipped 1 without an email address, 1 already emailed 5 times and 1 revoked."
    )
    assert [m.to for m in mail.outbox] == [["a@example.com"]]


def test_invites_without_an_email_cannot_be_sent(
    make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invites = make_invites(2, emails=["", "not an address"])
    with pytest.raises(NoRecipients):
        send(invites, django_capture_on_commit_callbacks)
    assert not Delivery.objects.exists()


def test_queueing_a_thousand_invite_emails_does_one_insert(
    make_invites: Any, django_assert_max_num_queries: Any, settings: Any
) -> None:
    invites = make_invites(1000)
    # Lock the invites, count their sends, insert the rows (and a savepoint).
    # SQLite caps the parameters of one statement, so its insert comes in chunks.
    with django_assert_max_num_queries(6 if connection.vendor == "postgresql" else 30):
        queued = queue_invite_emails(invites, subject=SUBJECT, message=MESSAGE)
    assert len(queued) == 1000
    assert Delivery.objects.filter(send_id=queued.send_id).count() == 1000


def test_a_large_send_is_handed_to_a_worker_in_one_task_and_every_email_goes(
    make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invites = make_invites(services.FAN_OUT_ABOVE + 10)
    send(invites, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == len(invites)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_lists_get_each_invites_email_state_in_one_query(
    make_invites: Any, django_capture_on_commit_callbacks: Any, django_assert_num_queries: Any
) -> None:
    first, second, never = make_invites(3)
    send([first, second], django_capture_on_commit_callbacks)
    send([first], django_capture_on_commit_callbacks)
    Delivery.objects.filter(invite=second).update(status=Delivery.Status.BOUNCED)

    with django_assert_num_queries(1):
        rows = {i.pk: i for i in with_delivery_status(Invite.objects.all())}

    assert (rows[first.pk].delivery_status, rows[first.pk].sends_left) == ("sent", 3)
    assert (rows[second.pk].delivery_status, rows[second.pk].sends_left) == ("bounced", 4)
    assert (rows[never.pk].delivery_status, rows[never.pk].sends_left) == (None, 5)
    assert list(unsent_invites(Invite.objects.all())) == [never]


def test_progress_counts_the_latest_email_of_each_invite(
    make_invites: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invites = make_invites(3)
    with django_capture_on_commit_callbacks(execute=False):
        queued = queue_invite_emails(invites[:2], subject=SUBJECT, message=MESSAGE)

    progress = invite_progress(invites[0].batch)
    assert (progress.total, progress.pending, progress.done) == (2, 2, False)

    Delivery.objects.filter(pk=queued[0].pk).update(
        status=Delivery.Status.SENT, sent_at=queued[0].queued_at
    )
    progress = services.send_progress(queued.send_id, deliveries=Delivery.objects.all())
    assert (progress.total, progress.sent, progress.pending, progress.percent) == (2, 1, 1, 50)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sends_of_one_invite_at_once_respect_the_limit(make_invites: Any) -> None:
    invite = make_invites(1)[0]
    Delivery.objects.bulk_create(
        Delivery(
            about=invite,
            template="invite",
            recipient=invite.guest_email,
            status=Delivery.Status.SENT,
            sent_at=invite.created_at,
        )
        for _ in range(MAX_SENDS_PER_INVITE - 1)
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                queue_invite_emails([invite], subject=SUBJECT, message=MESSAGE)
                # Hold the lock a moment so the other request really waits on it.
                threading.Event().wait(0.2)
            outcomes.append("queued")
        except SendLimitReached:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["queued", "refused"]
    assert Delivery.objects.filter(invite=invite).count() == MAX_SENDS_PER_INVITE
