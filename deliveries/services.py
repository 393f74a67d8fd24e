"""Queueing emails, sending them from workers, and following what became of them.

Lock order: invite rows (by id), then delivery rows. Nothing here takes a
portal, credit account or purchase lock, so a caller holding those (e.g.
generating invites and queueing their emails in one transaction) keeps the
ledger's order.
"""

from __future__ import annotations

import logging
import random
import smtplib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailError
from anymail.signals import AnymailTrackingEvent, EventType
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from artsvp.ids import new_public_id
from deliveries.models import INVITE_TEMPLATE, MAX_SENDS_PER_INVITE, Delivery
from deliveries.rendering import SkipDelivery, build_delivery_message
from invites.models import Invite, InviteBatch
from organizations.models import Organization

logger = logging.getLogger(__name__)

Status = Delivery.Status

# A queued row this far past its due time was never picked up (the broker was
# down, the message was lost): the sweeper enqueues it again.
REQUEUE_QUEUED_AFTER = timedelta(minutes=5)
# A row claimed this long ago belongs to a dead worker: the task's hard time
# limit (tasks.SEND_TIME_LIMIT) is far shorter than this.
REQUEUE_SENDING_AFTER = timedelta(minutes=10)
# Large sends are published by a worker, in chunks (see enqueue_deliveries).
FAN_OUT_ABOVE = 50
FAN_OUT_CHUNK = 1000
# Transient errors are retried with exponential backoff (30 s, 1, 2, 4, 8,
# then every 10 minutes): about 45 minutes of provider outage before failing.
MAX_ATTEMPTS = 8
RETRY_BACKOFF_SECONDS = 30
RETRY_BACKOFF_MAX_SECONDS = 600

# Why an invite is left out of a send.
REVOKED, WITHOUT_EMAIL, AT_LIMIT = "revoked", "without_email", "at_limit"

# Statuses that mean the email reached (or was handed to) the provider.
SENT_STATUSES = (Status.SENT, Status.DELIVERED, Status.BOUNCED, Status.COMPLAINED)


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


class RetryLater(Exception):
    def __init__(self, reason: str, *, countdown: int) -> None:
        super().__init__(reason)
        self.countdown = countdown


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


@dataclass(frozen=True)
class DeliveryProgress:
    counts: dict[str, int] = field(default_factory=dict)
    opened: int = 0
    send_id: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pending(self) -> int:
        return self.counts.get(Status.QUEUED, 0) + self.counts.get(Status.SENDING, 0)

    @property
    def finished(self) -> int:
        return self.total - self.pending

    @property
    def sent(self) -> int:
        """Handed to the provider, whatever it reported afterwards."""
        return sum(self.counts.get(status, 0) for status in SENT_STATUSES)

    @property
    def delivered(self) -> int:
        return self.counts.get(Status.DELIVERED, 0)

    @property
    def problems(self) -> int:
        return sum(
            self.counts.get(status, 0)
            for status in (Status.FAILED, Status.BOUNCED, Status.COMPLAINED)
        )

    @property
    def failed(self) -> int:
        return self.counts.get(Status.FAILED, 0)

    @property
    def bounced(self) -> int:
        return self.counts.get(Status.BOUNCED, 0) + self.counts.get(Status.COMPLAINED, 0)

    @property
    def done(self) -> bool:
        return self.pending == 0

    @property
    def percent(self) -> int:
        if not self.total:
            return 100
        return round(100 * (self.total - self.pending) / self.total)


# --- Queueing (in the caller's transaction) ------------------------------------------------


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
        locked = list(
            Invite.objects.select_for_update()
            .filter(pk__in=invite_ids)
            .order_by("pk")
            .only("pk", "organization_id", "guest_email", "status")
        )
        used = _sends_used(invite_ids)
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
    (every further attempt would wait for the same dead broker).
    """
    from deliveries.tasks import publish_send_tasks, send_delivery

    if fan_out and len(delivery_ids) > FAN_OUT_ABOVE:
        task = publish_send_tasks
        batches = [
            delivery_ids[start : start + FAN_OUT_CHUNK]
            for start in range(0, len(delivery_ids), FAN_OUT_CHUNK)
        ]
        calls = [((batch,), len(batch)) for batch in batches]
    else:
        task = send_delivery
        calls = [((delivery_id,), 1) for delivery_id in delivery_ids]
    handed_over = 0
    try:
        # One broker connection for all of them, not one per task.
        with task.app.producer_or_acquire() as producer:
            for args, rows in calls:
                task.apply_async(args, producer=producer)
                handed_over += rows
    except Exception:
        logger.warning(
            "Could not enqueue %d of %d deliveries; they stay queued for the sweeper.",
            len(delivery_ids) - handed_over,
            len(delivery_ids),
            exc_info=True,
        )
    return handed_over


# --- Sending (in a worker) --------------------------------------------------------------


def send_queued_delivery(delivery_id: int) -> str:
    """Claim, render, send and record one delivery: 'sent', 'failed' or 'skipped'.

    Raises `RetryLater` on a transient error while attempts remain.
    """
    if not _claim(delivery_id):
        return "skipped"
    delivery = Delivery.objects.select_related(
        "invite__event", "invite__portal", "invite__organization"
    ).get(pk=delivery_id)
    try:
        email = build_delivery_message(delivery)
    except SkipDelivery as exc:
        _finish_failed(delivery, str(exc))
        return "failed"
    except Exception:
        logger.exception("Delivery %s could not be rendered.", delivery_id)
        _finish_failed(delivery, f"The {delivery.template!r} email could not be rendered.")
        return "failed"
    try:
        email.send()
    except Exception as exc:
        reason = describe_send_error(exc)
        if is_transient(exc) and delivery.attempts < MAX_ATTEMPTS:
            countdown = retry_countdown(delivery.attempts)
            _release_for_retry(delivery, reason, countdown=countdown)
            raise RetryLater(reason, countdown=countdown) from exc
        logger.warning("Delivery %s failed: %s", delivery_id, reason)
        _finish_failed(delivery, reason)
        return "failed"
    _finish_sent(delivery, provider_message_id=_provider_message_id(email))
    return "sent"


def _claim(delivery_id: int) -> bool:
    with transaction.atomic(durable=True):
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        # A duplicate task (broker redelivery, the sweeper, a second worker)
        # waits on the lock, then sees `sending` or `sent` and backs off: the
        # email goes out once.
        if delivery is None or delivery.status != Status.QUEUED:
            return False
        now = timezone.now()
        Delivery.objects.filter(pk=delivery_id).update(
            status=Status.SENDING, attempts=delivery.attempts + 1, updated_at=now
        )
    return True


def _finish_sent(delivery: Delivery, *, provider_message_id: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        # `queued` too: the sweeper may have taken back a slow claim; this
        # email did go, so the duplicate task it enqueued must back off.
        Delivery.objects.filter(pk=delivery.pk, status__in=[Status.SENDING, Status.QUEUED]).update(
            status=Status.SENT,
            sent_at=now,
            provider_message_id=provider_message_id,
            last_error="",
            updated_at=now,
        )
        if delivery.invite_id and delivery.template == INVITE_TEMPLATE:
            Invite.objects.filter(pk=delivery.invite_id, status=Invite.Status.CREATED).update(
                status=Invite.Status.SENT, updated_at=now
            )


def _finish_failed(delivery: Delivery, reason: str) -> None:
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=Status.FAILED, last_error=reason[:2000], updated_at=now
    )


def _release_for_retry(delivery: Delivery, reason: str, *, countdown: int) -> None:
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=Status.QUEUED,
        last_error=reason[:2000],
        next_attempt_at=now + timedelta(seconds=countdown),
        updated_at=now,
    )


def retry_countdown(attempts: int) -> int:
    base = min(RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS * 2 ** max(0, attempts - 1))
    # Jitter spreads the retries of a large send that failed all at once.
    return int(base * random.uniform(0.75, 1.0))


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: the provider or the network may recover."""
    if isinstance(exc, AnymailAPIError):
        status = exc.status_code
        # No status: the request never got an answer (network, timeout).
        return status is None or status == 429 or status >= 500
    if isinstance(exc, AnymailError):
        return False  # refused recipients, invalid addresses, unsupported features
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, OSError | SoftTimeLimitExceeded)


def describe_send_error(exc: BaseException) -> str:
    """A short reason for the organizer and the operator.

    Not str(exc): anymail formats the provider's HTTP response there (which
    may be missing), and smtplib shows raw bytes.
    """
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{name} {exc.smtp_code}: {detail}"[:500]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = ", ".join(str(code) for code, _ in exc.recipients.values())
        return f"{name}: the server refused the address ({codes})"
    detail = " ".join(str(arg) for arg in exc.args if isinstance(arg, str | int))
    status = getattr(exc, "status_code", None)
    label = f"{name} {status}" if status else name
    return f"{label}: {detail}"[:500] if detail else label


def _provider_message_id(email: Any) -> str:
    status = getattr(email, "anymail_status", None)
    message_id = getattr(status, "message_id", None)
    return "" if message_id is None else str(message_id)[:255]


# --- The sweeper --------------------------------------------------------------------------


def requeue_stuck_deliveries(
    *,
    queued_for: timedelta = REQUEUE_QUEUED_AFTER,
    sending_for: timedelta = REQUEUE_SENDING_AFTER,
    limit: int = 2000,
) -> int:
    """Enqueue again what no worker is going to send, and return how many.

    Queued rows long past due were never (or no longer) in the broker; rows
    stuck in `sending` were claimed by a worker that died. Their tasks are
    published after commit; a row that still has a message in the broker
    just gets a second one, and whichever runs second backs off at the claim.
    """
    now = timezone.now()
    with transaction.atomic(durable=True):
        stuck = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=Status.QUEUED, next_attempt_at__lte=now - queued_for)
                | Q(status=Status.SENDING, updated_at__lte=now - sending_for)
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "status")[:limit]
        )
        ids = [pk for pk, _status in stuck]
        abandoned = [pk for pk, status in stuck if status == Status.SENDING]
        if abandoned:
            Delivery.objects.filter(pk__in=abandoned).update(
                last_error="The worker stopped while sending; sending again."
            )
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


# --- Tracking (the provider's webhooks) ---------------------------------------------------

_TRACKED_PROBLEMS = {
    EventType.BOUNCED: Status.BOUNCED,
    EventType.COMPLAINED: Status.COMPLAINED,
    EventType.REJECTED: Status.FAILED,
    EventType.FAILED: Status.FAILED,
}


def record_tracking_event(event: AnymailTrackingEvent) -> Delivery | None:
    """Apply a provider's delivered/bounced/complained/opened event to its delivery.

    Events arrive late, twice and out of order: a status never moves back
    (a delivered email can still bounce or be marked as spam; a bounced one
    does not become delivered again).
    """
    if not event.message_id:
        return None
    when = event.timestamp or timezone.now()
    with transaction.atomic(durable=True):
        delivery = (
            Delivery.objects.select_for_update()
            .filter(provider_message_id=str(event.message_id))
            .order_by("-pk")
            .first()
        )
        if delivery is None:
            logger.info("Tracking event %s for an unknown message.", event.event_type)
            return None
        changes: dict[str, Any] = {}
        kind = event.event_type
        if kind in (EventType.OPENED, EventType.CLICKED):
            if delivery.opened_at is None:
                changes["opened_at"] = when
            if delivery.status == Status.SENT:
                changes["status"] = Status.DELIVERED
        elif kind == EventType.DELIVERED:
            if delivery.status == Status.SENT:
                changes["status"] = Status.DELIVERED
        elif kind in _TRACKED_PROBLEMS and delivery.status != Status.COMPLAINED:
            changes["status"] = _TRACKED_PROBLEMS[kind]
            reason = event.description or event.mta_response or event.reject_reason or kind
            changes["last_error"] = str(reason)[:2000]
        if changes:
            changes["updated_at"] = timezone.now()
            Delivery.objects.filter(pk=delivery.pk).update(**changes)
            for name, value in changes.items():
                setattr(delivery, name, value)
    return delivery


# --- Reading: sends left, badges, progress -------------------------------------------------


def _invite_sends(invite_ref: Any) -> QuerySet[Delivery]:
    return Delivery.objects.filter(invite=invite_ref, template=INVITE_TEMPLATE).exclude(
        status=Status.FAILED
    )


def _sends_used(invite_ids: list[int]) -> dict[int, int]:
    rows = (
        Delivery.objects.filter(invite_id__in=invite_ids, template=INVITE_TEMPLATE)
        .exclude(status=Status.FAILED)
        .values("invite_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["invite_id"]: row["n"] for row in rows}


def sends_left(invite: Invite) -> int:
    """How many more times `invite` may be emailed (failed sends do not count)."""
    return max(0, MAX_SENDS_PER_INVITE - _invite_sends(invite).count())


def with_delivery_status(invites: QuerySet[Invite]) -> QuerySet[Invite]:
    """Annotate each invite with its email state, in the same query, for lists.

    `delivery_status` (of the latest invite email, None when never emailed),
    `delivery_error`, `delivery_sends` and `sends_left`.
    """
    latest = Delivery.objects.filter(invite=OuterRef("pk"), template=INVITE_TEMPLATE).order_by(
        "-queued_at", "-pk"
    )
    used = (
        _invite_sends(OuterRef("pk"))
        .order_by()
        .values("invite")
        .annotate(n=Count("pk"))
        .values("n")
    )
    sends = Coalesce(Subquery(used, output_field=IntegerField()), Value(0))
    return invites.annotate(
        delivery_status=Subquery(latest.values("status")[:1]),
        delivery_error=Subquery(latest.values("last_error")[:1]),
        delivery_sends=sends,
        sends_left=Value(MAX_SENDS_PER_INVITE) - sends,
    )


def unsent_invites(invites: QuerySet[Invite]) -> QuerySet[Invite]:
    """Invites never emailed (a failed attempt does not count) that can be."""
    return (
        invites.exclude(guest_email="")
        .exclude(status=Invite.Status.REVOKED)
        .exclude(Exists(_invite_sends(OuterRef("pk"))))
    )


def delivery_progress(
    scope: InviteBatch | QuerySet[Invite] | QuerySet[Delivery],
) -> DeliveryProgress:
    """Counts by status, for a progress bar.

    For deliveries: those rows. For a batch or invites: the latest invite
    email of each invite that was emailed.
    """
    if isinstance(scope, InviteBatch):
        scope = scope.invites.all()
    if scope.model is Delivery:
        rows = scope.order_by().values("status").annotate(n=Count("pk"))
        counts = {row["status"]: row["n"] for row in rows}
        opened = scope.filter(opened_at__isnull=False).count()
        return DeliveryProgress(counts=counts, opened=opened)
    annotated = with_delivery_status(scope).filter(delivery_status__isnull=False)
    rows = annotated.order_by().values("delivery_status").annotate(n=Count("pk"))
    counts = {row["delivery_status"]: row["n"] for row in rows}
    return DeliveryProgress(counts=counts)


def send_progress(send_id: str, *, deliveries: QuerySet[Delivery]) -> DeliveryProgress:
    """Progress of one send; `deliveries` is already scoped to the viewer."""
    progress = delivery_progress(deliveries.filter(send_id=send_id))
    return DeliveryProgress(counts=progress.counts, opened=progress.opened, send_id=send_id)


def pending_send_progress(deliveries: QuerySet[Delivery]) -> DeliveryProgress | None:
    """The newest send among `deliveries` (already scoped) that is still going."""
    send_id = (
        deliveries.filter(status__in=[Status.QUEUED, Status.SENDING])
        .exclude(send_id="")
        .order_by("-queued_at", "-pk")
        .values_list("send_id", flat=True)
        .first()
    )
    if not send_id:
        return None
    return send_progress(send_id, deliveries=deliveries)


# --- Helpers -------------------------------------------------------------------------------


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
