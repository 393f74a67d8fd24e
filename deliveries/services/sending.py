"""Sending one queued delivery, in a worker: claim, render, send, record.

models.py explains why this sends at least once and, in the normal case,
exactly once. No lock is held while talking to the email provider.
"""

from __future__ import annotations

import logging
import random
import smtplib
from datetime import timedelta
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailError
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from artsvp.locks import lock_row, locking_transaction
from deliveries.models import INVITE_TEMPLATE, Delivery
from deliveries.rendering import SkipDelivery, build_delivery_message
from invites.models import Invite

logger = logging.getLogger(__name__)

Status = Delivery.Status

# Transient errors are retried with exponential backoff (30 s, 1, 2, 4 and 8
# minutes, then 10): about half an hour of provider outage before failing.
MAX_ATTEMPTS = 8
RETRY_BACKOFF_SECONDS = 30
RETRY_BACKOFF_MAX_SECONDS = 600


class RetryLater(Exception):
    def __init__(self, reason: str, *, countdown: int) -> None:
        super().__init__(reason)
        self.countdown = countdown


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
    with locking_transaction():
        delivery = lock_row(Delivery.objects.filter(pk=delivery_id))
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
