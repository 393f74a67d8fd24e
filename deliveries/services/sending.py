"""Sending one queued delivery, in a worker: claim, build, send, record.

models.py explains why this sends at least once and, in the normal case,
exactly once, on every channel. No lock is held while talking to the
provider; the channel (deliveries/channels.py) builds and sends the message
and says which errors are transient.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from artsvp.locks import lock_row, locking_transaction
from deliveries.channels import describe_send_error, get_channel, is_transient
from deliveries.hooks import run_sent_hooks
from deliveries.models import Delivery
from deliveries.rendering import SkipDelivery

__all__ = [
    "MAX_ATTEMPTS",
    "RetryLater",
    "describe_send_error",
    "is_transient",
    "retry_countdown",
    "send_queued_delivery",
]

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
    """Claim, build, send and record one delivery: 'sent', 'failed' or 'skipped'.

    Raises `RetryLater` on a transient error while attempts remain.
    """
    if not _claim(delivery_id):
        return "skipped"
    delivery = Delivery.objects.get(pk=delivery_id)
    try:
        channel = get_channel(delivery.channel)
        message = channel.build(delivery)
    except SkipDelivery as exc:
        _finish_failed(delivery, str(exc))
        return "failed"
    except Exception:
        logger.exception("Delivery %s could not be rendered.", delivery_id)
        _finish_failed(delivery, f"The {delivery.template!r} message could not be rendered.")
        return "failed"
    try:
        provider_message_id = channel.send(message)
    except Exception as exc:
        reason = channel.describe_error(exc)
        if channel.is_transient(exc) and delivery.attempts < MAX_ATTEMPTS:
            countdown = retry_countdown(delivery.attempts)
            _release_for_retry(delivery, reason, countdown=countdown)
            raise RetryLater(reason, countdown=countdown) from exc
        logger.warning("Delivery %s failed: %s", delivery_id, reason)
        _finish_failed(delivery, reason)
        return "failed"
    _finish_sent(delivery, provider_message_id=provider_message_id)
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
        # message did go, so the duplicate task it enqueued must back off.
        recorded = Delivery.objects.filter(
            pk=delivery.pk, status__in=[Status.SENDING, Status.QUEUED]
        ).update(
            status=Status.SENT,
            sent_at=now,
            provider_message_id=provider_message_id,
            last_error="",
            updated_at=now,
        )
        # Once per row: a row already recorded (by a duplicate run) skips them.
        # A hook's UPDATE (an invite's status) locks its row after this
        # delivery's, the reverse of artsvp/locks.py's invite -> delivery. It
        # cannot deadlock: whoever holds an invite lock (queueing) only inserts
        # new delivery rows and never waits for an existing one.
        if recorded:
            run_sent_hooks(delivery)


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
