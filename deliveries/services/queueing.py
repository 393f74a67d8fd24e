"""Queueing emails in the caller's transaction, and publishing their tasks after commit.

Locks: invite rows, then delivery rows, in the order of artsvp/locks.py,
which a caller holding earlier locks (a portal, a credit account) keeps.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from artsvp.ids import new_public_id
from artsvp.locks import lock_rows, locking_transaction
from deliveries.models import INVITE_TEMPLATE, MAX_SENDS_PER_INVITE, Delivery
from deliveries.services.reading import sends_used, with_delivery_status
from invites.models import Invite
from organizations.models import Organization

logger = logging.getLogger(__name__)

Status = Delivery.Status

# The `last_error` of a queued row whose task could not be published (the
# broker was down): no message for it exists, so the sweeper's next run (beat:
# every minute) enqueues it again without waiting. Once the broker is back,
# such emails leave within about a minute.
NOT_ENQUEUED = "Waiting for the task queue, which was unreachable."
# A queued row this far past its due time, without that mark, lost its message
# some other way (Redis lost its queue, the process died before publishing).
# Long enough that rows still waiting their turn behind a large send are not
# published again and again (a duplicate task backs off at the claim, but
# costs a worker a locked read).
REQUEUE_QUEUED_AFTER = timedelta(minutes=2)
# A claim older than this belongs to a dead worker, and can be sent again
# without a second email going out from a live one: the claim is made inside
# the send task, which the worker kills `tasks.SEND_TIME_LIMIT` (120 s) after
# it started, whatever the email backend is doing (EMAIL_TIMEOUT, 30 s, bounds
# each socket operation, not a whole SMTP conversation, so the time limit is
# the bound; the soft limit at 90 s releases the row for a retry first). By
# claim + 120 s the row records its outcome or its process is dead; the extra
# minute covers clock differences between the worker's and the sweeper's
# hosts. The prefork pool (the default) enforces time limits; the threads and
# solo pools do not, so do not run the sender on those. tests/deliveries
# checks that this outlasts the time limit.
REQUEUE_SENDING_AFTER = timedelta(minutes=3)
# Large sends are published by a worker, in chunks (see enqueue_deliveries).
FAN_OUT_ABOVE = 50
FAN_OUT_CHUNK = 1000

# Why an invite is left out of a send.
REVOKED, WITHOUT_EMAIL, AT_LIMIT = "revoked", "without_email", "at_limit"


class DeliveryError(Exception):
    """A send that is refused; the message is shown to the user."""

    code = "delivery_error"


class InvalidRecipient(DeliveryError):
    code = "invalid_recipient"

    def __init__(self, address: str) -> None:
        super().__init__(f"{address!r} is not a valid email address.")


class SendLimitReached(DeliveryError):
    code = "send_limit_reached"

    def __init__(self, count: int) -> None:
        self.count = count
        limit = f"{MAX_SENDS_PER_INVITE} times, the most allowed (the first send and 4 reminders)"
        if count == 1:
            super().__init__(f"This invite has already been emailed {limit}.")
        else:
            super().__init__(f"All {count} invites have already been emailed {limit}.")


class NoRecipients(DeliveryError):
    code = "no_recipients"

    def __init__(self) -> None:
        super().__init__(
            "None of these invites can be emailed: add the guest's email address first "
            "(revoked invites are never sent)."
        )


@dataclass(frozen=True)
class Skipped:
    """Invites a send left out, by reason."""

    without_email: int = 0
    at_limit: int = 0
    revoked: int = 0

    @classmethod
    def count(cls, reasons: Counter[str]) -> Skipped:
        return cls(
            without_email=reasons[WITHOUT_EMAIL],
            at_limit=reasons[AT_LIMIT],
            revoked=reasons[REVOKED],
        )

    @property
    def total(self) -> int:
        return self.without_email + self.at_limit + self.revoked

    def __str__(self) -> str:
        """'Skipped 2 without an email address and 1 revoked.' (empty when none)"""
        parts = []
        if self.without_email:
            parts.append(f"{self.without_email} without an email address")
        if self.at_limit:
            parts.append(f"{self.at_limit} already emailed {MAX_SENDS_PER_INVITE} times")
        if self.revoked:
            parts.append(f"{self.revoked} revoked")
        if not parts:
            return ""
        if len(parts) > 1:
            return f"Skipped {', '.join(parts[:-1])} and {parts[-1]}."
        return f"Skipped {parts[0]}."


class QueuedInviteEmails(list[Delivery]):
    """The deliveries one send queued (it is the list), and what it left out."""

    def __init__(self, deliveries: Iterable[Delivery], *, send_id: str, skipped: Skipped) -> None:
        super().__init__(deliveries)
        self.send_id = send_id
        self.skipped = skipped


@dataclass(frozen=True)
class SendPlan:
    """What a send would do now: the invites it would email, what it would skip."""

    invites: list[Invite]
    skipped: Skipped


# --- Queueing --------------------------------------------------------------------------------


def queue_email(
    template: str,
    *,
    to: str,
    context: dict[str, Any],
    organization: Organization | None = None,
    invite: Invite | None = None,
    subject: str | None = None,
    message: str | None = None,
    reply_to: str | None = None,
) -> Delivery:
    """Record one email in the outbox; a worker sends it once the caller's
    transaction commits (a rollback sends nothing).

    `context` holds JSON-safe values (ids, strings) that the template, or the
    context builder registered for it, renders at send time.
    """
    to = to.strip()
    for address in filter(None, [to, reply_to]):
        _validate_address(address)
    delivery = Delivery.objects.create(
        organization=organization,
        template=template,
        recipient=to,
        reply_to=reply_to or "",
        context=context,
        invite=invite,
        subject=subject or "",
        message=message or "",
    )
    transaction.on_commit(partial(enqueue_deliveries, [delivery.pk]))
    return delivery


def queue_invite_emails(
    invites: Iterable[Invite], *, subject: str, message: str, actor: Any = None
) -> QueuedInviteEmails:
    """Queue the invite email for each invite that can take one more send.

    Invites without a (valid) email, revoked invites and invites already
    emailed `MAX_SENDS_PER_INVITE` times are skipped and counted. Raises
    `SendLimitReached` or `NoRecipients` when nothing at all can be sent.
    One bulk insert; the tasks are enqueued after commit.
    """
    invite_ids = sorted({invite.pk for invite in invites})
    send_id = new_public_id()
    queued_by = str(getattr(actor, "email", "") or actor or "")[:254]
    with transaction.atomic():
        # Two sends of one invite at the same moment serialise on its row, so
        # the second counts the first's delivery and the limit holds.
        locked = lock_rows(
            Invite.objects.filter(pk__in=invite_ids).only(
                "pk", "organization_id", "guest_email", "status"
            )
        )
        used = sends_used(invite_ids)
        rows: list[Delivery] = []
        skipped: Counter[str] = Counter()
        for invite in locked:
            reason = skip_reason(invite, sends=used.get(invite.pk, 0))
            if reason:
                skipped[reason] += 1
                continue
            rows.append(
                Delivery(
                    organization_id=invite.organization_id,
                    template=INVITE_TEMPLATE,
                    recipient=invite.guest_email.strip(),
                    invite_id=invite.pk,
                    subject=subject,
                    message=message,
                    send_id=send_id,
                    queued_by=queued_by,
                )
            )
        if not rows:
            if skipped[AT_LIMIT]:
                raise SendLimitReached(skipped[AT_LIMIT])
            raise NoRecipients()
        deliveries = Delivery.objects.bulk_create(rows)
        transaction.on_commit(partial(enqueue_deliveries, [d.pk for d in deliveries]))
    return QueuedInviteEmails(deliveries, send_id=send_id, skipped=Skipped.count(skipped))


def skip_reason(invite: Invite, *, sends: int) -> str | None:
    """Why `invite` cannot be emailed now (it has had `sends` sends), or None."""
    if invite.status == Invite.Status.REVOKED:
        return REVOKED
    if not _is_valid_address(invite.guest_email):
        return WITHOUT_EMAIL
    if sends >= MAX_SENDS_PER_INVITE:
        return AT_LIMIT
    return None


def plan_invite_emails(invites: QuerySet[Invite]) -> SendPlan:
    """What `queue_invite_emails` would do now, for the confirmation page: the
    invites it would email (annotated by `with_delivery_status`, oldest first)
    and what it would skip. Reads only; the real send decides under locks."""
    sendable: list[Invite] = []
    skipped: Counter[str] = Counter()
    for invite in with_delivery_status(invites).order_by("created_at", "pk"):
        reason = skip_reason(invite, sends=invite.delivery_sends)
        if reason:
            skipped[reason] += 1
        else:
            sendable.append(invite)
    return SendPlan(invites=sendable, skipped=Skipped.count(skipped))


def enqueue_deliveries(delivery_ids: list[int], *, fan_out: bool = True) -> int:
    """Publish the send tasks of these rows; returns how many rows were handed over.

    Publishing takes about a millisecond a task, so past `FAN_OUT_ABOVE` rows
    a request publishes one task per `FAN_OUT_CHUNK` rows and a worker
    publishes the rest (`tasks.publish_send_tasks`): a send of 1,000 returns
    at once. Never raises: the rows are committed, so a broker that is down
    only delays them until the sweeper runs. It stops at the first failure
    (every further attempt would wait for the same dead broker) and marks
    the rows left over `NOT_ENQUEUED`, so the next sweep takes them at once.
    How long a dead broker can hold the caller is set by
    CELERY_BROKER_TRANSPORT_OPTIONS and CELERY_TASK_PUBLISH_RETRY_POLICY.
    """
    from deliveries.tasks import publish_send_tasks, send_delivery

    if fan_out and len(delivery_ids) > FAN_OUT_ABOVE:
        task = publish_send_tasks
        batches = [
            delivery_ids[start : start + FAN_OUT_CHUNK]
            for start in range(0, len(delivery_ids), FAN_OUT_CHUNK)
        ]
        calls = [((batch,), batch) for batch in batches]
    else:
        task = send_delivery
        calls = [((delivery_id,), [delivery_id]) for delivery_id in delivery_ids]
    handed_over = 0
    try:
        # One broker connection for all of them, not one per task.
        with task.app.producer_or_acquire() as producer:
            for args, rows in calls:
                task.apply_async(args, producer=producer)
                handed_over += len(rows)
    except Exception as exc:
        left = delivery_ids[handed_over:]
        # A warning without the traceback: during an outage every send logs one.
        logger.warning(
            "Could not enqueue %d of %d deliveries (%s: %s); they stay queued for the sweeper.",
            len(left),
            len(delivery_ids),
            type(exc).__name__,
            exc,
        )
        _mark_not_enqueued(left)
    return handed_over


def _mark_not_enqueued(delivery_ids: list[int]) -> None:
    try:
        # Only rows still waiting: a publish that failed late may have reached
        # a worker, which has claimed the row by now.
        Delivery.objects.filter(pk__in=delivery_ids, status=Status.QUEUED).update(
            last_error=NOT_ENQUEUED
        )
    except DatabaseError:
        # The sweeper's REQUEUE_QUEUED_AFTER still finds them, only later.
        logger.warning("Could not mark %d deliveries as not enqueued.", len(delivery_ids))


# --- The sweeper ----------------------------------------------------------------------------


def requeue_stuck_deliveries(
    *,
    queued_for: timedelta = REQUEUE_QUEUED_AFTER,
    sending_for: timedelta = REQUEUE_SENDING_AFTER,
    limit: int = 2000,
) -> int:
    """Enqueue again what no worker is going to send, and return how many.

    Due rows whose publish failed (`NOT_ENQUEUED`) have no message in the
    broker; queued rows long past due lost theirs; rows stuck in `sending`
    were claimed by a worker that died. Their tasks are published after
    commit; a row that still has a message in the broker just gets a second
    one, and whichever runs second backs off at the claim.
    """
    now = timezone.now()
    with locking_transaction():
        stuck = lock_rows(
            Delivery.objects.filter(
                Q(status=Status.QUEUED, last_error=NOT_ENQUEUED, next_attempt_at__lte=now)
                | Q(status=Status.QUEUED, next_attempt_at__lte=now - queued_for)
                | Q(status=Status.SENDING, updated_at__lte=now - sending_for)
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "status", "last_error")[:limit],
            skip_locked=True,
        )
        ids = [pk for pk, _status, _error in stuck]
        abandoned = [pk for pk, status, _error in stuck if status == Status.SENDING]
        not_enqueued = [pk for pk, _status, error in stuck if error == NOT_ENQUEUED]
        if abandoned:
            Delivery.objects.filter(pk__in=abandoned).update(
                last_error="The worker stopped while sending; sending again."
            )
        if not_enqueued:
            # Published now; if that fails too, enqueue_deliveries marks them again.
            Delivery.objects.filter(pk__in=not_enqueued).update(last_error="")
        # Pushing the due time forward keeps the next sweeps from enqueueing
        # the same rows again while these tasks wait in the broker.
        Delivery.objects.filter(pk__in=ids).update(
            status=Status.QUEUED, next_attempt_at=now, updated_at=now
        )
        transaction.on_commit(partial(enqueue_deliveries, ids))
    if ids:
        logger.info(
            "Requeued %d deliveries (%d abandoned while sending).", len(ids), len(abandoned)
        )
    return len(ids)


# --- Helpers --------------------------------------------------------------------------------


def _validate_address(address: str) -> None:
    if not _is_valid_address(address):
        raise InvalidRecipient(address)


def _is_valid_address(address: str) -> bool:
    try:
        validate_email(address.strip())
    except ValidationError:
        return False
    # validate_email allows neither CR nor LF, but be explicit: an address is
    # a header value.
    return "\n" not in address and "\r" not in address
